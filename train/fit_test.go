package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rnncast/rnncast/model"
)

// TestFitKeepsBest checks early stopping: training ends Patience epochs
// after the best validation epoch (or at Epochs), and the returned weights
// are the best epoch's (re-validating them gives Best).
func TestFitKeepsBest(t *testing.T) {
	d := seasonal(600, 11)
	for _, mode := range []string{ModeWindow, ModeStateful} {
		c := smallConfig(mode, model.CellGRU)
		c.Epochs, c.Patience, c.LR = 30, 2, 0.05 // a high rate makes validation bounce.
		c = c.withDefaults()
		a := Arch{Cell: c.Cell, Nonlinearity: c.Nonlinearity, Hidden: c.Hidden, Layers: c.Layers, Inputs: d.Features, Out: c.Horizon}
		mean, std := d.Scaler(d.TrainEnd)
		r := newRegime(c, d, d.scaled(mean, std), a, false)
		rng := rand.New(rand.NewPCG(c.Seed, 1))
		n := newNet(a, initParams(a, rng))
		hist, err := fit(c, r, n, rng, nil)
		if err != nil {
			t.Fatal(err)
		}
		last := hist[len(hist)-1]
		t.Logf("%s: stopped at epoch %d, best %d", mode, last.N, last.BestN)
		if last.N != c.Epochs && last.N != last.BestN+c.Patience {
			t.Errorf("%s: stopped at epoch %d with best %d, want best+patience %d or %d",
				mode, last.N, last.BestN, last.BestN+c.Patience, c.Epochs)
		}
		if got := r.validate(n); math.Abs(got-last.Best) > 1e-12 {
			t.Errorf("%s: got validation MSE %.6f from the returned weights, want the best %.6f", mode, got, last.Best)
		}
	}
}

func TestAdamMinimizesQuadratic(t *testing.T) {
	p := []float64{5, -3, 0.5}
	g := make([]float64, len(p))
	opt := newAdam(len(p), 0.1)
	for i := 0; i < 500; i++ {
		for j, v := range p {
			g[j] = 2 * (v - float64(j)) // minimum at p = (0, 1, 2).
		}
		opt.step(p, g)
	}
	for j, v := range p {
		if math.Abs(v-float64(j)) > 1e-2 {
			t.Errorf("p[%d]: got %.4f, want %d", j, v, j)
		}
	}
}

func TestClipNorm(t *testing.T) {
	cases := []struct {
		g        []float64
		max      float64
		wantNorm float64
		want     []float64
	}{
		{[]float64{3, 4}, 1, 5, []float64{0.6, 0.8}},
		{[]float64{3, 4}, 10, 5, []float64{3, 4}},
		{[]float64{0, 0}, 1, 0, []float64{0, 0}},
	}
	for _, c := range cases {
		got := clipNorm(c.g, c.max)
		if math.Abs(got-c.wantNorm) > 1e-12 {
			t.Errorf("got norm %v, want %v", got, c.wantNorm)
		}
		for i := range c.want {
			if math.Abs(c.g[i]-c.want[i]) > 1e-12 {
				t.Errorf("got clipped %v, want %v", c.g, c.want)
				break
			}
		}
	}
}
