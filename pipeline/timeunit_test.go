package pipeline

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rnncast/rnncast/record"
	"github.com/rnncast/rnncast/sink"
	"github.com/segmentio/kafka-go"
)

// TestEpochSeconds runs a sensor that sends ts in epoch seconds through a
// running pipeline. With the default time unit (ms) its readings would land
// in January 1970, and before input.min_time the first took a slot there
// and the rest of its minute were duplicates, which hid the cause: now
// every one is an invalid-time dead letter whose error names the setting.
// With time_unit s the same records are forecast.
func TestEpochSeconds(t *testing.T) {
	const n = 12
	var epoch []kafka.Message
	for i := range n {
		ts := base.Add(time.Duration(i) * time.Minute).Unix()
		epoch = append(epoch, kafka.Message{Key: []byte("s-epoch"), Value: fmt.Appendf(nil, `{"ts":%d,"value":%d}`, ts, 20+i%3)})
	}
	marker := good("s-marker", 0, 20) // RFC 3339: read alike in every unit
	for _, cl := range clusters {
		t.Run(cl.name+"/default", func(t *testing.T) {
			c := cl.new(t)
			f := newFixture(t, c, 1)
			cfg := f.config()
			cfg.Warmup = 1
			run := start(t, cfg, testModel(t, ModeStateful))
			c.Produce(t, f.in, append(epoch, messages([]inRec{marker})...)...)
			c.ReadAll(t, f.out, 1, 60*time.Second) // the marker's: every epoch record is settled
			run.stop(t)
			dead := c.ReadToEnd(t, f.dlq, 30*time.Second)
			if len(dead) != n {
				t.Fatalf("%d dead letters, want one per epoch-second reading, %d", len(dead), n)
			}
			for _, m := range dead {
				reason, text := header(m, sink.HeaderReason), header(m, sink.HeaderError)
				want := fmt.Sprintf("ts %s read as milliseconds is 1970-01-21T", ts(m.Value))
				if reason != string(record.ReasonInvalidTime) || !strings.Contains(text, want) ||
					!strings.Contains(text, "before input.min_time 2000-01-01T00:00:00Z: is ts in seconds? set input.time_unit: s") {
					t.Errorf("dead letter of %s: reason %q, error %q; want invalid-time with the unit hint", m.Value, reason, text)
				}
			}
			if out := c.ReadToEnd(t, f.out, 30*time.Second); len(out) != 1 || string(out[0].Key) != "s-marker" {
				t.Errorf("%d forecasts, want only the marker's", len(out))
			}
			if got := run.obs.dead[record.ReasonDuplicate]; got != 0 {
				t.Errorf("%d duplicate dead letters, want 0", got)
			}
		})
		t.Run(cl.name+"/seconds", func(t *testing.T) {
			c := cl.new(t)
			f := newFixture(t, c, 1)
			cfg := f.config()
			cfg.Warmup = 1
			cfg.Decoder.TimeUnit = record.UnitSeconds
			run := start(t, cfg, testModel(t, ModeStateful))
			c.Produce(t, f.in, append(epoch, messages([]inRec{marker})...)...)
			out := c.ReadAll(t, f.out, n+1, 60*time.Second)
			run.stop(t)
			next := base
			for _, m := range out {
				fc := parseForecast(t, m)
				if fc.Sensor != "s-epoch" {
					continue
				}
				if !fc.TS.Equal(next) {
					t.Errorf("forecast ts %v, want %v (readings in order, a minute apart)", fc.TS, next)
				}
				next = next.Add(time.Minute)
			}
			if got := next.Sub(base) / time.Minute; got != n {
				t.Errorf("%d forecasts of s-epoch, want %d", got, n)
			}
			if dead := c.ReadToEnd(t, f.dlq, 30*time.Second); len(dead) != 0 {
				t.Errorf("%d dead letters, want none; first: %s", len(dead), header(dead[0], sink.HeaderError))
			}
		})
	}
}

// TestRecordTimeBounds: with use_record_time, a Kafka record timestamp
// before input.min_time is an invalid-time dead letter that says it was the
// record's timestamp; a plausible one is the event time.
func TestRecordTimeBounds(t *testing.T) {
	for _, cl := range clusters {
		t.Run(cl.name, func(t *testing.T) {
			c := cl.new(t)
			f := newFixture(t, c, 1)
			cfg := f.config()
			cfg.Warmup = 1
			cfg.Decoder.UseRecordTime = true
			run := start(t, cfg, testModel(t, ModeStateful))
			old := time.Date(1999, 12, 31, 23, 0, 0, 0, time.UTC)
			c.Produce(t, f.in,
				kafka.Message{Key: []byte("s-old"), Value: []byte(`{"value":20}`), Time: old},
				kafka.Message{Key: []byte("s-new"), Value: []byte(`{"value":20}`), Time: base})
			out := c.ReadAll(t, f.out, 1, 60*time.Second)
			run.stop(t)
			if fc := parseForecast(t, out[0]); fc.Sensor != "s-new" || !fc.TS.Equal(base) {
				t.Errorf("forecast of %s at %v, want s-new at %v", fc.Sensor, fc.TS, base)
			}
			dead := c.ReadToEnd(t, f.dlq, 30*time.Second)
			if len(dead) != 1 {
				t.Fatalf("%d dead letters, want 1", len(dead))
			}
			want := "the Kafka record timestamp 1999-12-31T23:00:00Z, the event time of a value without ts (input.use_record_time), is before input.min_time 2000-01-01T00:00:00Z"
			if reason, text := header(dead[0], sink.HeaderReason), header(dead[0], sink.HeaderError); reason != string(record.ReasonInvalidTime) || !strings.Contains(text, want) {
				t.Errorf("dead letter of %s: reason %q, error %q; want invalid-time containing %q", dead[0].Key, reason, text, want)
			}
		})
	}
}

// ts returns the ts field of a reading the test wrote.
func ts(value []byte) string {
	_, rest, _ := strings.Cut(string(value), `"ts":`)
	v, _, _ := strings.Cut(rest, ",")
	return v
}
