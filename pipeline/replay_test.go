package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rnncast/rnncast/ingest"
	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/record"
	"github.com/rnncast/rnncast/sink"
	"github.com/rnncast/rnncast/window"
	"github.com/segmentio/kafka-go"
)

// collect is a BatchWriter that keeps every message in memory.
type collect struct {
	mu   sync.Mutex
	msgs []sink.Message
}

func (c *collect) Write(_ context.Context, b *sink.Batch) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b.Each(func(m *sink.Message) {
		c.msgs = append(c.msgs, sink.Message{Topic: m.Topic, Partition: m.Partition,
			Key: bytes.Clone(m.Key), Value: bytes.Clone(m.Value)})
	})
	return nil
}

// replayInput is the scenario's records with a filled gap (s-4 misses two
// slots), a reset gap (s-5 misses four) and every kind of bad record.
func replayInput() []inRec {
	backlog, live := scenario(6, 24)
	var out []inRec
	for _, r := range append(backlog, live...) {
		step := int(r.ts.Sub(base) / time.Minute)
		if r.sensor == "s-4" && (step == 6 || step == 7) || r.sensor == "s-5" && step >= 9 && step <= 12 {
			continue
		}
		out = append(out, r)
	}
	return out
}

// replayConfig is f's pipeline config with gap filling, so that fills,
// resets and dead letters all happen.
func replayConfig(f *fixture) Config {
	cfg := f.config()
	cfg.Window = window.Config{MaxGap: 2, Fill: window.FillLinear}
	return cfg
}

// forecastKey identifies a forecast: its sensor and ts.
func forecastKey(t *testing.T, value []byte) string {
	t.Helper()
	fc := parseForecast(t, kafka.Message{Value: value})
	return fc.Sensor + "@" + fc.TS.UTC().Format(time.RFC3339Nano)
}

// byKey indexes forecasts by (sensor, ts), failing on two different values
// for one key (a rewritten forecast must be the same bytes).
func byKey(t *testing.T, what string, values [][]byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, v := range values {
		k := forecastKey(t, v)
		if old, ok := out[k]; ok && !bytes.Equal(old, v) {
			t.Errorf("%s: two forecasts for %s: %s and %s", what, k, old, v)
		}
		out[k] = v
	}
	return out
}

// sameForecasts checks that got and want hold the same forecasts, byte for
// byte.
func sameForecasts(t *testing.T, got, want map[string][]byte) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("no forecasts to compare")
	}
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("forecast %s missing from the replay", k)
		case !bytes.Equal(g, w):
			t.Errorf("forecast %s: replay wrote %s, run wrote %s", k, g, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("replay wrote forecast %s, which the run did not", k)
		}
	}
}

// sources opens a range reader over every partition of topic within b.
func sources(t *testing.T, c *kafkatest.Cluster, topic string, parts int, b ingest.Bounds) []Source {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var srcs []Source
	for p := 0; p < parts; p++ {
		rng, err := ingest.ResolveRange(ctx, c.Brokers, nil, topic, p, b)
		if err != nil {
			t.Fatalf("ResolveRange: %v", err)
		}
		rr, err := ingest.NewRangeReader(ingest.Config{Brokers: c.Brokers, Topic: topic}, rng)
		if err != nil {
			t.Fatalf("NewRangeReader: %v", err)
		}
		t.Cleanup(func() { rr.Close() })
		srcs = append(srcs, rr)
	}
	return srcs
}

var allOffsets = ingest.Bounds{FromOffset: -1, ToOffset: -1}

// TestReplayEquivalence runs the pipeline over a topic, then replays the
// topic: every forecast the replay makes is the run's, byte for byte, none
// missing and none extra; dead letters are counted, not written.
func TestReplayEquivalence(t *testing.T) {
	for _, cl := range clusters {
		for _, mode := range []string{ModeStateful, ModeWindow} {
			t.Run(cl.name+"/"+mode, func(t *testing.T) {
				replayEquivalence(t, cl.new(t), mode)
			})
		}
	}
}

func replayEquivalence(t *testing.T, c *kafkatest.Cluster, mode string) {
	f := newFixture(t, c, 3)
	m := testModel(t, mode)
	in := replayInput()
	c.Produce(t, f.in, messages(in)...)
	cfg := replayConfig(f)
	run := start(t, cfg, m)
	c.ReadAll(t, f.out, 1, 60*time.Second) // the group exists once a forecast is written
	c.WaitCaughtUp(t, f.group, f.in, 60*time.Second)
	run.stop(t)
	var live [][]byte
	for _, msg := range c.ReadToEnd(t, f.out, 30*time.Second) {
		live = append(live, msg.Value)
	}
	dead := len(c.ReadToEnd(t, f.dlq, 30*time.Second))

	var out collect
	st, err := Replay(context.Background(), cfg, m, sources(t, c, f.in, f.parts, allOffsets), &out, ReplayOptions{})
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	var replayed [][]byte
	for _, msg := range out.msgs {
		if msg.Topic != f.out {
			t.Errorf("replay wrote to %s, want only forecasts to %s", msg.Topic, f.out)
		}
		replayed = append(replayed, msg.Value)
	}
	sameForecasts(t, byKey(t, "replay", replayed), byKey(t, "run", live))
	if st.Records != len(in) || st.Forecasts != len(replayed) {
		t.Errorf("stats: %d records, %d forecasts; want %d, %d", st.Records, st.Forecasts, len(in), len(replayed))
	}
	n := 0
	for _, k := range st.DeadLetters {
		n += k
	}
	if n != dead || n < len(badRecords(0)) {
		t.Errorf("replay counted %d dead letters (%v), the run wrote %d, want equal and at least %d", n, st.DeadLetters, dead, len(badRecords(0)))
	}
}

// TestReplayTimeRange replays a time-bounded range: the range starts at the
// first record at or after from and ends before the first at or after to,
// and the replay reads exactly the records in between.
func TestReplayTimeRange(t *testing.T) {
	for _, cl := range clusters {
		t.Run(cl.name, func(t *testing.T) { replayTimeRange(t, cl.new(t)) })
	}
}

func replayTimeRange(t *testing.T, c *kafkatest.Cluster) {
	f := newFixture(t, c, 2)
	m := testModel(t, ModeStateful)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	var msgs []kafka.Message
	const steps = 30
	for i := 0; i < steps; i++ {
		for k := 0; k < 4; k++ {
			r := good(fmt.Sprintf("s-%d", k), i, float64(20+k+i%5))
			msgs = append(msgs, kafka.Message{Key: r.key, Value: r.value, Time: t0.Add(time.Duration(i) * time.Second)})
		}
	}
	c.Produce(t, f.in, msgs...)
	from, to := t0.Add(10*time.Second), t0.Add(20*time.Second) // steps [10, 20)
	srcs := sources(t, c, f.in, f.parts, ingest.Bounds{FromOffset: -1, ToOffset: -1, FromTime: from, ToTime: to})
	for _, s := range srcs {
		rng := s.(*ingest.RangeReader).Range()
		// Each sensor has one record per step, so a partition holding k
		// sensors has offsets step·k .. step·k+k−1.
		k := int64(0)
		for i := 0; i < 4; i++ {
			if kafkatest.Partition([]byte(fmt.Sprintf("s-%d", i)), f.parts) == rng.Partition {
				k++
			}
		}
		if rng.From != 10*k || rng.To != 20*k {
			t.Errorf("partition %d: range [%d, %d), want [%d, %d)", rng.Partition, rng.From, rng.To, 10*k, 20*k)
		}
	}
	var readings sync.Map
	cfg := f.config()
	cfg.OnReading = func(sensor string, ts time.Time, _ []float64) {
		readings.Store(sensor+ts.Format(time.RFC3339), true)
	}
	var out collect
	st, err := Replay(context.Background(), cfg, m, srcs, &out, ReplayOptions{})
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	if st.Records != 40 {
		t.Errorf("replayed %d records, want 40 (4 sensors × steps 10..19)", st.Records)
	}
	n := 0
	readings.Range(func(k, _ any) bool {
		n++
		return true
	})
	if n != 40 {
		t.Errorf("%d readings applied, want 40", n)
	}
	if _, ok := readings.Load("s-1" + base.Add(10*time.Minute).Format(time.RFC3339)); !ok {
		t.Errorf("the reading of step 10 was not replayed")
	}
	// Warm-up starts again at the range's start: 4 steps → 1 forecast per
	// sensor fewer than steps... every step from the 4th on is forecast.
	if want := 4 * (10 - m.Meta.Window + 1); st.Forecasts != want || st.Warmups != 40-want {
		t.Errorf("%d forecasts and %d warm-ups, want %d and %d", st.Forecasts, st.Warmups, want, 40-want)
	}
}

// TestReplaySpeed: with Speed, event time runs at most Speed times faster
// than wall time on one clock for all partitions: at 1200×, readings a
// minute apart are 50 ms apart, also across partitions (s-0 on partition 0
// has steps 0..5, s-1 on partition 1 steps 3..5).
func TestReplaySpeed(t *testing.T) {
	c := kafkatest.Kfake(t)
	f := newFixture(t, c, 2)
	m := testModel(t, ModeStateful)
	var s0, s1 []inRec
	for i := 0; i < 6; i++ {
		s0 = append(s0, good("s-0", i, 20))
		if i >= 3 {
			s1 = append(s1, good("s-1", i, 20))
		}
	}
	c.ProduceTo(t, f.in, 0, messages(s0)...)
	c.ProduceTo(t, f.in, 1, messages(s1)...)
	var mu sync.Mutex
	applied := map[string]time.Time{}
	cfg := f.config()
	cfg.OnReading = func(sensor string, ts time.Time, _ []float64) {
		mu.Lock()
		applied[fmt.Sprintf("%s@%d", sensor, int(ts.Sub(base)/time.Minute))] = time.Now()
		mu.Unlock()
	}
	var out collect
	start := time.Now()
	if _, err := Replay(context.Background(), cfg, m, sources(t, c, f.in, 2, allOffsets), &out, ReplayOptions{Speed: 1200}); err != nil {
		t.Fatalf("Replay: %v", err)
	}
	if el := time.Since(start); el < 100*time.Millisecond {
		t.Errorf("replay took %s, want at least 100ms (the clock starts at step 3 at the latest)", el)
	}
	if len(applied) != 9 {
		t.Fatalf("%d readings applied, want 9", len(applied))
	}
	// Pacing promises when a reading is due, not the gap between two paced
	// readings (a reading the scheduler delayed can be followed by one that
	// is on time), so each reading is checked against its due time from the
	// clock's origin, the first reading applied. Every partition has
	// decoded a reading by step 3, and one event minute is 50 ms at speed
	// 1200: a reading of step k > 3 is due (k−3)·50 ms after the origin, on
	// either partition (one clock for all partitions).
	var origin time.Time
	for _, at := range applied {
		if origin.IsZero() || at.Before(origin) {
			origin = at
		}
	}
	for key, at := range applied {
		step, err := strconv.Atoi(key[strings.Index(key, "@")+1:])
		if err != nil {
			t.Fatalf("key %q: %v", key, err)
		}
		due := time.Duration(max(0, step-3)) * 50 * time.Millisecond
		if d := at.Sub(origin); d < due-5*time.Millisecond {
			t.Errorf("%s applied %s after the first reading, want at least %s (its due time)", key, d, due)
		}
	}
}

// TestReplayConfigErrors: a replay needs an input topic and a config the
// model fits.
func TestReplayConfigErrors(t *testing.T) {
	m := testModel(t, ModeStateful)
	f := func(cfg Config, m *model.Model) {
		t.Helper()
		if _, err := Replay(context.Background(), cfg, m, nil, &collect{}, ReplayOptions{}); err == nil {
			t.Errorf("Replay(%+v) succeeded, want an error", cfg)
		}
	}
	f(Config{}, m)
	f(Config{InputTopic: "in"}, nil)
	f(Config{InputTopic: "in", Decoder: record.DecoderConfig{Features: 3}}, m)
}

// TestReplayNoOutputTopic: with an empty OutputTopic a replay makes and
// counts forecasts but gives none to its writer, to no topic; with
// WriteDeadLetters the dead letters still reach their topic.
func TestReplayNoOutputTopic(t *testing.T) {
	c := kafkatest.Kfake(t)
	f := newFixture(t, c, 2)
	m := testModel(t, ModeStateful)
	c.Produce(t, f.in, messages(replayInput())...)
	cfg := replayConfig(f)
	cfg.OutputTopic = ""
	var out collect
	st, err := Replay(context.Background(), cfg, m, sources(t, c, f.in, f.parts, allOffsets), &out, ReplayOptions{WriteDeadLetters: true})
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	dead := 0
	for _, msg := range out.msgs {
		if msg.Topic != f.dlq {
			t.Errorf("replay without an output topic wrote to %q, want only dead letters to %s", msg.Topic, f.dlq)
		}
		dead++
	}
	if st.Forecasts == 0 || dead < len(badRecords(0)) {
		t.Errorf("%d forecasts made, %d dead letters written; want some forecasts and at least %d dead letters", st.Forecasts, dead, len(badRecords(0)))
	}
}
