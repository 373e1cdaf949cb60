package sink

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rnncast/rnncast/record"
	"github.com/segmentio/kafka-go"
)

// Header names of dead letters, besides HeaderReason and the source
// headers of writer.go.
const (
	// HeaderSourceTimestamp is the source record's Kafka timestamp, in
	// milliseconds since the epoch (a dead letter's own timestamp is the
	// same, except for a refused record's, which takes the write time).
	HeaderSourceTimestamp = "source-timestamp"
	// HeaderTruncated names what was cut to make a dead letter fit, comma
	// separated in this order: "value", "headers", "key". Absent when
	// nothing was cut.
	HeaderTruncated = "truncated"
	// HeaderOriginalKeySize and HeaderOriginalValueSize are the lengths in
	// bytes of the source record's key and value (-1 for null); written
	// when something was truncated.
	HeaderOriginalKeySize   = "original-key-size"
	HeaderOriginalValueSize = "original-value-size"
	// HeaderOriginalHeaders is how many headers the source record had;
	// written when they were dropped.
	HeaderOriginalHeaders = "original-headers"
	// OriginalHeaderPrefix prefixes the source record's own headers, kept in
	// their order, so that a source header named "reason" cannot be taken
	// for rnncast's.
	OriginalHeaderPrefix = "original."
)

// Defaults of DeadLetterLimits.
const (
	DefaultDeadLetterMaxBytes    = 256 << 10
	DefaultDeadLetterValuePrefix = 1 << 10
	// maxErrorBytes bounds the error header of a truncated dead letter.
	maxErrorBytes = 1 << 10
	// fixedReserve is what the fixed headers of a dead letter (names,
	// topic, numbers, an error cut to maxErrorBytes) and the record's own
	// framing need at most; MaxBytes must leave it free beside a key and a
	// value prefix.
	fixedReserve = 4 << 10
)

// DeadLetterLimits bound what a dead letter holds, so that it fits the
// dead-letter topic whatever the source record was.
type DeadLetterLimits struct {
	// MaxBytes bounds a dead letter's key, value and headers together (an
	// estimate of its size in a produce request). A dead letter that would
	// exceed it, or the dead letter of a too-large record, is truncated.
	// Default DefaultDeadLetterMaxBytes (256 KiB, a quarter of the
	// broker's default message.max.bytes).
	MaxBytes int
	// ValuePrefix is how many bytes of the value a truncated dead letter
	// keeps (and of the key, when even the key must be cut). Default
	// DefaultDeadLetterValuePrefix (1 KiB).
	ValuePrefix int
}

// WithDefaults returns l with its zero fields at their defaults.
func (l DeadLetterLimits) WithDefaults() DeadLetterLimits {
	if l.MaxBytes == 0 {
		l.MaxBytes = DefaultDeadLetterMaxBytes
	}
	if l.ValuePrefix == 0 {
		l.ValuePrefix = DefaultDeadLetterValuePrefix
	}
	return l
}

// Validate reports limits under which a truncated dead letter could still
// exceed MaxBytes.
func (l DeadLetterLimits) Validate() error {
	if l.ValuePrefix < 1 {
		return fmt.Errorf("sink: invalid dead-letter limits: value prefix %d is not positive", l.ValuePrefix)
	}
	if min := 2*l.ValuePrefix + fixedReserve; l.MaxBytes < min {
		return fmt.Errorf("sink: invalid dead-letter limits: max bytes %d is below twice the value prefix %d plus %d bytes of headers (%d)",
			l.MaxBytes, l.ValuePrefix, fixedReserve, min)
	}
	return nil
}

// DeadLetter is a rejected input record and why.
type DeadLetter struct {
	Key, Value []byte // the original bytes: nil is a null, an empty slice an empty key or value
	// Headers are the source record's own; they are kept under
	// OriginalHeaderPrefix.
	Headers []kafka.Header
	// Time is the source record's Kafka timestamp.
	Time      time.Time
	Reason    record.Reason
	Err       error
	Topic     string // source topic
	Partition int
	Offset    int64
	// Refused marks the dead letter written in place of a message the
	// broker refused (record.ReasonForecastRefused,
	// record.ReasonDeadLetterRefused): its value is cut to the prefix, the
	// original headers are dropped and it takes the write time, so that
	// it does not meet the refusal again.
	Refused bool
}

// deadLetterPlan is what of a DeadLetter goes into its message.
type deadLetterPlan struct {
	key, value []byte
	headers    bool   // the original headers are kept
	cut        string // HeaderTruncated's value, "" when nothing was cut
	errText    string
}

// planDeadLetter decides what d's message holds under l: everything when it
// fits; otherwise, in this order until it fits, the value cut to the
// prefix, the original headers dropped, the key cut to the prefix.
func planDeadLetter(d *DeadLetter, l DeadLetterLimits) deadLetterPlan {
	p := deadLetterPlan{key: d.Key, value: d.Value, headers: !d.Refused}
	if d.Err != nil {
		p.errText = d.Err.Error()
	}
	if !d.Refused && d.Reason != record.ReasonTooLarge && p.size(d) <= l.MaxBytes {
		return p
	}
	if len(p.errText) > maxErrorBytes {
		p.errText = truncUTF8(p.errText, maxErrorBytes)
	}
	var cut []string
	if len(p.value) > l.ValuePrefix {
		p.value, cut = p.value[:l.ValuePrefix], append(cut, "value")
	}
	if p.headers && len(d.Headers) > 0 && p.size(d) > l.MaxBytes {
		p.headers, cut = false, append(cut, "headers")
	}
	if len(p.key) > l.ValuePrefix && p.size(d) > l.MaxBytes {
		p.key, cut = p.key[:l.ValuePrefix], append(cut, "key")
	}
	p.cut = strings.Join(cut, ",")
	return p
}

// size estimates the bytes p's message takes in a produce request: key,
// value, headers and generous framing (Kafka's varints take less).
func (p *deadLetterPlan) size(d *DeadLetter) int {
	n := len(p.key) + len(p.value) + len(p.errText) + len(d.Topic) + 256 // fixed headers and record framing
	if p.headers {
		for _, h := range d.Headers {
			n += len(OriginalHeaderPrefix) + len(h.Key) + len(h.Value) + 10
		}
	}
	return n
}

// truncUTF8 cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncUTF8(s string, n int) string {
	for n > 0 && n < len(s) && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}

// DeadLetterHeaders returns the headers of d's dead letter under l, in
// order: reason, source-topic, source-partition, source-offset,
// source-timestamp, error; when something was cut, truncated and the
// original sizes (and original-headers when they were dropped); then the
// source record's headers under OriginalHeaderPrefix.
func DeadLetterHeaders(d *DeadLetter, l DeadLetterLimits) []Header {
	return deadLetterHeaders(d, planDeadLetter(d, l.WithDefaults()))
}

func deadLetterHeaders(d *DeadLetter, p deadLetterPlan) []Header {
	hs := []Header{
		{Key: HeaderReason, Value: []byte(d.Reason)},
		{Key: HeaderSourceTopic, Value: []byte(d.Topic)},
		{Key: HeaderSourcePartition, Value: strconv.AppendInt(nil, int64(d.Partition), 10)},
		{Key: HeaderSourceOffset, Value: strconv.AppendInt(nil, d.Offset, 10)},
		{Key: HeaderSourceTimestamp, Value: strconv.AppendInt(nil, d.Time.UnixMilli(), 10)},
		{Key: HeaderError, Value: []byte(p.errText)},
	}
	if p.cut != "" {
		hs = append(hs, Header{Key: HeaderTruncated, Value: []byte(p.cut)},
			Header{Key: HeaderOriginalKeySize, Value: strconv.AppendInt(nil, int64(nullLen(d.Key)), 10)},
			Header{Key: HeaderOriginalValueSize, Value: strconv.AppendInt(nil, int64(nullLen(d.Value)), 10)})
	}
	if !p.headers && len(d.Headers) > 0 {
		hs = append(hs, Header{Key: HeaderOriginalHeaders, Value: strconv.AppendInt(nil, int64(len(d.Headers)), 10)})
	}
	if p.headers {
		for _, h := range d.Headers {
			hs = append(hs, Header{Key: OriginalHeaderPrefix + h.Key, Value: h.Value})
		}
	}
	return hs
}

func nullLen(b []byte) int {
	if b == nil {
		return -1
	}
	return len(b)
}

// AddDeadLetter adds d as a message to topic, for the source partition's
// number, under l (DeadLetterHeaders): the key and value exactly (a null
// stays null, an empty one empty) unless they had to be cut, the headers of
// DeadLetterHeaders, and the source record's timestamp (a Refused one
// takes the write time).
func (b *Batch) AddDeadLetter(topic string, d *DeadLetter, l DeadLetterLimits) {
	p := planDeadLetter(d, l.WithDefaults())
	m := b.next(origin{kind: KindDeadLetter, offset: d.Offset, reason: d.Reason})
	m.Topic, m.Partition = topic, d.Partition
	m.Key = appendExact(m.Key, p.key)
	m.Value = appendExact(m.Value, p.value)
	if !d.Refused {
		m.Time = d.Time
	}
	for _, h := range deadLetterHeaders(d, p) {
		m.Headers = append(m.Headers, kafka.Header{Key: h.Key, Value: h.Value})
	}
}

// appendExact returns src's bytes in dst's memory: nil for nil (a null),
// and a non-nil empty slice for an empty src, which kafka-go writes as
// empty rather than null.
func appendExact(dst, src []byte) []byte {
	if src == nil {
		return nil
	}
	if dst == nil {
		dst = make([]byte, 0, len(src))
	}
	return append(dst, src...)
}

// Refusal is a message of a Batch that the broker (or kafka-go) refused
// for what it holds: Write isolated it and wrote the others.
type Refusal struct {
	// Index is the message's position in its Batch, in the order of the
	// Add calls.
	Index int
	// Err is the refusal (see Refused).
	Err error
	// Kind is what the message was; Offset is its input record's offset
	// (a forecast's input, a dead letter's source; -1 for a state record),
	// Reason a dead letter's reason.
	Kind   Kind
	Offset int64
	Reason record.Reason
}

// Refused reports whether err refuses the records of a produce request for
// what they are (too large, invalid, corrupt, a timestamp out of the
// topic's bounds) rather than for where they go: written alone, or left
// out, the others can succeed. Every other error (the broker unreachable,
// not enough replicas, not authorized, an unknown topic, a timeout) is
// about the cluster, and leaving a record out would not help.
func Refused(err error) bool {
	var tooLarge kafka.MessageTooLargeError
	if errors.As(err, &tooLarge) {
		return true
	}
	for _, code := range refusalCodes {
		if errors.Is(err, code) {
			return true
		}
	}
	return false
}

// refusalCodes are the Kafka error codes of a refused record or batch.
var refusalCodes = []kafka.Error{
	kafka.InvalidMessage,      // 2, CORRUPT_MESSAGE
	kafka.MessageSizeTooLarge, // 10, MESSAGE_TOO_LARGE
	kafka.RecordListTooLarge,  // 18, RECORD_LIST_TOO_LARGE
	kafka.InvalidTimestamp,    // 32, INVALID_TIMESTAMP
	kafka.InvalidRecord,       // 87, INVALID_RECORD
}
