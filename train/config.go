package train

import (
	"errors"
	"fmt"

	"github.com/rnncast/rnncast/model"
)

// The training regimes, spelled as model.Meta.Mode.
const (
	ModeWindow   = "window"
	ModeStateful = "stateful"
)

// Config is a training run's settings. The zero value of every field means
// its default; the defaults are the settings of the ETT benchmark.
type Config struct {
	Mode         string     // ModeStateful (default) or ModeWindow.
	Cell         model.Cell // default model.CellGRU.
	Nonlinearity string     // CellRNN only: "tanh" (default) or "relu".
	Hidden       int        // hidden units per layer; default 64.
	Layers       int        // default 1.
	Horizon      int        // H, values forecast per step; default 24.
	// Window is L: the window regime's input length, and the stateful
	// regime's warm-up (steps each stream runs before its loss counts).
	// Default 336.
	Window int
	Norm   model.Norm // default model.NormLast.
	Epochs int        // maximum epochs; default 40.
	// Patience is how many epochs without a better validation loss end
	// training (the best weights are kept); default 6.
	Patience int
	// Batch is the windows per minibatch (window regime) or the parallel
	// streams of the series (stateful regime); default 64 / 16.
	Batch int
	// Samples is how many training windows one epoch draws (window regime);
	// default 4096; at most all of them.
	Samples int
	// Chunk is the stateful regime's truncated back-propagation length;
	// default 64.
	Chunk int
	// Shift is the stateful regime's level augmentation: each stream adds a
	// level drawn uniformly from ±Shift (standardized units) to the target
	// feature, in inputs and targets, so the model learns forecasts that do
	// not depend on the series' level (which drifts out of the train range).
	// Default 0 (none).
	Shift         float64
	LR            float64 // Adam's learning rate; default 1e-3.
	Clip          float64 // global gradient-norm bound; default 1.
	Seed          uint64  // default 1.
	Name, Version string  // copied to the model's metadata.
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if c.Mode == "" {
		c.Mode = ModeStateful
	}
	if c.Cell == "" {
		c.Cell = model.CellGRU
	}
	if c.Nonlinearity == "" {
		c.Nonlinearity = "tanh"
	}
	if c.Norm == "" {
		c.Norm = model.NormLast
	}
	def(&c.Hidden, 64)
	def(&c.Layers, 1)
	def(&c.Horizon, 24)
	def(&c.Window, 336)
	def(&c.Epochs, 40)
	def(&c.Patience, 6)
	def(&c.Samples, 4096)
	def(&c.Chunk, 64)
	if c.Mode == ModeWindow {
		def(&c.Batch, 64)
	} else {
		def(&c.Batch, 16)
	}
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.Clip == 0 {
		c.Clip = 1
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Name == "" {
		c.Name = "rnncast"
	}
	if c.Version == "" {
		c.Version = "1"
	}
	return c
}

// Validate reports the first invalid setting of c (after defaults).
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Mode != ModeWindow && c.Mode != ModeStateful:
		return fmt.Errorf("train: unknown mode %q (want window or stateful)", c.Mode)
	case c.Cell != model.CellRNN && c.Cell != model.CellGRU && c.Cell != model.CellLSTM:
		return fmt.Errorf("train: unknown cell %q", c.Cell)
	case c.Nonlinearity != "tanh" && c.Nonlinearity != "relu":
		return fmt.Errorf("train: unknown nonlinearity %q", c.Nonlinearity)
	case c.Norm != model.NormNone && c.Norm != model.NormLast:
		return fmt.Errorf("train: unknown norm %q", c.Norm)
	case c.Hidden < 1 || c.Layers < 1 || c.Horizon < 1 || c.Window < 1:
		return errors.New("train: hidden, layers, horizon and window must be positive")
	case c.Epochs < 1 || c.Patience < 1 || c.Batch < 1 || c.Samples < 1 || c.Chunk < 1:
		return errors.New("train: epochs, patience, batch, samples and chunk must be positive")
	case c.LR <= 0 || c.Clip <= 0 || c.Shift < 0:
		return errors.New("train: learning rate and clip must be positive, shift not negative")
	}
	return nil
}
