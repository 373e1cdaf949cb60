package train

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rnncast/rnncast/model"
)

// seasonal returns rows of a noisy daily-seasonal series with a second,
// correlated feature; feature 0 is the target.
func seasonal(rows int, seed uint64) *Data {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &Data{Features: 2, Target: 0, TrainEnd: rows * 6 / 10, ValEnd: rows * 8 / 10, Interval: time.Hour}
	for r := 0; r < rows; r++ {
		day := math.Sin(2 * math.Pi * float64(r) / 24)
		d.Values = append(d.Values, 20+5*day+0.3*rng.NormFloat64(), 3*day+rng.NormFloat64())
	}
	return d
}

func smallConfig(mode string, cell model.Cell) Config {
	return Config{Mode: mode, Cell: cell, Hidden: 8, Window: 24, Horizon: 6, Epochs: 4, Batch: 8,
		Samples: 256, Chunk: 16, LR: 1e-2, Seed: 7}
}

// TestTrainLearns checks that a short training run of each regime and cell
// ends with a validation MSE well below the repeat-last-value forecast's.
func TestTrainLearns(t *testing.T) {
	d := seasonal(1200, 3)
	repeat := repeatMSE(d, 6)
	for _, mode := range []string{ModeWindow, ModeStateful} {
		for _, cell := range []model.Cell{model.CellRNN, model.CellGRU, model.CellLSTM} {
			t.Run(mode+"/"+string(cell), func(t *testing.T) {
				res, err := Train(smallConfig(mode, cell), d, nil)
				if err != nil {
					t.Fatal(err)
				}
				h := res.History
				best := h[len(h)-1].Best
				if best > 0.5*repeat {
					t.Errorf("got best validation MSE %.4f, want below half of repeat's %.4f", best, repeat)
				}
				if res.Model.Meta.Mode != mode || res.Model.Meta.Norm != model.NormLast {
					t.Errorf("got meta mode %q norm %q", res.Model.Meta.Mode, res.Model.Meta.Norm)
				}
			})
		}
	}
}

// repeatMSE scores the repeat-last-value forecast on d's validation rows,
// standardized with the train rows' scaler.
func repeatMSE(d *Data, h int) float64 {
	mean, std := d.Scaler(d.TrainEnd)
	s := d.scaled(mean, std)
	var sum float64
	var n int
	for e := d.TrainEnd; e+h <= d.ValEnd; e++ {
		for k := 0; k < h; k++ {
			x := s[(e+k)*d.Features] - s[(e-1)*d.Features]
			sum, n = sum+x*x, n+1
		}
	}
	return sum / float64(n)
}

// TestTrainDeterministic checks that one seed gives the same weights twice
// and another seed different ones.
func TestTrainDeterministic(t *testing.T) {
	d := seasonal(600, 5)
	fp := func(seed uint64) string {
		c := smallConfig(ModeStateful, model.CellGRU)
		c.Epochs, c.Seed = 2, seed
		res, err := Train(c, d, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.Model.Fingerprint()
	}
	a, b, other := fp(1), fp(1), fp(2)
	if a != b {
		t.Errorf("got fingerprints %s and %s from one seed, want equal", a, b)
	}
	if a == other {
		t.Errorf("got fingerprint %s from two seeds, want different", a)
	}
}

func TestConfigValidate(t *testing.T) {
	bad := []Config{
		{Mode: "online"}, {Cell: "transformer"}, {Nonlinearity: "gelu"}, {Norm: "revin"},
		{Hidden: -1}, {LR: -1}, {Epochs: -2},
	}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) got nil error, want one", c)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("Validate(defaults) got %v, want nil", err)
	}
}
