package sink

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/rnncast/rnncast/kafkaconn"
	"github.com/rnncast/rnncast/record"
	"github.com/segmentio/kafka-go"
)

// Header names of forecasts and dead letters.
const (
	HeaderModelVersion    = "model-version"
	HeaderInputOffset     = "input-offset"
	HeaderReason          = "reason"
	HeaderSourceTopic     = "source-topic"
	HeaderSourcePartition = "source-partition"
	HeaderSourceOffset    = "source-offset"
	HeaderError           = "error"
)

// WriterConfig configures a Writer.
type WriterConfig struct {
	// Brokers are the bootstrap addresses. Required.
	Brokers []string
	// BatchTimeout is how long a produce batch waits to fill. Default 5ms
	// (kafka-go's default of 1s would add a second to every write).
	BatchTimeout time.Duration
	// BatchSize is the most messages of one produce batch per partition.
	// Default 512.
	BatchSize int
	// BatchBytes bounds the bytes of one produce batch per partition; a
	// larger message is refused before it is sent (kafka-go's
	// MessageTooLargeError). Default 1 MiB, kafka-go's.
	BatchBytes int64
	// WriteTimeout bounds one produce request. Default 10s.
	WriteTimeout time.Duration
	// Dialer's TLS and SASL settings are used when set.
	Dialer *kafka.Dialer
}

func (c WriterConfig) withDefaults() WriterConfig {
	if c.BatchTimeout == 0 {
		c.BatchTimeout = 5 * time.Millisecond
	}
	if c.BatchSize == 0 {
		c.BatchSize = 512
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 10 * time.Second
	}
	return c
}

// Writer writes batches of forecasts and dead letters, each acknowledged by
// all in-sync replicas. It is safe for concurrent use.
type Writer struct {
	w  *kafka.Writer
	tr *kafka.Transport // the writer's own, so Close can close its connections
}

// NewWriter returns a Writer; it dials lazily.
func NewWriter(cfg WriterConfig) (*Writer, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("sink: invalid writer config: no brokers")
	}
	cfg = cfg.withDefaults()
	tr := kafkaconn.TransportOf(cfg.Dialer)
	w := &kafka.Writer{
		Addr:         kafka.TCP(cfg.Brokers...),
		Balancer:     samePartition{fallback: &kafka.Murmur2Balancer{}},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: cfg.BatchTimeout,
		BatchSize:    cfg.BatchSize,
		BatchBytes:   cfg.BatchBytes,
		WriteTimeout: cfg.WriteTimeout,
		Transport:    tr,
	}
	return &Writer{w: w, tr: tr}, nil
}

// Write writes every message of b and returns when all are acknowledged
// (RequireAll), or the first error that is not a refusal of single
// messages. A message the broker refuses for what it holds (too large,
// invalid, corrupt: see Refused) does not fail the write: Write rewrites
// the messages of the failed produce requests in halves, in order, until
// every refused message is alone, and reports those in b.Refused; the
// others are written. After an error, some messages may have been written:
// the caller must not commit the offsets b covers.
func (w *Writer) Write(ctx context.Context, b *Batch) error {
	b.refused = b.refused[:0]
	if len(b.msgs) == 0 {
		return nil
	}
	failed, err := w.write(ctx, b.msgs)
	if err != nil {
		return err
	}
	if len(failed) == 0 {
		return nil
	}
	return w.isolate(ctx, b, failed)
}

// write writes msgs and returns the positions of those refused (Refused),
// or an error when any failed otherwise.
func (w *Writer) write(ctx context.Context, msgs []kafka.Message) ([]int, error) {
	err := w.w.WriteMessages(ctx, msgs...)
	if err == nil {
		return nil, nil
	}
	var werr kafka.WriteErrors
	if !errors.As(err, &werr) {
		if Refused(err) { // kafka-go refused one message before writing any
			return all(len(msgs)), nil
		}
		return nil, fmt.Errorf("sink: cannot write %d messages: %w", len(msgs), err)
	}
	var failed []int
	for i, e := range werr {
		switch {
		case e == nil:
		case Refused(e):
			failed = append(failed, i)
		default:
			// kafka-go's message lists every message's error: name one.
			return nil, fmt.Errorf("sink: cannot write %d of %d messages: %w", werr.Count(), len(msgs), e)
		}
	}
	return failed, nil
}

func all(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// isolate rewrites the messages of b at the positions failed (refused
// together: a produce request is refused as a whole for one of its
// records) in halves, depth first and in order, until each refused message
// was written alone; those are appended to b.refused. One bad message
// among n costs about 2·log2(n) writes.
func (w *Writer) isolate(ctx context.Context, b *Batch, failed []int) error {
	if len(failed) == 1 {
		return w.writeAlone(ctx, b, failed[0])
	}
	for _, half := range [][]int{failed[:len(failed)/2], failed[len(failed)/2:]} {
		if len(half) == 1 {
			if err := w.writeAlone(ctx, b, half[0]); err != nil {
				return err
			}
			continue
		}
		msgs := make([]kafka.Message, len(half))
		for i, j := range half {
			msgs[i] = b.msgs[j]
		}
		again, err := w.write(ctx, msgs)
		if err != nil {
			return err
		}
		for i := range again {
			again[i] = half[again[i]]
		}
		if len(again) > 0 {
			if err := w.isolate(ctx, b, again); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeAlone writes b's message i by itself; a refusal is recorded in
// b.refused.
func (w *Writer) writeAlone(ctx context.Context, b *Batch, i int) error {
	err := w.w.WriteMessages(ctx, b.msgs[i])
	var werr kafka.WriteErrors
	if errors.As(err, &werr) && len(werr) == 1 {
		err = werr[0]
	}
	switch {
	case err == nil:
	case Refused(err):
		o := b.orig[i]
		b.refused = append(b.refused, Refusal{Index: i, Err: err, Kind: o.kind, Offset: o.offset, Reason: o.reason})
	default:
		return fmt.Errorf("sink: cannot write a message: %w", err)
	}
	return nil
}

// Close flushes and closes the writer's connections.
func (w *Writer) Close() error {
	err := w.w.Close()
	w.tr.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("sink: cannot close writer: %w", err)
	}
	return nil
}

// samePartition writes a message to the partition it names (the input
// partition of the reading: co-partitioning), or, when the topic has no
// such partition, to the partition the fallback chooses by key.
type samePartition struct{ fallback kafka.Balancer }

func (s samePartition) Balance(msg kafka.Message, partitions ...int) int {
	for _, p := range partitions {
		if p == msg.Partition {
			return p
		}
	}
	return s.fallback.Balance(msg, partitions...)
}

// Batch is the messages of one micro-batch of one partition. It reuses its
// memory across Reset calls and is owned by one goroutine. A Batch must not
// be reset or reused after a Write that returned an error, because kafka-go
// may still read the messages of a write its context abandoned.
type Batch struct {
	msgs    []kafka.Message
	orig    []origin  // of each message, by position
	refused []Refusal // of the last Write
}

// origin is what a message of a Batch was made from.
type origin struct {
	kind   Kind
	offset int64 // the input record's
	reason record.Reason
}

// Kind is what a message of a Batch is.
type Kind uint8

// Kinds of messages.
const (
	KindForecast Kind = iota
	KindDeadLetter
	KindState
)

// Len returns how many messages b holds.
func (b *Batch) Len() int { return len(b.msgs) }

// Reset empties b, keeping its memory.
func (b *Batch) Reset() { b.msgs, b.orig, b.refused = b.msgs[:0], b.orig[:0], b.refused[:0] }

// Refused returns the messages of b's last Write that the broker refused
// on their own (Refused), in the order of their Index. The slice is valid
// until b is reset.
func (b *Batch) Refused() []Refusal { return b.refused }

// KeyValue returns the key and value of b's message i; they alias b.
func (b *Batch) KeyValue(i int) (key, value []byte) { return b.msgs[i].Key, b.msgs[i].Value }

// next returns a fresh message slot whose Value and Headers keep the
// capacity of an earlier message's, made from o.
func (b *Batch) next(o origin) *kafka.Message {
	b.orig = append(b.orig, o)
	if len(b.msgs) < cap(b.msgs) {
		b.msgs = b.msgs[:len(b.msgs)+1]
	} else {
		b.msgs = append(b.msgs, kafka.Message{})
	}
	m := &b.msgs[len(b.msgs)-1]
	m.Topic, m.Key, m.Value, m.Headers, m.Time = "", m.Key[:0], m.Value[:0], m.Headers[:0], time.Time{}
	return m
}

// AddForecast encodes f (AppendForecast) as a message to topic, keyed by the
// sensor, for partition f.Partition, with the model version and input
// offset headers.
func (b *Batch) AddForecast(topic string, f *Forecast) {
	m := b.next(origin{kind: KindForecast, offset: f.Offset})
	m.Topic, m.Partition = topic, f.Partition
	m.Key = append(m.Key, f.Sensor...)
	m.Value = AppendForecast(m.Value, f)
	m.Headers = append(m.Headers,
		kafka.Header{Key: HeaderModelVersion, Value: []byte(f.ModelVersion)},
		kafka.Header{Key: HeaderInputOffset, Value: strconv.AppendInt(nil, f.Offset, 10)})
}
