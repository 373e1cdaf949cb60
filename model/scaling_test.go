package model

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rnncast/rnncast/scale"
)

// scaled returns a copy of randomModel(s) that declares scaling sc (window
// scaling: mode window; sensor scaling: mode stateful, half-life 24).
func scaled(t *testing.T, s spec, sc scale.Mode, rng *rand.Rand) *Model {
	t.Helper()
	m := randomModel(t, s, rng)
	m.Meta.Mean, m.Meta.Std, m.Meta.Scaling = nil, nil, sc
	m.Meta.Mode = "window"
	if sc == scale.Sensor {
		m.Meta.Mode, m.Meta.HalfLife = "stateful", 24
	}
	if err := m.Prepare(); err != nil {
		t.Fatalf("Prepare(%v, %s): %v", s, sc, err)
	}
	return m
}

// affine returns level + spread·x for every value of x.
func affine(x []float32, level, spread float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(level + spread*float64(v))
	}
	return out
}

// checkAffine checks got ≈ level + spread·want, within 2e-3 of spread:
// readings near 1000 carry float32's 6e-5 steps, about 1e-5 of a spread of
// a few units, which the recurrence amplifies; a wrong scaling is off by
// whole spreads.
func checkAffine(t *testing.T, what string, got, want []float32, level, spread float64) {
	t.Helper()
	for i := range got {
		w := level + spread*float64(want[i])
		if d := math.Abs(float64(got[i]) - w); !(d <= 2e-3*spread) {
			t.Fatalf("%s: value %d is %v, want %v (level %v + spread %v × %v): off by %.3g spreads",
				what, i, got[i], w, level, spread, want[i], d/spread)
		}
	}
}

// TestScalingIsPerSensor checks what window and sensor scaling are for: a
// sensor whose readings are level + spread·x (a pressure near 1000, a rain
// gauge near 0) is forecast as level + spread·(the forecast of x), for
// every arch and cell, so one model serves every sensor on its own scale
// (up to scale.Eps, negligible at these spreads).
// Global scaling has no such property; the last case shows it.
func TestScalingIsPerSensor(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 12))
	// Spreads keep the readings' variance far above scale.Eps, which
	// otherwise (by design) damps the scaling of a nearly constant sensor.
	affines := []struct{ level, spread float64 }{{1000, 8}, {0.05, 0.5}, {-40, 300}}
	for _, s := range specs() {
		if s.window < 4 {
			s.window = 4
		}
		mw := scaled(t, s, scale.Window, rng)
		win := readings(randomModel(t, s, rng), 3*s.window, rng)
		base := make([]float32, 3*s.horiz)
		mw.NewRunner(3).Window(win, 3, base)
		for _, a := range affines {
			out := make([]float32, len(base))
			mw.NewRunner(3).Window(affine(win, a.level, a.spread), 3, out)
			checkAffine(t, s.String()+" window", out, base, a.level, a.spread)
		}

		ms := scaled(t, s, scale.Sensor, rng)
		const steps = 60
		xs := readings(randomModel(t, s, rng), steps*2, rng)
		run := func(x []float32) []float32 {
			r := ms.NewRunner(2)
			states := [][]float32{make([]float32, ms.StateLen()), make([]float32, ms.StateLen())}
			out := make([]float32, steps*2*s.horiz)
			for i := 0; i < steps; i++ {
				r.Step(states, x[i*2*s.inputs:(i+1)*2*s.inputs], out[i*2*s.horiz:(i+1)*2*s.horiz])
			}
			// Compare from the tenth step: the first readings' variance can
			// be near 0, where scale.Eps is not negligible.
			return out[10*2*s.horiz:]
		}
		want := run(xs)
		for _, a := range affines[:2] {
			checkAffine(t, s.String()+" sensor", run(affine(xs, a.level, a.spread)), want, a.level, a.spread)
		}
	}
	// Global scaling serves the scale it was trained on only.
	s := spec{CellGRU, "tanh", ArchSeq2Vec, NormNone, 8, 1, 1, 1, 8}
	m := randomModel(t, s, rng)
	win := readings(m, s.window, rng)
	base, out := make([]float32, 1), make([]float32, 1)
	m.NewRunner(1).Window(win, 1, base)
	m.NewRunner(1).Window(affine(win, 1000, 8), 1, out)
	if w := 1000 + 8*float64(base[0]); math.Abs(float64(out[0])-w) < 1 {
		t.Errorf("global scaling: forecast %v of a shifted window is within 1 of %v; the test cannot tell the scalings apart", out[0], w)
	}
}

// TestSensorScalingState checks that sensor scaling keeps its running
// statistics at the end of the carried state: StateLen grows by three
// values per input, the first reading of a cleared state starts the
// statistics afresh (mean = the reading), and a state copied mid-stream
// continues bit for bit (what a checkpoint restores).
func TestSensorScalingState(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	s := spec{CellLSTM, "tanh", ArchSeq2Vec, NormLast, 6, 2, 2, 3, 8}
	m := scaled(t, s, scale.Sensor, rng)
	if got, want := m.StateLen(), 2*2*6+3*2; got != want {
		t.Fatalf("StateLen = %d, want %d (LSTM h and c of 2 layers of 6, then 3 per input)", got, want)
	}
	r := m.NewRunner(1)
	st := [][]float32{make([]float32, m.StateLen())}
	out := make([]float32, s.horiz)
	r.Step(st, []float32{1000, 0.5}, out)
	run := st[0][m.hiddenLen():]
	if run[0] != 1000 || run[1] != 0 || run[2] != 1 || run[3] != 0.5 || run[5] != 1 {
		t.Fatalf("running statistics after one reading: %v, want mean 1000 var 0 n 1, mean 0.5 var 0 n 1", run)
	}
	xs := readings(randomModel(t, s, rng), 200, rng)
	for i := 0; i < 50; i++ {
		r.Step(st, xs[2*i:2*i+2], out)
	}
	copied := [][]float32{append([]float32(nil), st[0]...)}
	a, b := make([]float32, s.horiz), make([]float32, s.horiz)
	for i := 50; i < 100; i++ {
		r.Step(st, xs[2*i:2*i+2], a)
		m.NewRunner(1).Step(copied, xs[2*i:2*i+2], b)
		for j := range a {
			if math.Float32bits(a[j]) != math.Float32bits(b[j]) {
				t.Fatalf("step %d: a copied state forecasts %v, the original %v", i, b, a)
			}
		}
	}
}

// TestScalingModeChecks checks that Prepare refuses a scaling its mode
// cannot serve, and that the Runner refuses the call its scaling has no
// statistics for.
func TestScalingModeChecks(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	s := spec{CellGRU, "tanh", ArchSeq2Vec, NormNone, 4, 1, 1, 2, 6}
	for _, c := range []struct {
		sc       scale.Mode
		mode     string
		halfLife float64
		want     string
	}{
		{scale.Window, "stateful", 0, "window scaling needs mode window"},
		{scale.Sensor, "window", 24, "sensor scaling needs mode stateful"},
		{scale.Sensor, "stateful", 0, "half-life"},
		{scale.Sensor, "stateful", math.Inf(1), "half-life"},
		{"minmax", "window", 0, "unknown scaling"},
	} {
		m := randomModel(t, s, rng)
		m.Meta.Mean, m.Meta.Std, m.Meta.Scaling, m.Meta.Mode, m.Meta.HalfLife = nil, nil, c.sc, c.mode, c.halfLife
		if err := m.Prepare(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Prepare(scaling %s, mode %s, half-life %v) = %v, want an error containing %q", c.sc, c.mode, c.halfLife, err, c.want)
		}
	}
	mustPanic := func(what string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", what)
			}
		}()
		f()
	}
	mw := scaled(t, s, scale.Window, rng)
	mustPanic("Step with window scaling", func() {
		mw.NewRunner(1).Step([][]float32{make([]float32, mw.StateLen())}, []float32{1}, make([]float32, 2))
	})
	ms := scaled(t, s, scale.Sensor, rng)
	mustPanic("Window with sensor scaling", func() {
		ms.NewRunner(1).Window(make([]float32, 6), 1, make([]float32, 2))
	})
}
