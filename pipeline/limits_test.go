package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/record"
	"github.com/rnncast/rnncast/sink"
	"github.com/segmentio/kafka-go"
)

// brokerLimit is the broker's default message.max.bytes (Kafka's, kfake's;
// scripts/kafka/server.properties.in keeps it): the largest record batch a
// topic created with broker defaults accepts.
const brokerLimit = 1048588

// varintLen is the length of n as a Kafka (zigzag) varint.
func varintLen(n int) int {
	u, l := uint64(n)<<1, 1
	for u >= 0x80 {
		u >>= 7
		l++
	}
	return l
}

// valueForBatch returns a value that makes a record of key, alone in its
// batch and without headers, exactly batch bytes in Kafka's record format
// v2: the 61-byte batch header, then the record's varint length,
// attributes, timestamp and offset deltas (one byte each at 0), the key and
// value with their varint lengths, and the header count (one byte).
func valueForBatch(key string, batch int) []byte {
	for n := batch - 61; n > 0; n-- {
		body := 3 + varintLen(len(key)) + len(key) + varintLen(n) + n + 1
		if 61+varintLen(body)+body == batch {
			return bigValue(n)
		}
	}
	panic("no value fits")
}

// bigValue is n bytes of a reading padded far beyond max_value_bytes.
func bigValue(n int) []byte {
	v := []byte(`{"ts":"2026-01-01T00:00:00Z","value":1,"pad":"`)
	v = append(v, bytes.Repeat([]byte("x"), n-len(v)-2)...)
	return append(v, `"}`...)
}

// TestRecordLimits produces readings of exactly the broker's limit and one
// byte under it (input topic with broker defaults), and of 2 MB (an input
// topic that allows 4 MiB), each surrounded by good readings of other
// sensors on the same partition: every good reading is forecast once, each
// big one gets one truncated dead letter that fits the dead-letter topic's
// default limit, the generation never ends (no rebalance) and nothing is
// written twice.
func TestRecordLimits(t *testing.T) {
	cases := []struct {
		name    string
		configs map[string]string
		values  func(key string) []byte
		keys    []string
	}{
		{"broker-limit", nil, func(key string) []byte {
			if key == "big-at" {
				return valueForBatch(key, brokerLimit)
			}
			return valueForBatch(key, brokerLimit-1)
		}, []string{"big-at", "big-under"}},
		{"2MB", map[string]string{"max.message.bytes": "4194304"}, func(string) []byte { return bigValue(2_000_000) },
			[]string{"big-2mb"}},
	}
	for _, cl := range clusters {
		for _, tc := range cases {
			t.Run(cl.name+"/"+tc.name, func(t *testing.T) {
				c := cl.new(t)
				f := &fixture{c: c, in: kafkatest.Name(t, "in"), out: kafkatest.Name(t, "out"),
					dlq: kafkatest.Name(t, "dlq"), group: kafkatest.Name(t, "group"), parts: 1}
				c.CreateTopic(t, f.in, 1, tc.configs)
				c.CreateTopic(t, f.out, 1, nil)
				c.CreateTopic(t, f.dlq, 1, nil)
				if tc.configs == nil {
					checkOverLimit(t, c, tc.values(tc.keys[0]))
				}
				recordLimits(t, c, f, tc.keys, tc.values)
			})
		}
	}
}

// checkOverLimit proves that at is at the broker's limit: one byte more is
// refused by a topic with broker defaults.
func checkOverLimit(t *testing.T, c *kafkatest.Cluster, at []byte) {
	t.Helper()
	topic := kafkatest.Name(t, "limit")
	c.CreateTopic(t, topic, 1, nil)
	over := append(append([]byte{}, at[:len(at)-2]...), 'x', '"', '}')
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	w := &kafka.Writer{Addr: c.Addr(), Topic: topic, Transport: tr, RequiredAcks: kafka.RequireAll,
		BatchSize: 1, BatchBytes: 4 << 20, MaxAttempts: 1}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := w.WriteMessages(ctx, kafka.Message{Key: []byte("big-at"), Value: over})
	var werr kafka.WriteErrors
	if errors.As(err, &werr) && len(werr) == 1 {
		err = werr[0]
	}
	if !errors.Is(err, kafka.MessageSizeTooLarge) {
		t.Fatalf("a record one byte over the limit: %v, want MESSAGE_TOO_LARGE (the test's record sizes are off)", err)
	}
}

func recordLimits(t *testing.T, c *kafkatest.Cluster, f *fixture, bigKeys []string, value func(string) []byte) {
	m := testModel(t, ModeStateful)
	cfg := f.config()
	cfg.Warmup = 1 // every good reading is forecast
	run := start(t, cfg, m)
	var all []inRec
	step := 0
	goods := func() {
		var rs []inRec
		for k := range 3 {
			rs = append(rs, good(fmt.Sprintf("s-%d", k), step, 20+float64(k+step)))
		}
		step++
		c.ProduceTo(t, f.in, 0, messages(rs)...)
		all = append(all, rs...)
	}
	goods()
	for _, key := range bigKeys {
		b := inRec{key: []byte(key), value: value(key), reason: record.ReasonTooLarge}
		c.ProduceTo(t, f.in, 0, messages([]inRec{b})...) // alone in its batch
		all = append(all, b)
		goods()
	}
	nGood := len(all) - len(bigKeys)
	c.ReadAll(t, f.out, nGood, 60*time.Second)
	c.ReadAll(t, f.dlq, len(bigKeys), 60*time.Second)
	waitFor(t, "every input to be committed", func() bool { return committedAll(t, f) })
	run.stop(t)

	in := locate(t, c.ReadAll(t, f.in, len(all), 30*time.Second), all)
	w := expect(m, ModeStateful, 1, in)
	checkForecasts(t, f, c.ReadAll(t, f.out, nGood, 30*time.Second), w)
	if end := c.EndOffsets(t, f.out)[0]; end != int64(nGood) {
		t.Errorf("output topic holds %d forecasts, want %d: nothing written twice", end, nGood)
	}
	if end := c.EndOffsets(t, f.dlq)[0]; end != int64(len(bigKeys)) {
		t.Errorf("dead-letter topic holds %d records, want %d: one per big record, nothing written twice", end, len(bigKeys))
	}
	times := inputTimes(t, c, f.in, len(all))
	for _, d := range c.ReadAll(t, f.dlq, len(bigKeys), 30*time.Second) {
		at := po{int(headerInt(t, d, "source-partition")), headerInt(t, d, "source-offset")}
		var orig []byte
		for _, r := range in {
			if r.at == at {
				orig = r.value
			}
		}
		switch {
		case w.dead[at] != record.ReasonTooLarge || header(d, "reason") != "too-large":
			t.Errorf("dead letter %v: reason %q, want too-large of a big record", at, header(d, "reason"))
		case header(d, "truncated") != "value" || header(d, "original-value-size") != strconv.Itoa(len(orig)):
			t.Errorf("dead letter %v: truncated %q original-value-size %q, want value and %d", at, header(d, "truncated"), header(d, "original-value-size"), len(orig))
		case !bytes.Equal(d.Value, orig[:sink.DefaultDeadLetterValuePrefix]):
			t.Errorf("dead letter %v: value of %d bytes, want the first %d bytes of the reading", at, len(d.Value), sink.DefaultDeadLetterValuePrefix)
		case !d.Time.Equal(times[at]):
			t.Errorf("dead letter %v: timestamp %v, want the reading's %v", at, d.Time, times[at])
		}
	}
	if got := run.obs.get(&run.obs.rebalance); got != 1 {
		t.Errorf("%d generations, want 1: a big record must not end the generation", got)
	}
	if got := run.obs.dead[record.ReasonTooLarge]; got != len(bigKeys) {
		t.Errorf("observed %d too-large dead letters, want %d", got, len(bigKeys))
	}
	checkCommitted(t, f)
}

// inputTimes returns the Kafka timestamps of topic's records.
func inputTimes(t *testing.T, c *kafkatest.Cluster, topic string, n int) map[po]time.Time {
	t.Helper()
	times := map[po]time.Time{}
	for _, m := range c.ReadAll(t, topic, n, 30*time.Second) {
		times[po{m.Partition, m.Offset}] = m.Time
	}
	return times
}

// TestRefusedWrites makes the broker refuse single records: the forecasts
// of a sensor with a long id (larger than the output topic's
// max.message.bytes), a dead letter larger than the dead-letter topic's,
// and a dead letter whose replacement is refused too (a 1900-byte key).
// The other records are written once each, each refused forecast and
// dead letter is replaced by a dead letter of its own reason, the doubly
// refused record is skipped, the generation never ends, and every input
// offset is accounted for.
func TestRefusedWrites(t *testing.T) {
	for _, cl := range clusters {
		t.Run(cl.name, func(t *testing.T) {
			c := cl.new(t)
			f := &fixture{c: c, in: kafkatest.Name(t, "in"), out: kafkatest.Name(t, "out"),
				dlq: kafkatest.Name(t, "dlq"), group: kafkatest.Name(t, "group"), parts: 1}
			c.CreateTopic(t, f.in, 1, nil)
			c.CreateTopic(t, f.out, 1, map[string]string{"max.message.bytes": "600"})
			c.CreateTopic(t, f.dlq, 1, map[string]string{"max.message.bytes": "2000"})
			refusedWrites(t, c, f)
		})
	}
}

func refusedWrites(t *testing.T, c *kafkatest.Cluster, f *fixture) {
	m := testModel(t, ModeStateful)
	cfg := f.config()
	cfg.Warmup = 1
	cfg.Decoder.MaxValueBytes = 4096
	run := start(t, cfg, m)
	long := strings.Repeat("L", 200)
	var all []inRec
	for step := range 4 {
		for _, s := range []string{"s-0", long, "s-1"} {
			all = append(all, good(s, step, 20+float64(step)))
		}
		if step == 1 {
			all = append(all,
				bad("s-0", `{"ts":"2026-01-01T00:05:00Z","value":"`+strings.Repeat("v", 1860)+`"}`, record.ReasonInvalidValue),
				bad(strings.Repeat("k", 1900), `{"ts":"2026-01-01T00:05:00Z","value":1}`, record.ReasonInvalidKey))
		}
	}
	c.ProduceTo(t, f.in, 0, messages(all)...)
	c.ReadAll(t, f.out, 8, 60*time.Second)
	c.ReadAll(t, f.dlq, 5, 60*time.Second)
	waitFor(t, "every input to be committed", func() bool { return committedAll(t, f) })
	run.stop(t)

	in := locate(t, c.ReadAll(t, f.in, len(all), 30*time.Second), all)
	out := c.ReadAll(t, f.out, 8, 30*time.Second)
	seen := map[int64]bool{}
	for _, o := range out {
		fc := parseForecast(t, o)
		if fc.Sensor == long || seen[fc.Input.Offset] {
			t.Errorf("forecast of %s for input %d: written despite its refusal, or twice", fc.Sensor, fc.Input.Offset)
		}
		seen[fc.Input.Offset] = true
	}
	if end := c.EndOffsets(t, f.out)[0]; end != 8 {
		t.Errorf("output topic holds %d forecasts, want the 8 of s-0 and s-1", end)
	}
	dead := c.ReadAll(t, f.dlq, 5, 30*time.Second)
	if end := c.EndOffsets(t, f.dlq)[0]; end != 5 {
		t.Errorf("dead-letter topic holds %d records, want 5", end)
	}
	byOffset := map[int64]located{}
	for _, r := range in {
		byOffset[r.at.o] = r
	}
	for _, d := range dead {
		r := byOffset[headerInt(t, d, "source-offset")]
		switch reason := header(d, "reason"); {
		case r.sensor == long:
			if reason != "forecast-refused" || string(d.Key) != long || parseForecast(t, d).Input.Offset != r.at.o {
				t.Errorf("dead letter of %v: reason %q key %.10q..., want forecast-refused holding its forecast", r.at, reason, d.Key)
			}
		case r.reason == record.ReasonInvalidValue:
			if reason != "dead-letter-refused" || header(d, "truncated") != "value" || !bytes.Equal(d.Value, r.value[:1024]) ||
				header(d, "original-value-size") != strconv.Itoa(len(r.value)) || !strings.Contains(header(d, "error"), "invalid-value") {
				t.Errorf("dead letter of %v: reason %q truncated %q error %q, want dead-letter-refused with the value's prefix",
					r.at, reason, header(d, "truncated"), header(d, "error"))
			}
		default:
			t.Errorf("dead letter of %v (%s, %q): want none", r.at, reason, r.key)
		}
	}
	o := run.obs
	if o.refused[RefusedForecast] != 4 || o.refused[RefusedDeadLetter] != 3 || o.get(&o.skipped) != 1 {
		t.Errorf("refused %v, skipped %d; want 4 forecasts and 3 dead letters refused, 1 skipped", o.refused, o.get(&o.skipped))
	}
	if o.dead[record.ReasonForecastRefused] != 4 || o.dead[record.ReasonDeadLetterRefused] != 1 ||
		o.dead[record.ReasonInvalidValue] != 0 || o.dead[record.ReasonInvalidKey] != 0 {
		t.Errorf("dead letters by reason %v, want 4 forecast-refused and 1 dead-letter-refused", o.dead)
	}
	dl := 0
	for _, n := range o.dead {
		dl += n
	}
	if got, want := o.get(&o.in), o.get(&o.out)+o.get(&o.warmups)+dl+o.get(&o.skipped); got != len(all) || got != want {
		t.Errorf("records in %d, forecasts + warm-ups + dead letters + skipped %d; want both %d", got, want, len(all))
	}
	if got := o.get(&o.rebalance); got != 1 {
		t.Errorf("%d generations, want 1: a refused record must not end the generation", got)
	}
	checkCommitted(t, f)
}

// TestClusterFailureBacksOff makes every write to the output topic fail
// with a broker-wide error (TOPIC_AUTHORIZATION_FAILED): each failed
// generation pauses 100ms, 200ms, 400ms, ... before it ends (counted with a
// hook and a frozen clock, not timed), and after the pipeline recovered
// and made progress, the next failure pauses 100ms again.
func TestClusterFailureBacksOff(t *testing.T) {
	c := kafkatest.Kfake(t)
	f := newFixture(t, c, 1)
	var fail atomic.Bool
	failProduceWith(c, f.out, &fail, 29) // TOPIC_AUTHORIZATION_FAILED
	frozen := time.Unix(1e9, 0)
	var mu sync.Mutex
	var pauses []time.Duration
	got := func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Duration{}, pauses...)
	}
	m := testModel(t, ModeStateful)
	run := startWith(t, f.config(), m, func(p *Pipeline) {
		p.retry.now = func() time.Time { return frozen }
		p.sleepUntil = func(ctx context.Context, until time.Time) {
			mu.Lock()
			pauses = append(pauses, until.Sub(frozen))
			mu.Unlock()
			sleepUntil(ctx, time.Now().Add(10*time.Millisecond)) // no spin on a shared machine
		}
	})
	first, second := scenario(2, 12)
	fail.Store(true)
	c.Produce(t, f.in, messages(first)...)
	waitFor(t, "seven failed generations", func() bool { return len(got()) >= 7 })
	want := []time.Duration{100, 200, 400, 800, 1600, 3200, 6400}
	for i, d := range got()[:7] {
		if d != want[i]*time.Millisecond {
			t.Fatalf("pauses %v, want %v ms", got(), want)
		}
	}
	fail.Store(false)
	waitFor(t, "every input to be committed after the failure", func() bool { return committedAll(t, f) })
	n := len(got())
	fail.Store(true)
	c.Produce(t, f.in, messages(second)...)
	waitFor(t, "a failure after the recovery", func() bool { return len(got()) > n })
	if d := got()[n]; d != 100*time.Millisecond {
		t.Errorf("first pause after progress %v, want 100ms", d)
	}
	fail.Store(false)
	waitFor(t, "every input to be committed", func() bool { return committedAll(t, f) })
	run.stop(t)
}

// TestDeadLetterContents runs records with null and empty keys and values,
// source headers (one forging "reason") and old timestamps through a
// pipeline: each dead letter keeps the key and value bytes exactly (null
// stays null, empty stays empty), the source timestamp, and the source
// headers under "original.", with rnncast's own reason.
func TestDeadLetterContents(t *testing.T) {
	for _, cl := range clusters {
		t.Run(cl.name, func(t *testing.T) {
			c := cl.new(t)
			f := newFixture(t, c, 1)
			run := start(t, f.config(), testModel(t, ModeStateful))
			at := time.Date(2025, 6, 1, 12, 0, 0, 123e6, time.UTC)
			forged := []kafka.Header{{Key: "reason", Value: []byte("all good")}, {Key: "trace", Value: []byte{}}}
			valid := []byte(`{"ts":"2026-01-01T00:00:00Z","value":1}`)
			in := []kafka.Message{
				{Key: nil, Value: valid, Time: at},
				{Key: []byte{}, Value: valid, Time: at.Add(time.Second), Headers: forged},
				{Key: []byte("s-0"), Value: nil, Time: at.Add(2 * time.Second)},
				{Key: []byte("s-0"), Value: []byte{}, Time: at.Add(3 * time.Second), Headers: forged},
				{Key: []byte{}, Value: []byte{}, Time: at.Add(4 * time.Second)},
				{Key: []byte("s-1"), Value: []byte("{bad"), Time: at.Add(5 * time.Second), Headers: forged},
			}
			c.ProduceTo(t, f.in, 0, in...)
			dead := c.ReadAll(t, f.dlq, len(in), 60*time.Second)
			waitFor(t, "every input to be committed", func() bool { return committedAll(t, f) })
			run.stop(t)
			dec, err := record.NewDecoder(run.p.Config().Decoder)
			if err != nil {
				t.Fatal(err)
			}
			if len(dead) != len(in) {
				t.Fatalf("%d dead letters, want %d", len(dead), len(in))
			}
			for _, d := range dead {
				o := headerInt(t, d, "source-offset")
				src := in[o]
				var r record.Reading
				reason, _ := record.ReasonOf(dec.Decode(src.Key, src.Value, src.Time, &r))
				switch {
				case !same(d.Key, src.Key) || !same(d.Value, src.Value):
					t.Errorf("dead letter of %d: key %s value %s, want %s %s", o, show(d.Key), show(d.Value), show(src.Key), show(src.Value))
				case !d.Time.Equal(src.Time) || header(d, "source-timestamp") != strconv.FormatInt(src.Time.UnixMilli(), 10):
					t.Errorf("dead letter of %d: timestamp %v (header %s), want the source's %v", o, d.Time, header(d, "source-timestamp"), src.Time)
				case header(d, "reason") != string(reason):
					t.Errorf("dead letter of %d: reason %q, want %q", o, header(d, "reason"), reason)
				}
				var orig []kafka.Header
				for _, h := range d.Headers {
					if name, ok := strings.CutPrefix(h.Key, sink.OriginalHeaderPrefix); ok {
						orig = append(orig, kafka.Header{Key: name, Value: h.Value})
					}
				}
				if fmt.Sprint(orig) != fmt.Sprint(src.Headers) {
					t.Errorf("dead letter of %d: original headers %v, want %v", o, orig, src.Headers)
				}
			}
		})
	}
}

func same(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) }

func show(b []byte) string {
	if b == nil {
		return "null"
	}
	return strconv.Quote(string(b))
}
