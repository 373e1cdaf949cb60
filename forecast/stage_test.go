package forecast

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/rnncast/rnncast/internal/modeltest"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/record"
	"github.com/rnncast/rnncast/window"
)

// base is the first reading's time.
var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// testModel is pipeline's test model: a seeded GRU, window 4, horizon 3.
func testModel(t testing.TB, mode string) *model.Model {
	t.Helper()
	m, err := modeltest.GRU{Name: "test-gru", Version: "v1", Hidden: 8, Layers: 1, Window: 4, Horizon: 3,
		Interval: time.Minute, Mean: 20, Std: 5, Mode: mode, Seed1: 7, Seed2: 11, Scale: 0.8}.Build()
	if err != nil {
		t.Fatalf("cannot build test model: %v", err)
	}
	return m
}

// nopObserver discards the stage's measurements.
type nopObserver struct{}

func (nopObserver) Keys(int)                {}
func (nopObserver) StateBytes(int)          {}
func (nopObserver) ModelStep(time.Duration) {}
func (nopObserver) LiveErrors(*LiveScores)  {}

// frozen is a clock that does not move.
func frozen() time.Time { return base }

// stageForecast is one forecast the stage emitted.
type stageForecast struct {
	key    string
	ts     time.Time
	offset int64
	values []float32
}

// recEmitter records the stage's forecasts and warm-ups.
type recEmitter struct {
	fcs     []stageForecast
	warmups []int64
}

func (*recEmitter) Reading(string, time.Time, []float32) {}
func (e *recEmitter) Forecast(key string, ts time.Time, offset int64, values []float32) {
	e.fcs = append(e.fcs, stageForecast{key, ts, offset, slices.Clone(values)})
}
func (e *recEmitter) Warmup(offset int64) { e.warmups = append(e.warmups, offset) }

// TestStageForecasts runs the forecast stage alone, no broker: readings
// of five keys (one with a gap that resets it) through the window's one
// key table and the stage, in micro-batches of varying size, and checks
// every forecast bit for bit against model.Runner stepping each key alone
// from a zero state, and the warm-ups.
func TestStageForecasts(t *testing.T) {
	m := testModel(t, "stateful")
	cfg := Config{MaxBatch: 8, Warmup: 3, Now: frozen,
		Window: window.Config{Interval: time.Minute, Window: m.Meta.Window, Features: 1, MaxBatch: 8}}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	win, err := window.New[Key](cfg.Window, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		win.Release()
		mem.AssertSize(t, 0)
	}()
	s := New(cfg, m, nopObserver{}, win)
	type in struct {
		key  string
		step int
		v    float64
	}
	var ins []in
	for step := range 12 {
		for k := range 5 {
			if k == 2 && step == 6 {
				continue // s-2 resets at step 7
			}
			ins = append(ins, in{fmt.Sprintf("s-%d", k), step, 20 + float64((k*7+step*3)%11)/2})
		}
	}
	e := &recEmitter{}
	r := record.Reading{Values: []float64{0}}
	for lo, n := 0, 1; lo < len(ins); lo, n = lo+n, n%7+1 {
		for i := lo; i < min(len(ins), lo+n); i++ {
			r.Key, r.Time, r.Values[0], r.Offset = ins[i].key, base.Add(time.Duration(ins[i].step)*time.Minute), ins[i].v, int64(i)
			k, err := win.Put(&r)
			if err != nil {
				t.Fatalf("Put(%+v): %v", ins[i], err)
			}
			s.Touch(k).Added = r.Offset
		}
		for {
			b, err := win.Flush()
			if err != nil {
				t.Fatal(err)
			}
			if b == nil {
				break
			}
			if err := s.Apply(b, e); err != nil {
				t.Fatal(err)
			}
			b.Release()
		}
	}
	// The reference: each key alone, a zero state at its first reading
	// and after its gap, a forecast from its Warmup-th step on.
	run := m.NewRunner(1)
	hidden := map[string][]float32{}
	steps, last := map[string]int{}, map[string]int{}
	var want []stageForecast
	var warmups []int64
	out := make([]float32, m.Meta.Horizon)
	for i, x := range ins {
		h, ok := hidden[x.key]
		if !ok || x.step != last[x.key]+1 {
			h, steps[x.key] = make([]float32, m.StateLen()), 0
			hidden[x.key] = h
		}
		last[x.key] = x.step
		run.Step([][]float32{h}, []float32{float32(x.v)}, out)
		if steps[x.key]++; steps[x.key] < cfg.Warmup {
			warmups = append(warmups, int64(i))
			continue
		}
		want = append(want, stageForecast{x.key, base.Add(time.Duration(x.step) * time.Minute), int64(i), slices.Clone(out)})
	}
	byOffset := func(a, b stageForecast) int { return int(a.offset - b.offset) }
	slices.SortFunc(e.fcs, byOffset)
	slices.Sort(e.warmups)
	if len(e.fcs) != len(want) || !slices.Equal(e.warmups, warmups) {
		t.Fatalf("%d forecasts, warm-ups %v; want %d, %v", len(e.fcs), e.warmups, len(want), warmups)
	}
	for i, g := range e.fcs {
		w := want[i]
		if g.key != w.key || !g.ts.Equal(w.ts) || g.offset != w.offset || !slices.Equal(g.values, w.values) {
			t.Errorf("forecast %d: %+v, want %+v", i, g, w)
		}
	}
	if s.Held() != 5 || win.Len() != 5 {
		t.Errorf("stage holds %d keys, window %d; want 5 and 5", s.Held(), win.Len())
	}
}

// stepObserver records the model-step durations the stage reports.
type stepObserver struct {
	nopObserver
	steps []time.Duration
}

func (o *stepObserver) ModelStep(d time.Duration) { o.steps = append(o.steps, d) }

// oneStep runs one reading of a new key through a stage of m with clock now
// (nil: none) and returns what it emitted.
func oneStep(t *testing.T, m *model.Model, now func() time.Time, obs Observer) *recEmitter {
	t.Helper()
	cfg := Config{MaxBatch: 8, Warmup: 1, Now: now,
		Window: window.Config{Interval: time.Minute, Window: m.Meta.Window, Features: 1, MaxBatch: 8}}
	win, err := window.New[Key](cfg.Window, memory.NewGoAllocator())
	if err != nil {
		t.Fatal(err)
	}
	defer win.Release()
	s := New(cfg, m, obs, win)
	r := record.Reading{Key: "s-0", Time: base, Values: []float64{20}}
	if err := win.Add(&r); err != nil {
		t.Fatal(err)
	}
	b, err := win.Flush()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	e := &recEmitter{}
	if err := s.Apply(b, e); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestStageClock: the stage times its model steps on Config.Now (set from
// pipeline.Config.Now), not on the wall clock.
func TestStageClock(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	calls := 0
	obs := &stepObserver{}
	oneStep(t, testModel(t, "stateful"), func() time.Time {
		calls++
		return t0.Add(time.Duration(calls) * 3 * time.Millisecond)
	}, obs)
	if !slices.Equal(obs.steps, []time.Duration{3 * time.Millisecond}) {
		t.Fatalf("model steps timed %v, want [3ms] (one round, one tick of Config.Now)", obs.steps)
	}
}

// TestStageWithoutClock: a nil Config.Now leaves the model steps untimed
// (no ModelStep report) and the forecasts as they are.
func TestStageWithoutClock(t *testing.T) {
	obs := &stepObserver{}
	e := oneStep(t, testModel(t, "stateful"), nil, obs)
	if len(obs.steps) != 0 {
		t.Errorf("model steps timed %v without a clock, want none", obs.steps)
	}
	if got := len(e.fcs); got != 1 {
		t.Errorf("%d forecasts, want 1 (warm-up 1)", got)
	}
}
