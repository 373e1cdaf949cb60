package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/rnncast/rnncast/model"
)

var trainedArchs = []model.Arch{model.ArchSeq2Seq, model.ArchEncDec, model.ArchVec2Seq}

// archOf returns the training Arch of a Config (after defaults) on d.
func archFor(c Config, d *Data) Arch {
	a := Arch{Kind: c.Arch, Cell: c.Cell, Nonlinearity: c.Nonlinearity, Hidden: c.Hidden, Layers: c.Layers, Inputs: d.Features, Out: c.Horizon}
	if c.Arch == model.ArchEncDec || c.Arch == model.ArchVec2Seq {
		a.Out = 1
	}
	return a
}

// TestArchGradients checks the window regime's backward pass of seq2seq,
// encdec and vec2seq, every cell, 1 and 2 layers, both norms, against
// central finite differences of its float64 forward pass and loss. One of
// the three windows of the minibatch is padding (its loss must not count).
func TestArchGradients(t *testing.T) {
	cells := []struct {
		cell   model.Cell
		nonlin string
	}{{model.CellRNN, "tanh"}, {model.CellRNN, "relu"}, {model.CellGRU, "tanh"}, {model.CellLSTM, "tanh"}}
	d := seasonal(60, 4)
	mean, std := d.Scaler(d.TrainEnd)
	s := d.scaled(mean, std)
	for _, kind := range trainedArchs {
		for _, cl := range cells {
			for layers := 1; layers <= 2; layers++ {
				for _, norm := range []model.Norm{model.NormNone, model.NormLast} {
					name := fmt.Sprintf("%s/%s%s/layers=%d/%s", kind, cl.cell, cl.nonlin, layers, norm)
					t.Run(name, func(t *testing.T) {
						c := Config{Arch: kind, Mode: ModeWindow, Cell: cl.cell, Nonlinearity: cl.nonlin, Hidden: 3,
							Layers: layers, Window: 5, Horizon: 3, Batch: 3, Norm: norm}.withDefaults()
						checkArchGradients(t, c, d, s)
					})
				}
			}
		}
	}
}

func checkArchGradients(t *testing.T, c Config, d *Data, s []float64) {
	t.Helper()
	const eps, tol = 1e-6, 1e-6
	a := archFor(c, d)
	rng := rand.New(rand.NewPCG(3, 4))
	n := newNet(a, initParams(a, rng))
	for i := range n.p {
		n.p[i] *= 2 // larger weights exercise the nonlinearities.
	}
	r := newArchWindow(c, d, s, a, false)
	ends := []int{9, 23}
	loss := func() float64 { r.forward(n, ends); return r.loss(len(ends)) }
	if l := loss(); l == 0 || math.IsNaN(l) {
		t.Fatalf("got loss %v, want a positive number", l)
	}
	g := newNet(a, make([]float64, a.size()))
	r.backward(n, g)
	var nonzero int
	for i := range n.p {
		old := n.p[i]
		n.p[i] = old + eps
		up := loss()
		n.p[i] = old - eps
		down := loss()
		n.p[i] = old
		num := (up - down) / (2 * eps)
		if num != 0 {
			nonzero++
		}
		if diff := math.Abs(num - g.p[i]); diff > tol*math.Max(1, math.Abs(num)) {
			t.Errorf("parameter %d of %d: got gradient %.9g, want %.9g (finite difference)", i, len(n.p), g.p[i], num)
		}
	}
	if c.Nonlinearity != "relu" && nonzero < len(n.p)/2 { // relu units may be dead.
		t.Errorf("only %d of %d parameters have a non-zero gradient", nonzero, len(n.p))
	}
}

// archNetOf copies a model's float32 weights (encoder, decoder, head) into a
// float64 training network.
func archNetOf(t *testing.T, m *model.Model) *net {
	t.Helper()
	a := Arch{Kind: m.Meta.Arch, Cell: m.Meta.Cell, Nonlinearity: m.Meta.Nonlinearity, Hidden: m.Meta.Hidden,
		Layers: m.Meta.Layers, Inputs: m.Meta.Inputs, Out: len(m.FCB)}
	var p []float64
	add := func(s []float32) {
		for _, v := range s {
			p = append(p, float64(v))
		}
	}
	rnns := []*model.RNN{&m.Encoder}
	if m.Decoder != nil {
		rnns = append(rnns, m.Decoder)
	}
	for _, r := range rnns {
		for _, l := range r.Layers {
			add(l.Wih)
			add(l.Whh)
			add(l.Bih)
			add(l.Bhh)
		}
	}
	add(m.FCW)
	add(m.FCB)
	if len(p) != a.size() {
		t.Fatalf("model has %d parameters, training arch %+v has %d", len(p), a, a.size())
	}
	return newNet(a, p)
}

// saveLoad round-trips m through model.Save and model.Load.
func saveLoad(t *testing.T, m *model.Model) *model.Model {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	m2, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m2
}

// TestArchStatefulGradients checks the stateful regime's backward pass of
// encdec and vec2seq (two streams, a carried non-zero initial state, level
// shifts, masked warm-up steps) against central finite differences.
func TestArchStatefulGradients(t *testing.T) {
	d := seasonal(60, 4)
	mean, std := d.Scaler(d.TrainEnd)
	s := d.scaled(mean, std)
	for _, kind := range []model.Arch{model.ArchEncDec, model.ArchVec2Seq} {
		for _, cell := range []model.Cell{model.CellRNN, model.CellGRU, model.CellLSTM} {
			for layers := 1; layers <= 2; layers++ {
				for _, norm := range []model.Norm{model.NormNone, model.NormLast} {
					t.Run(fmt.Sprintf("%s/%s/layers=%d/%s", kind, cell, layers, norm), func(t *testing.T) {
						c := Config{Arch: kind, Mode: ModeStateful, Cell: cell, Hidden: 3, Layers: layers,
							Window: 2, Horizon: 3, Batch: 2, Chunk: 4, Norm: norm}.withDefaults()
						checkStatefulGradients(t, c, d, s)
					})
				}
			}
		}
	}
}

func checkStatefulGradients(t *testing.T, c Config, d *Data, s []float64) {
	t.Helper()
	const eps, tol = 1e-6, 1e-6
	a := archFor(c, d)
	rng := rand.New(rand.NewPCG(5, 6))
	n := newNet(a, initParams(a, rng))
	for i := range n.p {
		n.p[i] *= 2
	}
	r := newArchStateful(c, d, s, a)
	for l := range r.r.tp.ls { // a carried, non-zero initial state.
		lt := &r.r.tp.ls[l]
		for i := range lt.dhn {
			lt.h[i] = rng.NormFloat64() * 0.5
			if lt.c != nil {
				lt.c[i] = rng.NormFloat64() * 0.5
			}
		}
	}
	r.r.fill(r.r.tp, r.r.want, r.r.mask, []int{5, 20}, []int{7, 20}, d.TrainEnd-c.Horizon, []float64{0.3, -0.2})
	loss := func() float64 { s, _ := r.run(n, r.r.tp, r.dec, r.r.want, r.r.mask); return s }
	if l := loss(); l == 0 {
		t.Fatal("got loss 0")
	}
	g := newNet(a, make([]float64, a.size()))
	r.backward(n, g, r.r.tp, r.dec)
	// run's gradient is that of the mean over the counted rows' values.
	_, cnt := r.run(n, r.r.tp, r.dec, r.r.want, r.r.mask)
	scale := float64(cnt * c.Horizon)
	var nonzero int
	for i := range n.p {
		old := n.p[i]
		n.p[i] = old + eps
		up := loss()
		n.p[i] = old - eps
		down := loss()
		n.p[i] = old
		num := (up - down) / (2 * eps) / scale
		if num != 0 {
			nonzero++
		}
		if diff := math.Abs(num - g.p[i]); diff > tol*math.Max(1, math.Abs(num)) {
			t.Errorf("parameter %d of %d: got gradient %.9g, want %.9g (finite difference)", i, len(n.p), g.p[i], num)
		}
	}
	if nonzero < len(n.p)/2 {
		t.Errorf("only %d of %d parameters have a non-zero gradient", nonzero, len(n.p))
	}
}

// TestArchForwardMatchesRunner trains each arch for one epoch, saves and
// loads the model, and checks that the training forward, in original
// units, equals model.Runner's Window (seq2seq also WindowSeq at every step,
// and Step for the stateful regime) within 1e-5 of the target's scale.
func TestArchForwardMatchesRunner(t *testing.T) {
	d := seasonal(400, 9)
	for _, kind := range trainedArchs {
		for _, cell := range []model.Cell{model.CellRNN, model.CellGRU, model.CellLSTM} {
			t.Run(string(kind)+"/"+string(cell), func(t *testing.T) {
				c := smallConfig(ModeWindow, cell)
				c.Arch, c.Layers, c.Epochs = kind, 2, 1
				if kind == model.ArchEncDec {
					c.Norm = model.NormNone // the decoder's first input is then not 0.
				}
				res, err := Train(c, d, nil)
				if err != nil {
					t.Fatal(err)
				}
				m := saveLoad(t, res.Model)
				if m.Meta.Arch != kind || m.Meta.Mode != ModeWindow {
					t.Fatalf("got meta arch %q mode %q, want %q window", m.Meta.Arch, m.Meta.Mode, kind)
				}
				compareArchWindow(t, archNetOf(t, m), m, d)
			})
		}
	}
	for _, kind := range []model.Arch{model.ArchEncDec, model.ArchVec2Seq} {
		for _, cell := range []model.Cell{model.CellGRU, model.CellLSTM} {
			t.Run(string(kind)+"/stateful/"+string(cell), func(t *testing.T) {
				c := smallConfig(ModeStateful, cell)
				c.Arch, c.Layers, c.Epochs = kind, 2, 1
				res, err := Train(c, d, nil)
				if err != nil {
					t.Fatal(err)
				}
				m := saveLoad(t, res.Model)
				if m.Meta.Arch != kind || m.Meta.Mode != ModeStateful {
					t.Fatalf("got meta arch %q mode %q", m.Meta.Arch, m.Meta.Mode)
				}
				compareArchStep(t, archNetOf(t, m), m, d)
			})
		}
	}
	t.Run("seq2seq/stateful", func(t *testing.T) {
		c := smallConfig(ModeStateful, model.CellGRU)
		c.Arch, c.Layers, c.Epochs = model.ArchSeq2Seq, 2, 1
		res, err := Train(c, d, nil)
		if err != nil {
			t.Fatal(err)
		}
		m := saveLoad(t, res.Model)
		if m.Meta.Arch != model.ArchSeq2Seq || m.Meta.Mode != ModeStateful {
			t.Fatalf("got meta arch %q mode %q", m.Meta.Arch, m.Meta.Mode)
		}
		compareStep(t, archNetOf(t, m), m, d)
	})
}

func compareArchWindow(t *testing.T, n *net, m *model.Model, d *Data) {
	t.Helper()
	const B = 5
	c := Config{Arch: m.Meta.Arch, Mode: ModeWindow, Window: m.Meta.Window, Horizon: m.Meta.Horizon, Batch: B, Norm: m.Meta.Norm}
	r := newArchWindow(c, d, d.scaled(m.Meta.Mean, m.Meta.Std), n.arch, false)
	ends := []int{30, 77, 150, 301, 390}
	r.forward(n, ends)
	L, H, F := c.Window, c.Horizon, d.Features
	raw := make([]float32, 0, B*L*F)
	for _, e := range ends {
		for _, v := range d.Values[(e-L)*F : e*F] {
			raw = append(raw, float32(v))
		}
	}
	run := m.NewRunner(B)
	got := make([]float32, B*H)
	run.Window(raw, B, got)
	refs := make([]float64, B)
	for b, e := range ends {
		if m.Meta.Norm == model.NormLast {
			refs[b] = (d.Values[(e-1)*F+d.Target] - m.Meta.Mean[d.Target]) / m.Meta.Std[d.Target]
		}
		for k := 0; k < H; k++ {
			want := unscale(r.pred[b*H+k]+refs[b], m, d.Target)
			checkClose(t, "Window", b, k, float64(got[b*H+k]), want, m.Meta.Std[d.Target])
		}
	}
	if m.Meta.Arch != model.ArchSeq2Seq {
		return
	}
	seq := make([]float32, B*L*H)
	run.WindowSeq(raw, B, seq)
	for b := range ends {
		for s := 0; s < L; s++ {
			for k := 0; k < H; k++ {
				want := unscale(r.w.tp.y[(s*B+b)*H+k]+refs[b], m, d.Target)
				checkClose(t, "WindowSeq", b*L+s, k, float64(seq[(b*L+s)*H+k]), want, m.Meta.Std[d.Target])
			}
		}
	}
}

// compareArchStep runs one stream of the stateful regime of encdec or
// vec2seq over the first rows and compares every step's forecasts with
// model.Runner.Step's.
func compareArchStep(t *testing.T, n *net, m *model.Model, d *Data) {
	t.Helper()
	const T = 60
	c := Config{Arch: m.Meta.Arch, Mode: ModeStateful, Window: m.Meta.Window, Horizon: m.Meta.Horizon, Batch: 1, Chunk: T, Norm: m.Meta.Norm}
	a := newArchStateful(c, d, d.scaled(m.Meta.Mean, m.Meta.Std), n.arch)
	r := a.r
	r.tp.resetState()
	r.fill(r.tp, r.want, r.mask, []int{0}, []int{0}, d.Rows()-c.Horizon, nil)
	a.run(n, r.tp, a.dec, r.want, r.mask)
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
			want := unscale(a.pred[row*c.Horizon+k]+ref, m, d.Target)
			checkClose(t, "Step", row, k, float64(got[k]), want, m.Meta.Std[d.Target])
		}
	}
}

// TestArchTrainLearns checks that a short training run of each arch and regime
// lowers the training loss and ends with a validation MSE well below the
// untrained network's and the repeat-last-value forecast's.
func TestArchTrainLearns(t *testing.T) {
	d := seasonal(1200, 3)
	repeat := repeatMSE(d, 6)
	for _, mode := range []string{ModeWindow, ModeStateful} {
		for _, kind := range trainedArchs {
			t.Run(mode+"/"+string(kind), func(t *testing.T) {
				c := smallConfig(mode, model.CellGRU)
				c.Arch = kind
				if mode == ModeStateful {
					c.Epochs = 12 // ~6 chunks (Adam steps) per epoch here.
				}
				res, err := Train(c, d, nil)
				if err != nil {
					t.Fatal(err)
				}
				c = c.withDefaults()
				a := archFor(c, d)
				rng := rand.New(rand.NewPCG(c.Seed, 0x726e6e63617374))
				mean, std := d.Scaler(d.TrainEnd)
				untrained := newRegime(c, d, d.scaled(mean, std), a, false).validate(newNet(a, initParams(a, rng)))
				h := res.History
				first, last, best := h[0].Loss, h[len(h)-1].Loss, h[len(h)-1].Best
				t.Logf("%s %s: untrained val %.4f, train loss %.4f → %.4f, best val %.4f, repeat %.4f", mode, kind, untrained, first, last, best, repeat)
				if last >= first {
					t.Errorf("training loss went from %.4f to %.4f, want lower", first, last)
				}
				// vec2seq sees only the newest reading, whose noisy second feature
				// hints at the phase of the daily cycle: it learns (0.90 → 0.66
				// here) but cannot reach the window archs (≈0.07).
				factor := 0.5
				if kind == model.ArchVec2Seq {
					factor = 0.8
				}
				if best > factor*untrained {
					t.Errorf("got best validation MSE %.4f, want below %.1f × the untrained network's %.4f", best, factor, untrained)
				}
				if best > factor*repeat {
					t.Errorf("got best validation MSE %.4f, want below %.1f × repeat's %.4f", best, factor, repeat)
				}
			})
		}
	}
}
