package pipeline

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rnncast/rnncast/model"
)

// testModel returns a small prepared model with seeded random weights: a
// one-feature GRU (hidden 8) with window 4 and horizon 3 on a one-minute
// grid, served in mode.
func testModel(t testing.TB, mode string) *model.Model {
	t.Helper()
	const hidden, inputs, horizon = 8, 1, 3
	rng := rand.New(rand.NewPCG(7, 11))
	rnd := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(rng.Float64()-0.5) * 0.8
		}
		return s
	}
	g := model.CellGRU.Gates() * hidden
	m := &model.Model{
		Meta: model.Meta{Name: "test-gru", Version: "v1", Arch: model.ArchSeq2Vec, Cell: model.CellGRU,
			Nonlinearity: "tanh", Hidden: hidden, Layers: 1, Inputs: inputs, Window: 4, Horizon: horizon,
			Interval: time.Minute, Mean: []float64{20}, Std: []float64{5}, Mode: mode},
		Encoder: model.RNN{Cell: model.CellGRU, Nonlinearity: "tanh", Hidden: hidden, Layers: []model.Layer{{
			In: inputs, Wih: rnd(g * inputs), Whh: rnd(g * hidden), Bih: rnd(g), Bhh: rnd(g)}}},
		FCW: rnd(horizon * hidden), FCB: rnd(horizon),
	}
	if err := m.Prepare(); err != nil {
		t.Fatalf("cannot prepare test model: %v", err)
	}
	return m
}

// series returns n seeded readings of a noisy daily-ish sine around 20.
func series(seed uint64, n int) []float64 {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := make([]float64, n)
	for i := range out {
		out[i] = 20 + 5*math.Sin(float64(i)/6+float64(seed)) + rng.NormFloat64()*0.3
	}
	return out
}
