// Package modeltest builds seeded random models for tests and benchmarks
// of the packages that serve models (pipeline, fault tests). It is
// synchronous and starts nothing.
package modeltest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/scale"
)

// GRU describes a random stateful-or-window seq2vec GRU with one input
// feature (the target), scaled by Mean and Std (Scaling global, the zero
// value) or by its window's or sensor's own statistics.
type GRU struct {
	Name, Version   string
	Hidden, Layers  int
	Window, Horizon int
	Interval        time.Duration
	Mean, Std       float64
	Mode            string     // "stateful" or "window"
	Scaling         scale.Mode // window needs Mode window, sensor Mode stateful
	HalfLife        float64    // Scaling sensor's half-life in readings
	// Seed1 and Seed2 seed the PCG that draws the weights, uniform in
	// ±Scale/2, in PyTorch's state_dict order.
	Seed1, Seed2 uint64
	Scale        float64
}

// Build returns the prepared model.
func (s GRU) Build() (*model.Model, error) {
	rng := rand.New(rand.NewPCG(s.Seed1, s.Seed2))
	rnd := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.Float64()-0.5) * float32(s.Scale)
		}
		return v
	}
	g := model.CellGRU.Gates() * s.Hidden
	var ls []model.Layer
	for l := range s.Layers {
		in := s.Hidden
		if l == 0 {
			in = 1
		}
		ls = append(ls, model.Layer{In: in, Wih: rnd(g * in), Whh: rnd(g * s.Hidden), Bih: rnd(g), Bhh: rnd(g)})
	}
	m := &model.Model{
		Meta: model.Meta{Name: s.Name, Version: s.Version, Arch: model.ArchSeq2Vec, Cell: model.CellGRU,
			Nonlinearity: "tanh", Hidden: s.Hidden, Layers: s.Layers, Inputs: 1, Window: s.Window, Horizon: s.Horizon,
			Interval: s.Interval, Mean: []float64{s.Mean}, Std: []float64{s.Std}, Mode: s.Mode},
		Encoder: model.RNN{Cell: model.CellGRU, Nonlinearity: "tanh", Hidden: s.Hidden, Layers: ls},
		FCW:     rnd(s.Horizon * s.Hidden), FCB: rnd(s.Horizon),
	}
	if s.Scaling != "" && s.Scaling != scale.Global {
		m.Meta.Scaling, m.Meta.HalfLife, m.Meta.Mean, m.Meta.Std = s.Scaling, s.HalfLife, nil, nil
	}
	if err := m.Prepare(); err != nil {
		return nil, fmt.Errorf("modeltest: cannot prepare %s: %w", s.Name, err)
	}
	return m, nil
}
