package pipeline

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/record"
	"github.com/segmentio/kafka-go"
)

// base is the event time of every sensor's first reading.
var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// inRec is one input record a test produces and what should become of it.
type inRec struct {
	key, value []byte
	reason     record.Reason // "" for a good reading
	sensor     string
	ts         time.Time
	v          float64
}

func good(sensor string, step int, v float64) inRec {
	ts := base.Add(time.Duration(step) * time.Minute)
	val := fmt.Sprintf(`{"ts":%q,"value":%s}`, ts.Format(time.RFC3339), strconv.FormatFloat(v, 'g', -1, 64))
	return inRec{key: []byte(sensor), value: []byte(val), sensor: sensor, ts: ts, v: v}
}

func bad(key, value string, reason record.Reason) inRec {
	return inRec{key: []byte(key), value: []byte(value), reason: reason}
}

// badRecords is one record of every reason record and window reject, for
// sensors s-0..s-3 of a scenario whose readings up to step applied have
// been consumed.
func badRecords(applied int) []inRec {
	dupTS := base.Add(time.Duration(applied) * time.Minute).Format(time.RFC3339)
	return []inRec{
		bad("s-1", `{"ts":"2026-01-01T00:00:00Z","value":1`, record.ReasonDecode),
		bad("", `{"ts":"2026-01-01T00:00:00Z","value":1}`, record.ReasonInvalidKey),
		bad("s-2", `{"ts":"2026-01-01T00:00:00Z","value":"high"}`, record.ReasonInvalidValue),
		bad("s-2", `{"ts":"yesterday","value":1}`, record.ReasonInvalidTime),
		bad("s-3", `{"ts":"2026-01-01T00:00:00Z","value":1,"pad":"`+strings.Repeat("x", 300)+`"}`, record.ReasonTooLarge),
		bad("s-2", `{"ts":"2025-12-31T23:00:00Z","value":1}`, record.ReasonLate),
		bad("s-0", `{"ts":"`+dupTS+`","value":-1}`, record.ReasonDuplicate),
	}
}

// scenario returns the records of sensors s-0.. over steps steps: the
// first half as a backlog, the second half (with every kind of bad record
// after the first step of it) to produce while the pipeline runs.
func scenario(sensors, steps int) (backlog, live []inRec) {
	half := steps / 2
	for i := 0; i < steps; i++ {
		for k := 0; k < sensors; k++ {
			s := fmt.Sprintf("s-%d", k)
			r := good(s, i, series(uint64(k), steps)[i])
			if i < half {
				backlog = append(backlog, r)
			} else {
				live = append(live, r)
			}
		}
		if i == half {
			live = append(live, badRecords(half)...)
		}
	}
	backlog = append(backlog[:1], append([]inRec{bad("s-0", "not json", record.ReasonDecode)}, backlog[1:]...)...)
	return backlog, live
}

func messages(rs []inRec) []kafka.Message {
	ms := make([]kafka.Message, len(rs))
	for i, r := range rs {
		ms[i] = kafka.Message{Key: r.key, Value: r.value}
	}
	return ms
}

// located is an input record with where it landed.
type located struct {
	inRec
	at po
}

// locate matches the input topic's messages with the records produced.
func locate(t *testing.T, in []kafka.Message, rs []inRec) []located {
	t.Helper()
	by := map[string]inRec{}
	for _, r := range rs {
		by[string(r.key)+"\x00"+string(r.value)] = r
	}
	out := make([]located, 0, len(in))
	for _, m := range in {
		r, ok := by[string(m.Key)+"\x00"+string(m.Value)]
		if !ok {
			t.Fatalf("input %d@%d was not produced by the test: %q", m.Partition, m.Offset, m.Value)
		}
		out = append(out, located{inRec: r, at: po{m.Partition, m.Offset}})
	}
	return out
}

// want is what a pipeline should make of the located inputs.
type want struct {
	forecasts map[po]wantForecast // by input position
	warmups   map[po]bool
	dead      map[po]record.Reason
	scored    int
}

type wantForecast struct {
	sensor string
	ts     time.Time
	values []float32
}

// expect computes, straight from model.Runner, the forecasts of every
// sensor's good readings in offset order, the warm-up steps, the dead
// letters, and how many live scores the forecasts get.
func expect(m *model.Model, mode string, warmup int, in []located) want {
	w := want{forecasts: map[po]wantForecast{}, warmups: map[po]bool{}, dead: map[po]record.Reason{}}
	bySensor := map[string][]located{}
	var order []string
	for _, r := range in {
		if r.reason != "" {
			w.dead[r.at] = r.reason
			continue
		}
		if _, ok := bySensor[r.sensor]; !ok {
			order = append(order, r.sensor)
		}
		bySensor[r.sensor] = append(bySensor[r.sensor], r)
	}
	for _, s := range order {
		expectSensor(m, mode, warmup, bySensor[s], &w)
	}
	return w
}

func expectSensor(m *model.Model, mode string, warmup int, rs []located, w *want) {
	run := m.NewRunner(1)
	h, win := m.Meta.Horizon, m.Meta.Window
	state := [][]float32{make([]float32, m.StateLen())}
	var vals []float32
	emitted := map[int]bool{}
	for i, r := range rs {
		vals = append(vals, float32(r.v))
		out := make([]float32, h)
		ready := false
		if mode == ModeWindow {
			if ready = len(vals) >= win; ready {
				run.Window(vals[len(vals)-win:], 1, out)
			}
		} else {
			run.Step(state, vals[len(vals)-1:], out)
			ready = i+1 >= warmup
		}
		for k := 1; k <= h; k++ {
			if emitted[i-k] {
				w.scored++
			}
		}
		if !ready {
			w.warmups[r.at] = true
			continue
		}
		emitted[i] = true
		w.forecasts[r.at] = wantForecast{sensor: r.sensor, ts: r.ts, values: out}
	}
}

// checkForecasts compares the output topic with want.
func checkForecasts(t *testing.T, f *fixture, out []kafka.Message, w want) {
	t.Helper()
	seen := map[po]bool{}
	for _, msg := range out {
		fc := parseForecast(t, msg)
		at := po{fc.Input.Partition, fc.Input.Offset}
		exp, ok := w.forecasts[at]
		if !ok {
			t.Errorf("forecast for input %v, which should have none", at)
			continue
		}
		if seen[at] {
			t.Errorf("two forecasts for input %v", at)
		}
		seen[at] = true
		checkForecast(t, f, msg, fc, exp)
	}
	if len(seen) != len(w.forecasts) {
		t.Errorf("got %d forecasts, want %d", len(seen), len(w.forecasts))
	}
}

func checkForecast(t *testing.T, f *fixture, msg kafka.Message, fc forecastJSON, exp wantForecast) {
	t.Helper()
	id := fmt.Sprintf("forecast of %s at %v", exp.sensor, exp.ts)
	if string(msg.Key) != exp.sensor || fc.Sensor != exp.sensor || !fc.TS.Equal(exp.ts) {
		t.Errorf("%s: got key %q sensor %q ts %v", id, msg.Key, fc.Sensor, fc.TS)
	}
	if msg.Partition != fc.Input.Partition || fc.Input.Topic != f.in {
		t.Errorf("%s: written to partition %d, input %s/%d", id, msg.Partition, fc.Input.Topic, fc.Input.Partition)
	}
	if header(msg, "model-version") != "v1" || header(msg, "input-offset") != strconv.FormatInt(fc.Input.Offset, 10) {
		t.Errorf("%s: headers %v", id, msg.Headers)
	}
	if fc.Horizon != len(exp.values) || len(fc.Forecast) != len(exp.values) || fc.Interval != "1m" {
		t.Fatalf("%s: horizon %d interval %q values %v, want %v", id, fc.Horizon, fc.Interval, fc.Forecast, exp.values)
	}
	for i, v := range fc.Forecast {
		// Bit for bit: a key's forecast must not depend on the micro-batch
		// it was served in, and the JSON carries float32's shortest form,
		// which parses back to the same float32.
		if e := exp.values[i]; math.Float32bits(float32(v)) != math.Float32bits(e) {
			t.Errorf("%s: step %d = %v, want %v (model.Runner)", id, i+1, v, e)
		}
	}
}

// checkDead compares the dead-letter topic with want and the inputs.
func checkDead(t *testing.T, f *fixture, dead []kafka.Message, in []located, w want) {
	t.Helper()
	orig := map[po]located{}
	for _, r := range in {
		orig[r.at] = r
	}
	seen := map[po]bool{}
	for _, msg := range dead {
		at := po{int(headerInt(t, msg, "source-partition")), headerInt(t, msg, "source-offset")}
		r, ok := orig[at]
		reason := record.Reason(header(msg, "reason"))
		switch {
		case !ok || w.dead[at] == "":
			t.Errorf("dead letter for %v (%s), a good record", at, reason)
		case reason != r.reason:
			t.Errorf("dead letter %v: reason %q, want %q (error %q)", at, reason, r.reason, header(msg, "error"))
		case !bytes.Equal(msg.Key, r.key) || !bytes.Equal(msg.Value, r.value):
			t.Errorf("dead letter %v: key/value %q/%q, want the original %q/%q", at, msg.Key, msg.Value, r.key, r.value)
		case header(msg, "source-topic") != f.in || header(msg, "error") == "" || msg.Partition != at.p:
			t.Errorf("dead letter %v: headers %v in partition %d", at, msg.Headers, msg.Partition)
		}
		seen[at] = true
	}
	if len(seen) != len(w.dead) {
		t.Errorf("got %d dead letters, want %d", len(seen), len(w.dead))
	}
}

// checkAccounting checks that every input offset is exactly one of: the
// input of a forecast, a warm-up step, a dead letter.
func checkAccounting(t *testing.T, in []located, w want) {
	t.Helper()
	for _, r := range in {
		n := 0
		for _, hit := range []bool{w.warmups[r.at], w.dead[r.at] != "", w.forecasts[r.at].sensor != ""} {
			if hit {
				n++
			}
		}
		if n != 1 {
			t.Errorf("input %v is accounted for %d times, want once", r.at, n)
		}
	}
	if got := len(w.warmups) + len(w.dead) + len(w.forecasts); got != len(in) {
		t.Errorf("accounted for %d inputs, want %d", got, len(in))
	}
}
