package model

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// This file is the reference the fast kernels are tested and benchmarked
// against: a straightforward per-key float64 implementation on gonum mat
// (VecDense, MulVec, math.Tanh, math.Exp) written from PyTorch's documented
// equations, sharing no code with the Runner.

// refLayer is one layer's weights as gonum matrices.
type refLayer struct {
	wih, whh *mat.Dense
	bih, bhh *mat.VecDense
	gi, gh   *mat.VecDense // scratch: W_i·x + b_i and W_h·h + b_h.
}

// refNet is one recurrent stack.
type refNet struct {
	cell   Cell
	relu   bool
	hidden int
	layers []refLayer
}

// refModel is a Model in float64.
type refModel struct {
	meta     Meta
	enc      *refNet
	dec      *refNet
	fcw      *mat.Dense
	fcb      *mat.VecDense
	y        *mat.VecDense // scratch: head output.
	mean     []float64
	std      []float64
	stateLen int
}

func newRefModel(m *Model) *refModel {
	rm := &refModel{meta: m.Meta, stateLen: m.StateLen()}
	rm.enc = newRefNet(&m.Encoder, m.Meta)
	if m.Decoder != nil {
		rm.dec = newRefNet(m.Decoder, m.Meta)
	}
	out := len(m.FCB)
	rm.fcw = mat.NewDense(out, m.Meta.Hidden, f64(m.FCW))
	rm.fcb = mat.NewVecDense(out, f64(m.FCB))
	rm.y = mat.NewVecDense(out, nil)
	rm.mean, rm.std = make([]float64, m.Meta.Inputs), make([]float64, m.Meta.Inputs)
	for f := range rm.std {
		rm.std[f] = 1
	}
	copy(rm.mean, m.Meta.Mean)
	copy(rm.std, m.Meta.Std)
	return rm
}

func newRefNet(r *RNN, meta Meta) *refNet {
	g := meta.Cell.Gates() * meta.Hidden
	n := &refNet{cell: meta.Cell, relu: meta.Nonlinearity == "relu", hidden: meta.Hidden}
	for _, ly := range r.Layers {
		in := len(ly.Wih) / g
		n.layers = append(n.layers, refLayer{
			wih: mat.NewDense(g, in, f64(ly.Wih)),
			whh: mat.NewDense(g, meta.Hidden, f64(ly.Whh)),
			bih: mat.NewVecDense(g, f64(ly.Bih)),
			bhh: mat.NewVecDense(g, f64(ly.Bhh)),
			gi:  mat.NewVecDense(g, nil),
			gh:  mat.NewVecDense(g, nil),
		})
	}
	return n
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// refState is one key's state: h and c per layer.
type refState struct{ h, c []*mat.VecDense }

func (n *refNet) zeroState() *refState {
	s := &refState{}
	for range n.layers {
		s.h = append(s.h, mat.NewVecDense(n.hidden, nil))
		s.c = append(s.c, mat.NewVecDense(n.hidden, nil))
	}
	return s
}

func (s *refState) clone() *refState {
	c := &refState{}
	for l := range s.h {
		c.h = append(c.h, mat.VecDenseCopyOf(s.h[l]))
		c.c = append(c.c, mat.VecDenseCopyOf(s.c[l]))
	}
	return c
}

// step advances s by one input x through every layer.
func (n *refNet) step(s *refState, x []float64) {
	n.stepVec(s, mat.NewVecDense(len(x), append([]float64(nil), x...)))
}

// stepVec is step with the input as a vector; it allocates nothing.
func (n *refNet) stepVec(s *refState, x *mat.VecDense) {
	for l := range n.layers {
		n.cellStep(&n.layers[l], s.h[l], s.c[l], x)
		x = s.h[l]
	}
}

// cellStep applies PyTorch's equations for one layer.
func (n *refNet) cellStep(ly *refLayer, h, c, x *mat.VecDense) {
	H := n.hidden
	gi, gh := ly.gi, ly.gh
	gi.MulVec(ly.wih, x)
	gi.AddVec(gi, ly.bih)
	gh.MulVec(ly.whh, h)
	gh.AddVec(gh, ly.bhh)
	for j := 0; j < H; j++ {
		switch n.cell {
		case CellRNN:
			a := gi.AtVec(j) + gh.AtVec(j)
			if n.relu {
				h.SetVec(j, math.Max(a, 0))
			} else {
				h.SetVec(j, math.Tanh(a))
			}
		case CellLSTM:
			i := sigmoid(gi.AtVec(j) + gh.AtVec(j))
			f := sigmoid(gi.AtVec(H+j) + gh.AtVec(H+j))
			g := math.Tanh(gi.AtVec(2*H+j) + gh.AtVec(2*H+j))
			o := sigmoid(gi.AtVec(3*H+j) + gh.AtVec(3*H+j))
			cn := f*c.AtVec(j) + i*g
			c.SetVec(j, cn)
			h.SetVec(j, o*math.Tanh(cn))
		case CellGRU:
			r := sigmoid(gi.AtVec(j) + gh.AtVec(j))
			z := sigmoid(gi.AtVec(H+j) + gh.AtVec(H+j))
			nn := math.Tanh(gi.AtVec(2*H+j) + r*gh.AtVec(2*H+j))
			h.SetVec(j, (1-z)*nn+z*h.AtVec(j))
		}
	}
}

// head returns fc(h).
func (rm *refModel) head(h *mat.VecDense) []float64 {
	return append([]float64(nil), rm.headVec(h)...)
}

// headVec returns fc(h) in scratch memory that the next call overwrites.
func (rm *refModel) headVec(h *mat.VecDense) []float64 {
	rm.y.MulVec(rm.fcw, h)
	rm.y.AddVec(rm.y, rm.fcb)
	return rm.y.RawVector().Data
}

func (rm *refModel) top(s *refState) *mat.VecDense { return s.h[len(s.h)-1] }

// decode runs encdec's decoder from state s, first input x0.
func (rm *refModel) decode(s *refState, x0 float64) []float64 {
	d := s.clone()
	out := make([]float64, rm.meta.Horizon)
	in := x0
	for k := range out {
		rm.dec.step(d, []float64{in})
		in = rm.head(rm.top(d))[0]
		out[k] = in
	}
	return out
}

// vec2seq runs the encoder Horizon steps from zero with input x.
func (rm *refModel) vec2seq(x []float64) []float64 {
	s := rm.enc.zeroState()
	out := make([]float64, rm.meta.Horizon)
	for k := range out {
		rm.enc.step(s, x)
		out[k] = rm.head(rm.top(s))[0]
	}
	return out
}

// windowRaw runs one scaled window (Window×Inputs) from zero state and
// returns the raw outputs: Horizon values, or Window×Horizon when seq.
func (rm *refModel) windowRaw(w [][]float64, seq bool) []float64 {
	meta := rm.meta
	if meta.Arch == ArchVec2Seq {
		return rm.vec2seq(w[len(w)-1])
	}
	s := rm.enc.zeroState()
	var out []float64
	for _, x := range w {
		rm.enc.step(s, x)
		if seq {
			out = append(out, rm.head(rm.top(s))...)
		}
	}
	switch {
	case seq:
		return out
	case meta.Arch == ArchEncDec:
		return rm.decode(s, w[len(w)-1][meta.Target])
	}
	return rm.head(rm.top(s))
}

// stepRaw advances state (flat, as the Runner stores it) by the scaled
// input x and returns the raw outputs.
func (rm *refModel) stepRaw(state []float64, x []float64) []float64 {
	meta := rm.meta
	if meta.Arch == ArchVec2Seq {
		return rm.vec2seq(x)
	}
	s := rm.unflatten(state)
	rm.enc.step(s, x)
	rm.flatten(s, state)
	if meta.Arch == ArchEncDec {
		return rm.decode(s, x[meta.Target])
	}
	return rm.head(rm.top(s))
}

func (rm *refModel) unflatten(state []float64) *refState {
	s := rm.enc.zeroState()
	H, L := rm.meta.Hidden, rm.meta.Layers
	for l := 0; l < L; l++ {
		for j := 0; j < H; j++ {
			s.h[l].SetVec(j, state[l*H+j])
			if rm.meta.Cell == CellLSTM {
				s.c[l].SetVec(j, state[(L+l)*H+j])
			}
		}
	}
	return s
}

func (rm *refModel) flatten(s *refState, state []float64) {
	H, L := rm.meta.Hidden, rm.meta.Layers
	for l := 0; l < L; l++ {
		for j := 0; j < H; j++ {
			state[l*H+j] = s.h[l].AtVec(j)
			if rm.meta.Cell == CellLSTM {
				state[(L+l)*H+j] = s.c[l].AtVec(j)
			}
		}
	}
}

// scale returns x in scaled space.
func (rm *refModel) scale(x []float32) []float64 {
	out := make([]float64, len(x))
	for f, v := range x {
		out[f] = (float64(v) - rm.mean[f]) / rm.std[f]
	}
	return out
}

func (rm *refModel) unscale(y []float64, ref float64) []float64 {
	t := rm.meta.Target
	out := make([]float64, len(y))
	for i, v := range y {
		out[i] = (v+ref)*rm.std[t] + rm.mean[t]
	}
	return out
}

// window is Window for one window in original units (Window×Inputs).
func (rm *refModel) window(w []float32, seq bool) []float64 {
	in := rm.meta.Inputs
	t := rm.meta.Target
	xs := make([][]float64, rm.meta.Window)
	for s := range xs {
		xs[s] = rm.scale(w[s*in : (s+1)*in])
	}
	ref := 0.0
	if rm.meta.Norm == NormLast {
		ref = xs[len(xs)-1][t]
		for s := range xs {
			xs[s][t] -= ref
		}
	}
	return rm.unscale(rm.windowRaw(xs, seq), ref)
}

// step is Step for one key in original units.
func (rm *refModel) step(state []float64, x []float32) []float64 {
	xs := rm.scale(x)
	ref := 0.0
	if rm.meta.Norm == NormLast {
		ref = xs[rm.meta.Target]
	}
	return rm.unscale(rm.stepRaw(state, xs), ref)
}
