package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rnncast/rnncast/model"
)

// mseLoss returns the mean squared error of tp.y against want and sets tp.dy.
func mseLoss(tp *tape, want []float64) float64 {
	var s float64
	for i, y := range tp.y {
		d := y - want[i]
		s += d * d
		tp.dy[i] = 2 * d / float64(len(want))
	}
	return s / float64(len(want))
}

// TestGradients checks the backward pass of every cell, with one and two
// layers, with the head on every step (stateful) or on the last (window),
// against central finite differences of the float64 forward pass.
func TestGradients(t *testing.T) {
	cases := []struct {
		cell   model.Cell
		nonlin string
	}{{model.CellRNN, "tanh"}, {model.CellRNN, "relu"}, {model.CellGRU, ""}, {model.CellLSTM, ""}}
	for _, c := range cases {
		for layers := 1; layers <= 2; layers++ {
			for _, headFrom := range []int{0, 4} {
				name := fmt.Sprintf("%s%s/layers=%d/headFrom=%d", c.cell, c.nonlin, layers, headFrom)
				t.Run(name, func(t *testing.T) {
					checkGradients(t, Arch{Cell: c.cell, Nonlinearity: c.nonlin, Hidden: 3, Layers: layers, Inputs: 2, Out: 2}, headFrom)
				})
			}
		}
	}
}

func checkGradients(t *testing.T, a Arch, headFrom int) {
	t.Helper()
	const T, B, eps, tol = 5, 3, 1e-6, 1e-6
	rng := rand.New(rand.NewPCG(1, 2))
	n := newNet(a, initParams(a, rng))
	for i := range n.p {
		n.p[i] *= 3 // larger weights exercise the nonlinearities.
	}
	tp := newTape(a, T, B, headFrom)
	for i := range tp.x {
		tp.x[i] = rng.NormFloat64()
	}
	for l := range tp.ls { // a carried, non-zero initial state.
		for i := 0; i < B*a.Hidden; i++ {
			tp.ls[l].h[i] = rng.NormFloat64() * 0.5
			if tp.ls[l].c != nil {
				tp.ls[l].c[i] = rng.NormFloat64() * 0.5
			}
		}
	}
	want := make([]float64, len(tp.y))
	for i := range want {
		want[i] = rng.NormFloat64()
	}
	loss := func() float64 { n.forward(tp); return mseLoss(tp, want) }
	loss()
	g := newNet(a, make([]float64, a.size()))
	n.backward(g, tp)
	for i := range n.p {
		old := n.p[i]
		n.p[i] = old + eps
		up := loss()
		n.p[i] = old - eps
		down := loss()
		n.p[i] = old
		num := (up - down) / (2 * eps)
		if d := math.Abs(num - g.p[i]); d > tol*math.Max(1, math.Abs(num)) {
			t.Errorf("parameter %d: got gradient %.9g, want %.9g (finite difference)", i, g.p[i], num)
		}
	}
}
