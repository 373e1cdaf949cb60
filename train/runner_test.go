package train

import (
	"math"
	"testing"

	"github.com/rnncast/rnncast/model"
)

// TestForwardMatchesRunner checks that the training forward pass, in original
// units, equals model.Runner's Window and Step (float32) within 1e-5
// (relative to the target's scale) for every cell and both regimes.
func TestForwardMatchesRunner(t *testing.T) {
	d := seasonal(400, 9)
	for _, cell := range []model.Cell{model.CellRNN, model.CellGRU, model.CellLSTM} {
		for _, mode := range []string{ModeWindow, ModeStateful} {
			t.Run(string(cell)+"/"+mode, func(t *testing.T) {
				c := smallConfig(mode, cell)
				c.Layers, c.Epochs = 2, 1
				res, err := Train(c, d, nil)
				if err != nil {
					t.Fatal(err)
				}
				n := netOf(t, res.Model)
				if mode == ModeWindow {
					compareWindow(t, n, res.Model, d)
				} else {
					compareStep(t, n, res.Model, d)
				}
			})
		}
	}
}

// netOf copies a model's float32 weights into a float64 training network.
func netOf(t *testing.T, m *model.Model) *net {
	t.Helper()
	a := Arch{Cell: m.Meta.Cell, Nonlinearity: m.Meta.Nonlinearity, Hidden: m.Meta.Hidden,
		Layers: m.Meta.Layers, Inputs: m.Meta.Inputs, Out: m.Meta.Horizon, Highway: m.Meta.Highway}
	var p []float64
	add := func(s []float32) {
		for _, v := range s {
			p = append(p, float64(v))
		}
	}
	for _, l := range m.Encoder.Layers {
		add(l.Wih)
		add(l.Whh)
		add(l.Bih)
		add(l.Bhh)
	}
	add(m.FCW)
	add(m.FCB)
	add(m.HWW)
	return newNet(a, p)
}

func compareWindow(t *testing.T, n *net, m *model.Model, d *Data) {
	const B = 5
	c := Config{Mode: ModeWindow, Window: m.Meta.Window, Horizon: m.Meta.Horizon, Batch: B, Norm: m.Meta.Norm}
	w := newWindowRegime(c, d, d.scaled(m.Meta.Mean, m.Meta.Std), n.arch, false)
	ends := []int{30, 77, 150, 301, 390}
	w.fill(ends)
	n.forward(w.tp)
	raw := make([]float32, 0, B*c.Window*d.Features)
	for _, e := range ends {
		for _, v := range d.Values[(e-c.Window)*d.Features : e*d.Features] {
			raw = append(raw, float32(v))
		}
	}
	got := make([]float32, B*c.Horizon)
	m.NewRunner(B).Window(raw, B, got)
	for b, e := range ends {
		ref := 0.0
		if m.Meta.Norm == model.NormLast {
			ref = (d.Values[(e-1)*d.Features+d.Target] - m.Meta.Mean[d.Target]) / m.Meta.Std[d.Target]
		}
		for k := 0; k < c.Horizon; k++ {
			want := unscale(w.tp.y[b*c.Horizon+k]+ref, m, d.Target)
			checkClose(t, "Window", b, k, float64(got[b*c.Horizon+k]), want, m.Meta.Std[d.Target])
		}
	}
}

func compareStep(t *testing.T, n *net, m *model.Model, d *Data) {
	const T = 60
	c := Config{Mode: ModeStateful, Window: m.Meta.Window, Horizon: m.Meta.Horizon, Batch: 1, Chunk: T, Norm: m.Meta.Norm}
	r := newStatefulRegime(c, d, d.scaled(m.Meta.Mean, m.Meta.Std), n.arch)
	r.tp.resetState()
	r.fill(r.tp, r.want, r.mask, []int{0}, []int{0}, d.Rows()-c.Horizon, nil)
	n.forward(r.tp)
	run := m.NewRunner(1)
	state := [][]float32{make([]float32, m.StateLen())}
	got := make([]float32, c.Horizon)
	F := d.Features
	for row := 0; row < T; row++ {
		x := make([]float32, F)
		for f := range x {
			x[f] = float32(d.Values[row*F+f])
		}
		run.Step(state, x, got)
		ref := 0.0
		if m.Meta.Norm == model.NormLast {
			ref = (d.Values[row*F+d.Target] - m.Meta.Mean[d.Target]) / m.Meta.Std[d.Target]
		}
		for k := range got {
			want := unscale(r.tp.y[row*c.Horizon+k]+ref, m, d.Target)
			checkClose(t, "Step", row, k, float64(got[k]), want, m.Meta.Std[d.Target])
		}
	}
}

func unscale(v float64, m *model.Model, f int) float64 { return v*m.Meta.Std[f] + m.Meta.Mean[f] }

func checkClose(t *testing.T, what string, row, k int, got, want, scale float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-5*math.Max(scale, math.Abs(want)) {
		t.Errorf("%s row %d step %d: got %.7g, want %.7g (training forward)", what, row, k, got, want)
	}
}
