package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// spec describes a random test model.
type spec struct {
	cell                          Cell
	nonlin                        string
	arch                          Arch
	norm                          Norm
	hidden, layers, inputs, horiz int
	window                        int
}

func (s spec) String() string {
	return fmt.Sprintf("%s-%s/%s/%s/h%d/l%d/in%d/H%d", s.cell, s.nonlin, s.arch, s.norm, s.hidden, s.layers, s.inputs, s.horiz)
}

// randomModel builds a prepared model with PyTorch's default init range
// U(−1/√H, 1/√H), scaler and target drawn from rng.
func randomModel(t testing.TB, s spec, rng *rand.Rand) *Model {
	t.Helper()
	k := 1 / math.Sqrt(float64(s.hidden))
	uni := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32((rng.Float64()*2 - 1) * k)
		}
		return v
	}
	rnn := func(in0 int) RNN {
		g := s.cell.Gates() * s.hidden
		r := RNN{Cell: s.cell, Nonlinearity: s.nonlin, Hidden: s.hidden}
		for l := 0; l < s.layers; l++ {
			in := s.hidden
			if l == 0 {
				in = in0
			}
			r.Layers = append(r.Layers, Layer{In: in, Wih: uni(g * in), Whh: uni(g * s.hidden), Bih: uni(g), Bhh: uni(g)})
		}
		return r
	}
	m := &Model{Meta: Meta{
		Name: "test", Arch: s.arch, Cell: s.cell, Nonlinearity: s.nonlin, Hidden: s.hidden,
		Layers: s.layers, Inputs: s.inputs, Target: rng.IntN(s.inputs), Window: s.window,
		Horizon: s.horiz, Norm: s.norm,
	}}
	for f := 0; f < s.inputs; f++ {
		m.Meta.Mean = append(m.Meta.Mean, rng.Float64()*20-10)
		m.Meta.Std = append(m.Meta.Std, 0.5+rng.Float64()*4)
	}
	m.Encoder = rnn(s.inputs)
	out := s.horiz
	if s.arch == ArchEncDec {
		d := rnn(1)
		m.Decoder = &d
	}
	if s.arch == ArchEncDec || s.arch == ArchVec2Seq {
		out = 1
	}
	m.FCW, m.FCB = uni(out*s.hidden), uni(out)
	if err := m.Prepare(); err != nil {
		t.Fatalf("Prepare(%v): %v", s, err)
	}
	return m
}

// readings returns n readings in original units around the model's scaler.
func readings(m *Model, n int, rng *rand.Rand) []float32 {
	in := m.Meta.Inputs
	x := make([]float32, n*in)
	for i := range x {
		f := i % in
		x[i] = float32(m.Meta.Mean[f] + m.Meta.Std[f]*rng.NormFloat64())
	}
	return x
}

// kernelSets are the implementations every parity test runs through.
func kernelSets() []kernels { return availableKernels }

// tolerance is 1e-5 in the model's scaled space; in original units it is
// scaled by the target's std.
func closeTo(got float32, want, scale float64) bool {
	return math.Abs(float64(got)-want) <= 1e-5*math.Max(scale, 1)*(1+1e-6*math.Abs(want))
}

func nanFill(v []float32) {
	for i := range v {
		v[i] = float32(math.NaN())
	}
}

// specs returns a spread of every cell, nonlinearity, arch and norm with
// several sizes, including sizes that are not multiples of the vector width.
func specs() []spec {
	var out []spec
	cells := []struct {
		c Cell
		n string
	}{{CellRNN, "tanh"}, {CellRNN, "relu"}, {CellLSTM, "tanh"}, {CellGRU, "tanh"}}
	sizes := []struct{ hidden, layers, inputs int }{{1, 1, 1}, {5, 2, 3}, {32, 2, 1}, {19, 3, 2}}
	for _, c := range cells {
		for _, a := range []Arch{ArchSeq2Vec, ArchSeq2Seq, ArchEncDec, ArchVec2Seq} {
			for i, sz := range sizes {
				norm := NormNone
				if i%2 == 1 {
					norm = NormLast
				}
				out = append(out, spec{c.c, c.n, a, norm, sz.hidden, sz.layers, sz.inputs, 1 + 2*i, 4 + i})
			}
		}
	}
	return out
}

func TestWindowMatchesReference(t *testing.T) {
	for _, k := range kernelSets() {
		for _, s := range specs() {
			t.Run(k.name+"/"+s.String(), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, uint64(s.hidden*100+s.layers)))
				m := randomModel(t, s, rng)
				ref := newRefModel(m)
				const b = 7
				r := m.newRunner(3, k, defaultTile) // 7 keys in chunks of 3, 3, 1
				per := s.window * s.inputs
				w := readings(m, b*s.window, rng)
				out := make([]float32, b*s.horiz)
				nanFill(out)
				r.Window(w, b, out)
				for i := 0; i < b; i++ {
					want := ref.window(w[i*per:(i+1)*per], false)
					checkClose(t, "Window", i, out[i*s.horiz:(i+1)*s.horiz], want, ref.std[ref.meta.Target])
				}
				raw := make([]float32, b*s.horiz)
				scaled := make([]float32, len(w))
				for i := range w {
					f := i % s.inputs
					scaled[i] = float32((float64(w[i]) - ref.mean[f]) / ref.std[f])
				}
				r.WindowRaw(scaled, b, raw)
				for i := 0; i < b; i++ {
					want := ref.windowRaw(rows2(scaled[i*per:(i+1)*per], s.inputs), false)
					checkClose(t, "WindowRaw", i, raw[i*s.horiz:(i+1)*s.horiz], want, 1)
				}
			})
		}
	}
}

func TestWindowSeqMatchesReference(t *testing.T) {
	for _, k := range kernelSets() {
		for _, s := range specs() {
			if s.arch != ArchSeq2Seq && s.arch != ArchSeq2Vec {
				continue
			}
			t.Run(k.name+"/"+s.String(), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(2, uint64(s.hidden)))
				m := randomModel(t, s, rng)
				ref := newRefModel(m)
				const b = 5
				r := m.newRunner(4, k, defaultTile)
				per, outPer := s.window*s.inputs, s.window*s.horiz
				w := readings(m, b*s.window, rng)
				out := make([]float32, b*outPer)
				nanFill(out)
				r.WindowSeq(w, b, out)
				last := make([]float32, b*s.horiz)
				r.Window(w, b, last)
				for i := 0; i < b; i++ {
					want := ref.window(w[i*per:(i+1)*per], true)
					checkClose(t, "WindowSeq", i, out[i*outPer:(i+1)*outPer], want, ref.std[ref.meta.Target])
					checkClose(t, "Window vs WindowSeq last step", i, last[i*s.horiz:(i+1)*s.horiz],
						want[outPer-s.horiz:], ref.std[ref.meta.Target])
				}
			})
		}
	}
}

func TestStepMatchesReference(t *testing.T) {
	for _, k := range kernelSets() {
		for _, s := range specs() {
			t.Run(k.name+"/"+s.String(), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(3, uint64(s.hidden*7+s.inputs)))
				m := randomModel(t, s, rng)
				ref := newRefModel(m)
				const b, steps = 6, 12
				r := m.newRunner(4, k, defaultTile)
				states := make([][]float32, b)
				want := make([][]float64, b)
				for i := range states {
					states[i] = make([]float32, m.StateLen())
					want[i] = make([]float64, m.StateLen())
				}
				out := make([]float32, b*s.horiz)
				for step := 0; step < steps; step++ {
					x := readings(m, b, rng)
					nanFill(out)
					r.Step(states, x, out)
					for i := 0; i < b; i++ {
						wo := ref.step(want[i], x[i*s.inputs:(i+1)*s.inputs])
						checkClose(t, fmt.Sprintf("Step %d out", step), i, out[i*s.horiz:(i+1)*s.horiz], wo, ref.std[ref.meta.Target])
						checkClose(t, fmt.Sprintf("Step %d state", step), i, states[i], want[i], 1)
					}
				}
			})
		}
	}
}

func TestStepRawMatchesReference(t *testing.T) {
	for _, k := range kernelSets() {
		for _, s := range specs() {
			t.Run(k.name+"/"+s.String(), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(4, uint64(s.hidden)))
				m := randomModel(t, s, rng)
				ref := newRefModel(m)
				const b = 5
				r := m.newRunner(2, k, defaultTile)
				states := make([][]float32, b)
				want := make([][]float64, b)
				for i := range states {
					states[i] = make([]float32, m.StateLen())
					want[i] = make([]float64, m.StateLen())
				}
				x := make([]float32, b*s.inputs)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
				}
				out := make([]float32, b*s.horiz)
				for step := 0; step < 3; step++ {
					r.StepRaw(states, x, out)
					for i := 0; i < b; i++ {
						xi := f64(x[i*s.inputs : (i+1)*s.inputs])
						checkClose(t, "StepRaw out", i, out[i*s.horiz:(i+1)*s.horiz], ref.stepRaw(want[i], xi), 1)
						checkClose(t, "StepRaw state", i, states[i], want[i], 1)
					}
				}
			})
		}
	}
}

// TestCarriedStatesStayClose carries states over 500 steps, the case where
// activation error could accumulate, at the sizes the service runs.
func TestCarriedStatesStayClose(t *testing.T) {
	for _, k := range kernelSets() {
		for _, c := range []Cell{CellRNN, CellLSTM, CellGRU} {
			for _, hidden := range []int{32, 64} {
				s := spec{c, "tanh", ArchSeq2Vec, NormNone, hidden, 2, 2, 4, 8}
				t.Run(k.name+"/"+s.String(), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(5, uint64(hidden)))
					m := randomModel(t, s, rng)
					ref := newRefModel(m)
					const b, steps = 3, 500
					r := m.newRunner(b, k, defaultTile)
					states := make([][]float32, b)
					want := make([][]float64, b)
					for i := range states {
						states[i] = make([]float32, m.StateLen())
						want[i] = make([]float64, m.StateLen())
					}
					out := make([]float32, b*s.horiz)
					worst := 0.0
					for step := 0; step < steps; step++ {
						x := readings(m, b, rng)
						r.Step(states, x, out)
						for i := 0; i < b; i++ {
							wo := ref.step(want[i], x[i*s.inputs:(i+1)*s.inputs])
							worst = math.Max(worst, maxDiff(states[i], want[i]))
							if step == steps-1 {
								checkClose(t, "final out", i, out[i*s.horiz:(i+1)*s.horiz], wo, ref.std[ref.meta.Target])
							}
						}
					}
					if worst > 1e-5 {
						t.Errorf("worst state difference over %d steps = %g, want ≤ 1e-5", steps, worst)
					}
				})
			}
		}
	}
}

func maxDiff(got []float32, want []float64) float64 {
	d := 0.0
	for i := range got {
		d = math.Max(d, math.Abs(float64(got[i])-want[i]))
	}
	return d
}

func rows2(v []float32, in int) [][]float64 {
	var out [][]float64
	for i := 0; i < len(v); i += in {
		out = append(out, f64(v[i:i+in]))
	}
	return out
}

func checkClose(t *testing.T, what string, key int, got []float32, want []float64, scale float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s key %d: got %d values, want %d", what, key, len(got), len(want))
	}
	for j := range got {
		if !closeTo(got[j], want[j], scale) {
			t.Fatalf("%s key %d [%d]: got %v, want %v (diff %g)", what, key, j, got[j], want[j], float64(got[j])-want[j])
		}
	}
}

func TestStateLen(t *testing.T) {
	f := func(cell Cell, arch Arch, hidden, layers, want int) {
		t.Helper()
		m := &Model{Meta: Meta{Cell: cell, Arch: arch, Hidden: hidden, Layers: layers}}
		if got := m.StateLen(); got != want {
			t.Errorf("StateLen(%s, %s, H=%d, L=%d) = %d, want %d", cell, arch, hidden, layers, got, want)
		}
	}
	f(CellRNN, ArchSeq2Vec, 8, 3, 24)
	f(CellGRU, ArchSeq2Seq, 32, 2, 64)
	f(CellLSTM, ArchSeq2Vec, 16, 2, 64)
	f(CellLSTM, ArchEncDec, 5, 1, 10)
	f(CellGRU, ArchVec2Seq, 32, 2, 0)
	f(CellGRU, "", 4, 1, 4)
}

// TestPrepareRejects breaks one field or tensor of a valid model at a time
// and checks that Prepare names the problem instead of panicking.
func TestPrepareRejects(t *testing.T) {
	base := spec{CellLSTM, "tanh", ArchEncDec, NormNone, 4, 2, 3, 5, 6}
	cases := []struct {
		name   string
		break_ func(m *Model)
		want   string
	}{
		{"unknown cell", func(m *Model) { m.Meta.Cell = "transformer" }, `unknown cell "transformer"`},
		{"unknown arch", func(m *Model) { m.Meta.Arch = "tree" }, `unknown arch "tree"`},
		{"unknown norm", func(m *Model) { m.Meta.Norm = "mean" }, `unknown norm "mean"`},
		{"zero hidden", func(m *Model) { m.Meta.Hidden = 0 }, "hidden is 0, expected at least 1"},
		{"zero horizon", func(m *Model) { m.Meta.Horizon = 0 }, "horizon is 0"},
		{"target out of range", func(m *Model) { m.Meta.Target = 3 }, "target is 3, expected 0 to 2"},
		{"short mean", func(m *Model) { m.Meta.Mean = m.Meta.Mean[:2] }, "mean has 2 values, expected 3"},
		{"zero std", func(m *Model) { m.Meta.Std[1] = 0 }, "std[1] is 0"},
		{"layer count", func(m *Model) { m.Encoder.Layers = m.Encoder.Layers[:1] }, "encoder has 1 layers, expected 2"},
		{"wih size", func(m *Model) { m.Encoder.Layers[0].Wih = m.Encoder.Layers[0].Wih[1:] }, "encoder layer 0 weight_ih has 47 values, expected 16×3 = 48"},
		{"whh size", func(m *Model) { m.Encoder.Layers[1].Whh = nil }, "encoder layer 1 weight_hh has 0 values, expected 16×4 = 64"},
		{"bias size", func(m *Model) { m.Encoder.Layers[1].Bhh = m.Encoder.Layers[1].Bhh[:3] }, "bias_hh has 3 values, expected 16"},
		{"NaN weight", func(m *Model) { m.Encoder.Layers[0].Whh[5] = float32(math.NaN()) }, "weight_hh[5] is NaN"},
		{"missing decoder", func(m *Model) { m.Decoder = nil }, "needs decoder weights"},
		{"decoder input", func(m *Model) { m.Decoder.Layers[0].Wih = make([]float32, 16*3) }, "decoder layer 0 weight_ih has 48 values, expected 16×1 = 16"},
		{"decoder on seq2vec", func(m *Model) { m.Meta.Arch = ArchSeq2Vec }, "has no decoder"},
		{"head size", func(m *Model) { m.FCW = m.FCW[:3] }, "fc.weight has 3 values, expected 1×4 = 4"},
		{"head bias", func(m *Model) { m.FCB = make([]float32, 2) }, "fc.bias has 2 values, expected 1"},
		{"cell mismatch", func(m *Model) { m.Encoder.Cell = CellGRU }, `encoder cell is "gru", expected "lstm"`},
		{"relu lstm", func(m *Model) { m.Meta.Nonlinearity = "relu" }, `nonlinearity "relu" for cell "lstm"`},
		{"huge window", func(m *Model) { m.Meta.Window = 1 << 40 }, "window×inputs is 1099511627776×3, expected at most 1048576"},
		{"huge horizon", func(m *Model) { m.Meta.Horizon = 1 << 20 }, "horizon is 1048576, expected at most 65536"},
		{"negative window", func(m *Model) { m.Meta.Window = -1 }, "window is -1, expected at least 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := randomModel(t, base, rand.New(rand.NewPCG(6, 0)))
			c.break_(m)
			err := m.Prepare()
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "model: cannot prepare: ") {
				t.Fatalf("Prepare() error = %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestRunnerAllocates checks that the steady state allocates nothing.
func TestRunnerAllocates(t *testing.T) {
	for _, a := range []Arch{ArchSeq2Vec, ArchEncDec, ArchVec2Seq} {
		s := spec{CellGRU, "tanh", a, NormLast, 16, 2, 2, 3, 5}
		m := randomModel(t, s, rand.New(rand.NewPCG(7, 0)))
		const b = 10
		r := m.NewRunner(4)
		states := make([][]float32, b)
		for i := range states {
			states[i] = make([]float32, m.StateLen())
		}
		x := readings(m, b, rand.New(rand.NewPCG(7, 1)))
		w := readings(m, b*s.window, rand.New(rand.NewPCG(7, 2)))
		out := make([]float32, b*s.horiz)
		if n := testing.AllocsPerRun(20, func() { r.Step(states, x, out) }); n != 0 {
			t.Errorf("%s: Step allocates %v times per call, want 0", a, n)
		}
		if n := testing.AllocsPerRun(20, func() { r.Window(w, b, out) }); n != 0 {
			t.Errorf("%s: Window allocates %v times per call, want 0", a, n)
		}
	}
}

// TestStepNaNReading checks that a NaN reading yields NaN forecasts for its
// key only, with every kernel set and cell.
func TestStepNaNReading(t *testing.T) {
	for _, k := range kernelSets() {
		for _, c := range []struct {
			cell   Cell
			nonlin string
		}{{CellRNN, "tanh"}, {CellRNN, "relu"}, {CellLSTM, "tanh"}, {CellGRU, "tanh"}} {
			s := spec{c.cell, c.nonlin, ArchSeq2Vec, NormNone, 8, 2, 1, 3, 4}
			m := randomModel(t, s, rand.New(rand.NewPCG(15, 0)))
			const b = 5
			states := make([][]float32, b)
			for i := range states {
				states[i] = make([]float32, m.StateLen())
			}
			x := readings(m, b, rand.New(rand.NewPCG(15, 1)))
			x[2] = float32(math.NaN())
			out := make([]float32, b*s.horiz)
			m.newRunner(b, k, defaultTile).Step(states, x, out)
			for i := 0; i < b; i++ {
				for j := 0; j < s.horiz; j++ {
					if v := out[i*s.horiz+j]; (v != v) != (i == 2) {
						t.Errorf("%s %s-%s: out[%d][%d] = %v, want NaN only for key 2", k.name, c.cell, c.nonlin, i, j, v)
					}
				}
			}
		}
	}
}

// TestPrepareDefaults checks that omitted optional tensors and fields mean
// what PyTorch and the metadata defaults say: no bias is a zero bias, no
// scaler is mean 0 and std 1, empty arch/norm/nonlinearity are seq2vec,
// none and tanh.
func TestPrepareDefaults(t *testing.T) {
	cases := []struct {
		name        string
		strip, zero func(m *Model)
	}{
		{"no biases",
			func(m *Model) {
				for l := range m.Encoder.Layers {
					m.Encoder.Layers[l].Bih, m.Encoder.Layers[l].Bhh = nil, nil
				}
				m.FCB = nil
			},
			func(m *Model) {
				for l := range m.Encoder.Layers {
					clear(m.Encoder.Layers[l].Bih)
					clear(m.Encoder.Layers[l].Bhh)
				}
				clear(m.FCB)
			}},
		{"no scaler",
			func(m *Model) { m.Meta.Mean, m.Meta.Std = nil, nil },
			func(m *Model) {
				for f := range m.Meta.Mean {
					m.Meta.Mean[f], m.Meta.Std[f] = 0, 1
				}
			}},
		{"empty names",
			func(m *Model) { m.Meta.Arch, m.Meta.Norm, m.Meta.Nonlinearity = "", "", "" },
			func(m *Model) {}},
		{"zero sizes in tensors' owners",
			func(m *Model) {
				m.Encoder.Cell, m.Encoder.Hidden = "", 0
				for l := range m.Encoder.Layers {
					m.Encoder.Layers[l].In = 0
				}
			},
			func(m *Model) {}},
	}
	s := spec{CellGRU, "tanh", ArchSeq2Vec, NormNone, 6, 2, 2, 3, 4}
	for _, k := range kernelSets() {
		for _, c := range cases {
			t.Run(k.name+"/"+c.name, func(t *testing.T) {
				a := randomModel(t, s, rand.New(rand.NewPCG(17, 0)))
				b := randomModel(t, s, rand.New(rand.NewPCG(17, 0)))
				c.strip(a)
				c.zero(b)
				for _, m := range []*Model{a, b} {
					if err := m.Prepare(); err != nil {
						t.Fatalf("Prepare: %v", err)
					}
				}
				const n = 3
				w := readings(b, n*s.window, rand.New(rand.NewPCG(17, 1)))
				got, want := make([]float32, n*s.horiz), make([]float32, n*s.horiz)
				a.newRunner(n, k, defaultTile).Window(w, n, got)
				b.newRunner(n, k, defaultTile).Window(w, n, want)
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("out[%d] = %v, want %v (the explicit default)", i, got[i], want[i])
					}
				}
			})
		}
	}
}

// TestRunnersShareModel runs Runners of one Model on several goroutines at
// once (under -race this checks that a prepared Model is only read) and
// compares each result with a sequential run.
func TestRunnersShareModel(t *testing.T) {
	s := spec{CellLSTM, "tanh", ArchEncDec, NormLast, 16, 2, 2, 4, 6}
	m := randomModel(t, s, rand.New(rand.NewPCG(19, 0)))
	const b, workers = 20, 4
	w := readings(m, b*s.window, rand.New(rand.NewPCG(19, 1)))
	want := make([]float32, b*s.horiz)
	m.NewRunner(b).Window(w, b, want)
	got := make([][]float32, workers)
	var wg sync.WaitGroup
	for i := range got {
		got[i] = make([]float32, b*s.horiz)
		wg.Add(1)
		go func(out []float32) {
			defer wg.Done()
			r := m.NewRunner(7)
			for range 10 {
				r.Window(w, b, out)
			}
		}(got[i])
	}
	wg.Wait()
	for i := range got {
		for j := range want {
			if got[i][j] != want[j] {
				t.Fatalf("worker %d out[%d] = %v, want %v", i, j, got[i][j], want[j])
			}
		}
	}
}
