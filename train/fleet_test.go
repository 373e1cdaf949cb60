package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/scale"
)

// sensorSeries returns rows of a noisy daily cycle at level and amplitude
// amp (a sensor in its own units), phase-shifted by phase hours.
func sensorSeries(rows int, level, amp float64, phase int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	v := make([]float64, rows)
	for r := range v {
		day := math.Sin(2 * math.Pi * float64(r+phase) / 24)
		v[r] = level + amp*(day+0.1*rng.NormFloat64())
	}
	return v
}

// TestWindowScalingMatchesRunner checks that training under window scaling
// computes what model.Runner serves: the training forward pass of windows
// scaled by their own statistics, de-standardized, equals Runner.Window on
// the raw windows within 1e-5 of the window's scale, for every cell.
func TestWindowScalingMatchesRunner(t *testing.T) {
	d := &Data{Values: sensorSeries(400, 1000, 3, 0, 5), Features: 1, TrainEnd: 240, ValEnd: 320, Interval: time.Hour}
	for _, tc := range []struct {
		cell    model.Cell
		highway int
	}{{model.CellRNN, 0}, {model.CellGRU, 0}, {model.CellLSTM, 0}, {model.CellGRU, 10}, {model.CellLSTM, -1}} {
		cell := tc.cell
		t.Run(fmt.Sprintf("%s/highway=%d", cell, tc.highway), func(t *testing.T) {
			c := smallConfig(ModeWindow, cell)
			c.Layers, c.Epochs, c.Scaling, c.Highway = 2, 1, "window", tc.highway
			res, err := Train(c, d, nil)
			if err != nil {
				t.Fatal(err)
			}
			m := res.Model
			if m.Meta.Scaling != scale.Window || m.Meta.Mean != nil || m.Meta.Std != nil {
				t.Fatalf("model scaling %q, mean %v, std %v: want window and no global scaler", m.Meta.Scaling, m.Meta.Mean, m.Meta.Std)
			}
			const B = 4
			cw := Config{Mode: ModeWindow, Window: m.Meta.Window, Horizon: m.Meta.Horizon, Batch: B, Norm: m.Meta.Norm}
			w := newWindowRegime(cw, d, d.Values, netOf(t, m).arch, true)
			ends := []int{30, 77, 150, 390}
			if want := max(tc.highway, 0); tc.highway < 0 && m.Meta.Highway != c.Window || tc.highway >= 0 && m.Meta.Highway != want {
				t.Fatalf("model highway %d, asked for %d", m.Meta.Highway, tc.highway)
			}
			nt := netOf(t, m)
			w.fill(ends)
			nt.forward(w.tp)
			w.highway(nt)
			raw := make([]float32, 0, B*cw.Window)
			for _, e := range ends {
				for _, v := range d.Values[e-cw.Window : e] {
					raw = append(raw, float32(v))
				}
			}
			got := make([]float32, B*cw.Horizon)
			m.NewRunner(B).Window(raw, B, got)
			for b := range ends {
				ref := w.value(b, ends[b]-1, 0) // NormLast
				for k := 0; k < cw.Horizon; k++ {
					want := (w.tp.y[b*cw.Horizon+k]+ref)*w.ws[b] + w.wm[b]
					checkClose(t, "Window", b, k, float64(got[b*cw.Horizon+k]), want, w.ws[b])
				}
			}
		})
	}
}

// TestFleetData checks how segments become a fleet: each its own series
// with its own splits, a segment too short for one window left out and
// counted, splits by time, and no training window crossing two series.
func TestFleetData(t *testing.T) {
	segs := []Segment{
		{Name: "a", Values: sensorSeries(100, 1000, 3, 0, 1)},
		{Name: "short", Values: sensorSeries(20, 0.1, 0.05, 0, 2)},
		{Name: "b", Values: sensorSeries(200, 0.1, 0.05, 5, 3)},
	}
	d, kept, dropped, why, err := FleetData(segs, FleetSplit{}, 24, 6, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Series) != 2 || d.Series[1].Name != "b" || dropped != 20 || !strings.Contains(why, "short (20 rows)") {
		t.Fatalf("series %+v, dropped %d (%s): want a and b, the 20-row segment dropped", d.Series, dropped, why)
	}
	if want := (Series{Name: "b", Start: 80, TrainEnd: 80 + 120, ValEnd: 80 + 160, End: 80 + 160}); d.Series[1] != want || kept != 80+160 {
		t.Errorf("series b %+v, kept %d; want %+v, 240 kept (test rows held out)", d.Series[1], kept, want)
	}
	c := Config{Mode: ModeWindow, Window: 24, Horizon: 6, Batch: 8}.withDefaults()
	w := newWindowRegime(c, d, d.Values, Arch{Cell: model.CellGRU, Hidden: 2, Layers: 1, Inputs: 1, Out: 6}, true)
	if got, want := len(w.train), (60-30+1)+(120-30+1); got != want {
		t.Errorf("%d training windows, want %d", got, want)
	}
	for _, e := range append(append([]int{}, w.train...), w.val...) {
		in := func(s Series) bool { return e-c.Window >= s.Start && e+c.Horizon <= s.ValEnd }
		if !in(d.Series[0]) && !in(d.Series[1]) {
			t.Fatalf("window ending at %d crosses two series", e)
		}
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	times := make([]time.Time, 100)
	for i := range times {
		times[i] = t0.Add(time.Duration(i) * time.Hour)
	}
	d, _, _, _, err = FleetData([]Segment{{Name: "a", Values: segs[0].Values, Times: times}},
		FleetSplit{TrainUntil: t0.Add(50 * time.Hour), ValUntil: t0.Add(70 * time.Hour)}, 24, 6, time.Hour)
	if err != nil || d.Series[0].TrainEnd != 50 || d.Series[0].ValEnd != 70 {
		t.Errorf("split by time: %+v, %v; want train rows [0,50), validation [50,70)", d, err)
	}
}

// TestFleetScalingChecks checks the scalings a training accepts.
func TestFleetScalingChecks(t *testing.T) {
	segs := []Segment{{Name: "a", Values: sensorSeries(200, 1000, 3, 0, 1)}, {Name: "b", Values: sensorSeries(200, 0.1, 0.05, 0, 2)}}
	fleet, _, _, _, err := FleetData(segs, FleetSplit{}, 24, 6, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode, scaling, want string
	}{
		{ModeWindow, "global", "pooled statistics"},
		{ModeStateful, "window", "window scaling needs -mode window"},
		{ModeWindow, "sensor", "sensor scaling needs -mode stateful"},
		{ModeStateful, "", "not supported yet"},
		{ModeWindow, "robust", "unknown scaling"},
	} {
		c := smallConfig(tc.mode, model.CellGRU)
		c.Scaling = tc.scaling
		if _, err := Train(c, fleet, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s/%q: got %v, want an error saying %q", tc.mode, tc.scaling, err, tc.want)
		}
	}
	multi := seasonal(400, 1)
	c := smallConfig(ModeWindow, model.CellGRU)
	c.Scaling = "window"
	if _, err := Train(c, multi, nil); err == nil || !strings.Contains(err.Error(), "univariate") {
		t.Errorf("window scaling of 2 features: got %v, want an error", err)
	}
}

// TestFleetModelServesEverySensor trains one window-scaled model on a fleet
// of sensors whose levels and amplitudes differ by five orders of
// magnitude and checks, through model.Runner, that it beats Repeat on every
// one of them on held-out rows, and on a sensor it never saw.
func TestFleetModelServesEverySensor(t *testing.T) {
	kinds := []struct {
		name       string
		level, amp float64
	}{{"pressure", 1000, 2}, {"rain", 0.1, 0.05}, {"temperature", 15, 6}, {"current", -3, 0.5}}
	var segs []Segment
	for i, k := range kinds {
		segs = append(segs, Segment{Name: k.name, Values: sensorSeries(600, k.level, k.amp, 3*i, uint64(10+i))})
	}
	d, _, _, _, err := FleetData(segs, FleetSplit{}, 24, 6, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := smallConfig(ModeWindow, model.CellGRU)
	c.Epochs, c.Samples = 8, 512
	res, err := Train(c, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model
	if m.Meta.Scaling != scale.Window {
		t.Fatalf("a fleet trained with scaling %q, want window by default", m.Meta.Scaling)
	}
	if got, want := servedValMSE(m, d), res.History[len(res.History)-1].Best; math.Abs(got-want) > 1e-4*want {
		t.Errorf("served validation MSE (each series on its own train scale) %.6g, training's best %.6g: want equal", got, want)
	}
	unseen := Segment{Name: "unseen", Values: sensorSeries(600, 50000, 300, 11, 99)}
	for _, sg := range append(segs, unseen) {
		mse, rep := heldOutMSE(m, sg.Values[480:])
		if !(mse < 0.8*rep) {
			t.Errorf("%s: MSE %.4g, Repeat's %.4g: want the fleet model well below Repeat", sg.Name, mse, rep)
		}
	}
}

// heldOutMSE returns the MSE of m's window forecasts over v and Repeat's on
// the same targets.
func heldOutMSE(m *model.Model, v []float64) (mse, repeat float64) {
	L, H := m.Meta.Window, m.Meta.Horizon
	run := m.NewRunner(1)
	win, out := make([]float32, L), make([]float32, H)
	n := 0
	for e := L; e+H <= len(v); e++ {
		for i := range win {
			win[i] = float32(v[e-L+i])
		}
		run.Window(win, 1, out)
		for k := 0; k < H; k++ {
			d, r := float64(out[k])-v[e+k], v[e-1]-v[e+k]
			mse, repeat, n = mse+d*d, repeat+r*r, n+1
		}
	}
	return mse / float64(n), repeat / float64(n)
}

// servedValMSE returns the MSE of m's forecasts of d's validation windows
// through model.Runner, each series' errors over its own std over its
// train rows: the scale the window regime's loss is on.
func servedValMSE(m *model.Model, d *Data) float64 {
	L, H := m.Meta.Window, m.Meta.Horizon
	run := m.NewRunner(1)
	win, out32 := make([]float32, L), make([]float32, H)
	var sum float64
	n := 0
	for _, s := range d.Series {
		sub := &Data{Values: d.Values[s.Start:s.TrainEnd], Features: 1}
		_, sd := sub.Scaler(s.TrainEnd - s.Start)
		for e := max(s.TrainEnd, s.Start+L); e+H <= s.ValEnd; e++ {
			for i := range win {
				win[i] = float32(d.Values[e-L+i])
			}
			run.Window(win, 1, out32)
			for k := 0; k < H; k++ {
				e := (float64(out32[k]) - d.Values[e+k]) / sd[0]
				sum += e * e
			}
			n++
		}
	}
	return sum / float64(n*H)
}

// TestHighwayGradient checks the highway's weight gradient and the rest of
// the window regime's under it against central finite differences of the
// float64 loss, under window scaling.
func TestHighwayGradient(t *testing.T) {
	const eps, tol = 1e-6, 1e-6
	d := &Data{Values: sensorSeries(120, 50, 4, 0, 3), Features: 1, TrainEnd: 90, ValEnd: 110, Interval: time.Hour}
	c := Config{Mode: ModeWindow, Window: 12, Horizon: 3, Batch: 4, Norm: model.NormLast}.withDefaults()
	a := Arch{Cell: model.CellGRU, Hidden: 3, Layers: 1, Inputs: 1, Out: 3, Highway: 5}
	rng := rand.New(rand.NewPCG(5, 6))
	n := newNet(a, initParams(a, rng))
	for i := range n.hw {
		n.hw[i] = rng.NormFloat64() * 0.3
	}
	w := newWindowRegime(c, d, d.Values, a, true)
	ends := []int{20, 33, 47, 80}
	loss := func() float64 {
		w.fill(ends)
		n.forward(w.tp)
		w.highway(n)
		return w.loss(len(ends))
	}
	g := newNet(a, make([]float64, len(n.p)))
	loss()
	n.backward(g, w.tp)
	w.highwayGrad(g)
	for i := range n.p {
		old := n.p[i]
		n.p[i] = old + eps
		up := loss()
		n.p[i] = old - eps
		down := loss()
		n.p[i] = old
		if num := (up - down) / (2 * eps); math.Abs(num-g.p[i]) > tol*math.Max(1, math.Abs(num)) {
			t.Errorf("parameter %d (highway from %d): analytic %.8g, numeric %.8g", i, len(n.p)-len(n.hw), g.p[i], num)
		}
	}
}
