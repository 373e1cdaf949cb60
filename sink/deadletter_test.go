package sink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/record"
	"github.com/segmentio/kafka-go"
)

// clusters are the tiers the writer's Kafka tests run on.
var clusters = []struct {
	name string
	new  func(testing.TB) *kafkatest.Cluster
}{
	{"kfake", func(t testing.TB) *kafkatest.Cluster { return kafkatest.Kfake(t) }},
	{"real", func(t testing.TB) *kafkatest.Cluster { return kafkatest.Real(t) }},
}

// messageSize is the size planDeadLetter bounds: key, value and every
// header's key and value, plus the topic (it is a header's value).
func messageSize(m *Message) int {
	n := len(m.Key) + len(m.Value)
	for _, h := range m.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

// TestPlanDeadLetter checks what a dead letter keeps under its limits.
func TestPlanDeadLetter(t *testing.T) {
	lim := DeadLetterLimits{MaxBytes: 8 << 10, ValuePrefix: 100}
	hdrs := func(n, size int) []kafka.Header {
		var hs []kafka.Header
		for i := range n {
			hs = append(hs, kafka.Header{Key: "h" + strconv.Itoa(i), Value: make([]byte, size)})
		}
		return hs
	}
	f := func(name string, d DeadLetter, keyLen, valueLen int, cut string, headers bool) {
		t.Helper()
		p := planDeadLetter(&d, lim)
		if len(p.key) != keyLen || len(p.value) != valueLen || p.cut != cut || p.headers != headers {
			t.Errorf("%s: key %d value %d cut %q headers %v; want %d %d %q %v",
				name, len(p.key), len(p.value), p.cut, p.headers, keyLen, valueLen, cut, headers)
		}
	}
	f("fits", DeadLetter{Reason: record.ReasonDecode, Key: []byte("k"), Value: make([]byte, 5000), Headers: hdrs(2, 10)}, 1, 5000, "", true)
	f("too-large always cut", DeadLetter{Reason: record.ReasonTooLarge, Key: []byte("k"), Value: make([]byte, 500)}, 1, 100, "value", true)
	f("too-large under the prefix", DeadLetter{Reason: record.ReasonTooLarge, Key: []byte("k"), Value: make([]byte, 50)}, 1, 50, "", true)
	f("value over max", DeadLetter{Reason: record.ReasonDecode, Value: make([]byte, 9000), Headers: hdrs(2, 10)}, 0, 100, "value", true)
	f("headers over max", DeadLetter{Reason: record.ReasonDecode, Value: make([]byte, 10), Headers: hdrs(3, 4000)}, 0, 10, "headers", false)
	f("key over max", DeadLetter{Reason: record.ReasonInvalidKey, Key: make([]byte, 9000), Value: make([]byte, 200), Headers: hdrs(1, 9000)},
		100, 100, "value,headers,key", false)
	f("refused", DeadLetter{Reason: record.ReasonDeadLetterRefused, Key: []byte("k"), Value: make([]byte, 50), Headers: hdrs(1, 1), Refused: true},
		1, 50, "", false)

	// Whatever the record, the dead letter fits.
	rng := rand.New(rand.NewPCG(1, 2))
	size := func() int { return []int{0, 1, 50, 99, 100, 101, 4000, 9000, 1 << 20}[rng.IntN(9)] }
	for i := range 2000 {
		d := DeadLetter{Reason: []record.Reason{record.ReasonDecode, record.ReasonTooLarge}[rng.IntN(2)],
			Topic: strings.Repeat("t", 249), Partition: 1 << 30, Offset: 1 << 62, Time: time.UnixMilli(-1),
			Key: make([]byte, size()), Value: make([]byte, size()), Headers: hdrs(rng.IntN(4), size()),
			Err: errors.New(strings.Repeat("é", size())), Refused: rng.IntN(4) == 0}
		var b Batch
		b.AddDeadLetter("dlq", &d, lim)
		b.Each(func(m *Message) {
			if n := messageSize(m); n > lim.MaxBytes-64 {
				t.Fatalf("case %d: dead letter of %d bytes (key %d, value %d, %d headers), over %d", i, n, len(m.Key), len(m.Value), len(m.Headers), lim.MaxBytes)
			}
		})
	}
}

func TestDeadLetterLimitsValidate(t *testing.T) {
	f := func(l DeadLetterLimits, ok bool) {
		t.Helper()
		if err := l.Validate(); (err == nil) != ok {
			t.Errorf("%+v: Validate() = %v, want ok %v", l, err, ok)
		}
	}
	f(DeadLetterLimits{}.WithDefaults(), true)
	f(DeadLetterLimits{MaxBytes: 6 << 10, ValuePrefix: 1 << 10}, true)
	f(DeadLetterLimits{MaxBytes: 6<<10 - 1, ValuePrefix: 1 << 10}, false)
	f(DeadLetterLimits{MaxBytes: 1 << 20, ValuePrefix: -1}, false)
	f(DeadLetterLimits{MaxBytes: 1 << 20, ValuePrefix: 1 << 20}, false)
}

// TestRefused checks which write errors are refusals of single records
// (the write goes on without them) and which are the cluster's (the write
// fails).
func TestRefused(t *testing.T) {
	f := func(err error, want bool) {
		t.Helper()
		if got := Refused(err); got != want {
			t.Errorf("Refused(%v) = %v, want %v", err, got, want)
		}
	}
	f(kafka.MessageSizeTooLarge, true)
	f(fmt.Errorf("%w: the record is too large", kafka.MessageSizeTooLarge), true)
	f(kafka.MessageTooLargeError{}, true)
	f(kafka.InvalidRecord, true)
	f(kafka.InvalidMessage, true) // CORRUPT_MESSAGE
	f(kafka.RecordListTooLarge, true)
	f(kafka.InvalidTimestamp, true)
	f(kafka.NotEnoughReplicas, false)
	f(kafka.NotEnoughReplicasAfterAppend, false)
	f(kafka.TopicAuthorizationFailed, false)
	f(kafka.ClusterAuthorizationFailed, false)
	f(kafka.UnknownTopicOrPartition, false)
	f(kafka.NotLeaderForPartition, false)
	f(kafka.RequestTimedOut, false)
	f(io.ErrUnexpectedEOF, false)
	f(context.DeadlineExceeded, false)
	f(errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), false)
}

// TestWriterDeadLetters writes dead letters with null and empty keys and
// values, source headers (one forging "reason") and source timestamps, and
// reads them back exactly.
func TestWriterDeadLetters(t *testing.T) {
	for _, cl := range clusters {
		t.Run(cl.name, func(t *testing.T) {
			c := cl.new(t)
			topic := kafkatest.Name(t, "dlq")
			c.CreateTopic(t, topic, 2, nil)
			w := newWriter(t, c)
			at := time.UnixMilli(1767225600123)
			dls := []DeadLetter{
				{Key: []byte("k"), Value: []byte("{bad"), Reason: record.ReasonDecode, Err: errors.New("boom"), Topic: "in", Partition: 0, Offset: 5, Time: at,
					Headers: []kafka.Header{{Key: "reason", Value: []byte("all good")}, {Key: "empty", Value: []byte{}}}},
				{Key: nil, Value: nil, Reason: record.ReasonInvalidKey, Err: errors.New("empty key"), Topic: "in", Partition: 1, Offset: 6, Time: at.Add(time.Second)},
				{Key: []byte{}, Value: []byte{}, Reason: record.ReasonInvalidKey, Topic: "in", Partition: 1, Offset: 7, Time: at.Add(-time.Hour)},
				{Key: []byte("k2"), Value: []byte{}, Reason: record.ReasonDecode, Topic: "in", Partition: 0, Offset: 8, Time: at},
				{Key: []byte{}, Value: nil, Reason: record.ReasonInvalidKey, Topic: "in", Partition: 0, Offset: 9, Time: at},
			}
			var b Batch
			for i := range dls {
				b.AddDeadLetter(topic, &dls[i], DeadLetterLimits{})
			}
			write(t, w, &b)
			got := c.ReadAll(t, topic, len(dls), 30*time.Second)
			bySource := map[string]kafka.Message{}
			for _, m := range got {
				bySource[hv(m, HeaderSourcePartition)+"@"+hv(m, HeaderSourceOffset)] = m
			}
			for i, d := range dls {
				m, ok := bySource[fmt.Sprintf("%d@%d", d.Partition, d.Offset)]
				switch {
				case !ok:
					t.Errorf("dead letter %d: not written", i)
				case m.Partition != d.Partition || !exact(m.Key, d.Key) || !exact(m.Value, d.Value):
					t.Errorf("dead letter %d: partition %d key %s value %s; want %d %s %s", i, m.Partition, show(m.Key), show(m.Value), d.Partition, show(d.Key), show(d.Value))
				case !m.Time.Equal(d.Time):
					t.Errorf("dead letter %d: timestamp %v, want the source's %v", i, m.Time, d.Time)
				}
				want := DeadLetterHeaders(&d, DeadLetterLimits{})
				if len(m.Headers) != len(want) {
					t.Errorf("dead letter %d: headers %v, want %v", i, m.Headers, want)
					continue
				}
				for j, h := range want {
					if m.Headers[j].Key != h.Key || !bytes.Equal(m.Headers[j].Value, h.Value) {
						t.Errorf("dead letter %d: header %d is %s=%q, want %s=%q", i, j, m.Headers[j].Key, m.Headers[j].Value, h.Key, h.Value)
					}
				}
			}
		})
	}
}

// exact reports whether a and b are the same bytes and both null or both
// not.
func exact(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) }

func show(b []byte) string {
	if b == nil {
		return "null"
	}
	return strconv.Quote(string(b))
}

// TestWriterRefusals writes batches in which some messages are refused,
// by the broker (larger than the topic's max.message.bytes) or by kafka-go
// before sending (larger than the writer's BatchBytes): Write succeeds,
// reports exactly those, and writes every other message once, in order.
func TestWriterRefusals(t *testing.T) {
	for _, cl := range clusters {
		for _, by := range []string{"broker", "client"} {
			t.Run(cl.name+"/"+by, func(t *testing.T) {
				writerRefusals(t, cl.new(t), by == "client")
			})
		}
	}
}

func writerRefusals(t *testing.T, c *kafkatest.Cluster, client bool) {
	topic := kafkatest.Name(t, "small")
	cfg := WriterConfig{Brokers: c.Brokers}
	if client {
		c.CreateTopic(t, topic, 1, nil)
		cfg.BatchBytes = 2500
	} else {
		c.CreateTopic(t, topic, 1, map[string]string{"max.message.bytes": "2000"})
	}
	w, err := NewWriter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var b Batch
	var want []string
	bad := map[int]bool{3: true, 20: true, 21: true, 39: true}
	for i := range 40 {
		size := 100 // 40 of them exceed 2000 bytes together: batches are refused too
		if bad[i] {
			size = 3000
		} else {
			want = append(want, strconv.Itoa(i))
		}
		b.AddDeadLetter(topic, &DeadLetter{Key: []byte(strconv.Itoa(i)), Value: bytes.Repeat([]byte("x"), size),
			Reason: record.ReasonDecode, Topic: "in", Offset: int64(i)}, DeadLetterLimits{})
	}
	write(t, w, &b)
	var refused []int
	for _, r := range b.Refused() {
		if !Refused(r.Err) {
			t.Errorf("refusal of %d: %v is not a refusal", r.Index, r.Err)
		}
		refused = append(refused, r.Index)
	}
	if fmt.Sprint(refused) != "[3 20 21 39]" {
		t.Errorf("refused %v, want [3 20 21 39]", refused)
	}
	got := c.ReadAll(t, topic, len(want), 30*time.Second)
	var keys []string
	for _, m := range got {
		keys = append(keys, string(m.Key))
	}
	if strings.Join(keys, ",") != strings.Join(want, ",") {
		t.Errorf("written %v, want each good message once, in order: %v", keys, want)
	}
	if end := c.EndOffsets(t, topic)[0]; end != int64(len(want)) {
		t.Errorf("topic holds %d records, want %d", end, len(want))
	}
	b.Reset()
	if len(b.Refused()) != 0 {
		t.Errorf("Reset kept %d refusals", len(b.Refused()))
	}
}

func newWriter(t *testing.T, c *kafkatest.Cluster) *Writer {
	t.Helper()
	w, err := NewWriter(WriterConfig{Brokers: c.Brokers})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func write(t *testing.T, w *Writer, b *Batch) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := w.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
}
