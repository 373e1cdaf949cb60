package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/scale"
)

// Epoch reports one finished epoch to a progress callback.
type Epoch struct {
	N, Max   int     // this epoch (from 1) and the maximum.
	Loss     float64 // mean training loss (MSE, standardized scale).
	ValLoss  float64 // validation MSE after the epoch.
	Best     float64 // best validation MSE so far.
	BestN    int     // the epoch that reached Best.
	Stopping bool    // early stopping ends training after this epoch.
}

// Result is a finished training run.
type Result struct {
	Model   *model.Model // the weights of the best validation epoch.
	History []Epoch
}

// regime is one way of cutting the series into minibatches.
type regime interface {
	epoch(n, g *net, opt *adam, rng *rand.Rand) float64
	validate(n *net) float64
}

// Train fits a network to d with the settings c and returns the model of the
// epoch with the lowest validation loss. progress, when not nil, is called
// after every epoch.
func Train(c Config, d *Data, progress func(Epoch)) (*Result, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	if err := d.validate(c); err != nil {
		return nil, err
	}
	sc, err := c.scaling(d)
	if err != nil {
		return nil, err
	}
	var mean, std []float64
	s := d.Values // window scaling: original units, each window scaled in the regime.
	if sc == scale.Global {
		mean, std = d.Scaler(d.TrainEnd)
		s = d.scaled(mean, std)
	}
	a := Arch{Kind: c.Arch, Cell: c.Cell, Nonlinearity: c.Nonlinearity, Hidden: c.Hidden, Layers: c.Layers, Inputs: d.Features, Out: c.Horizon,
		Highway: c.Highway}
	if c.Highway < 0 {
		a.Highway = c.Window
	}
	if c.Arch == model.ArchEncDec || c.Arch == model.ArchVec2Seq {
		a.Out = 1 // one value per decoder step.
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0x726e6e63617374))
	n := newNet(a, initParams(a, rng))
	hist, err := fit(c, newRegime(c, d, s, a, sc == scale.Window), n, rng, progress)
	if err != nil {
		return nil, err
	}
	mt := meta(c, d, mean, std)
	if sc != scale.Global {
		mt.Scaling = sc
	}
	m, err := n.toModel(mt)
	if err != nil {
		return nil, err
	}
	return &Result{Model: m, History: hist}, nil
}

func newRegime(c Config, d *Data, s []float64, a Arch, perWindow bool) regime {
	if c.Arch != model.ArchSeq2Vec && c.Mode == ModeWindow {
		return newArchWindow(c, d, s, a, perWindow) // arch_window.go
	}
	if c.Arch == model.ArchEncDec || c.Arch == model.ArchVec2Seq {
		return newArchStateful(c, d, s, a) // arch_stateful.go
	}
	// seq2seq's stateful regime is seq2vec's: the head at every step.
	if c.Mode == ModeWindow {
		return newWindowRegime(c, d, s, a, perWindow)
	}
	return newStatefulRegime(c, d, s, a)
}

// fit runs epochs until Epochs or Patience runs out and leaves n holding the
// best validation epoch's weights. The learning rate halves every
// Patience/2 epochs without a better validation loss.
func fit(c Config, r regime, n *net, rng *rand.Rand, progress func(Epoch)) ([]Epoch, error) {
	g := newNet(n.arch, make([]float64, len(n.p)))
	opt := newAdam(len(n.p), c.LR)
	best := append([]float64(nil), n.p...)
	e := Epoch{Max: c.Epochs, Best: math.Inf(1)}
	var hist []Epoch
	for e.N = 1; e.N <= c.Epochs && !e.Stopping; e.N++ {
		e.Loss = r.epoch(n, g, opt, rng)
		e.ValLoss = r.validate(n)
		if math.IsNaN(e.Loss) || math.IsNaN(e.ValLoss) {
			return hist, fmt.Errorf("train: loss is NaN at epoch %d (lower the learning rate)", e.N)
		}
		if e.ValLoss < e.Best {
			e.Best, e.BestN = e.ValLoss, e.N
			copy(best, n.p)
		}
		e.Stopping = e.N-e.BestN >= c.Patience || e.N == c.Epochs
		if stale := e.N - e.BestN; stale > 0 && stale%max(1, c.Patience/2) == 0 {
			opt.lr /= 2 // reduce on plateau.
		}
		hist = append(hist, e)
		if progress != nil {
			progress(e)
		}
	}
	copy(n.p, best)
	return hist, nil
}

func meta(c Config, d *Data, mean, std []float64) model.Meta {
	return model.Meta{
		Name: c.Name, Version: c.Version, Target: d.Target,
		Window: c.Window, Horizon: c.Horizon, Interval: d.Interval,
		Mean: mean, Std: std, Norm: c.Norm, Mode: c.Mode,
	}
}
