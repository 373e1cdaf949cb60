package pipeline

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/modeltest"
	"github.com/rnncast/rnncast/model"
)

// testModel returns a small prepared model with seeded random weights: a
// one-feature GRU (hidden 8) with window 4 and horizon 3 on a one-minute
// grid, served in mode.
func testModel(t testing.TB, mode string) *model.Model {
	t.Helper()
	m, err := modeltest.GRU{Name: "test-gru", Version: "v1", Hidden: 8, Layers: 1, Window: 4, Horizon: 3,
		Interval: time.Minute, Mean: 20, Std: 5, Mode: mode, Seed1: 7, Seed2: 11, Scale: 0.8}.Build()
	if err != nil {
		t.Fatalf("cannot build test model: %v", err)
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
