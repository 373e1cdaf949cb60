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
// its default; the defaults are the settings of the ETT benchmark, and some
// depend on the regime (stateful / window).
type Config struct {
	// Arch is the model package's architecture: seq2vec (default),
	// seq2seq, encdec or vec2seq; each trains in both regimes.
	Arch         model.Arch
	Mode         string     // ModeStateful (default) or ModeWindow.
	Cell         model.Cell // default model.CellGRU.
	Nonlinearity string     // CellRNN only: "tanh" (default) or "relu".
	Hidden       int        // hidden units per layer; default 64 / 32.
	Layers       int        // default 1.
	Horizon      int        // H, values forecast per step; default 24.
	// Window is L: the window regime's input length, and the stateful
	// regime's warm-up (steps each stream runs before its loss counts).
	// Default 336.
	Window int
	Norm   model.Norm // default model.NormLast.
	Epochs int        // maximum epochs; default 100 / 20.
	// Patience is how many epochs without a better validation loss end
	// training (the best weights are kept); the learning rate halves every
	// Patience/2 such epochs. Default 10 / 4.
	Patience int
	// Batch is the parallel streams of the series (stateful regime) or the
	// windows per minibatch (window regime); default 8 / 64.
	Batch int
	// Samples is how many training windows one epoch draws (window regime);
	// default 2048; at most all of them.
	Samples int
	// Chunk is the stateful regime's truncated back-propagation length;
	// default 32.
	Chunk int
	// Shift is the stateful regime's level augmentation: each stream adds to
	// the target feature (inputs and targets) a level drawn each epoch
	// uniformly from ±Shift standard deviations, so that the forecasts do
	// not depend on the series' level, which drifts out of the train range.
	// Default 1; negative disables it. (Window models under NormLast are
	// level-free by construction.)
	Shift float64
	LR    float64 // Adam's learning rate; default 3e-3.
	Clip  float64 // global gradient-norm bound; default 1.
	Seed  uint64  // default 1.
	// Scaling is how the model scales its inputs (scale.Mode, the model
	// file's "scaling"): "global" (one mean and std from the train split,
	// the default for one series) or "window" (each window by its own mean
	// and std, RevIN-style; window mode; the default for a fleet, whose
	// sensors differ in scale).
	Scaling string
	// Highway is q of a linear highway from the window's last q (scaled,
	// normalized) target values to the forecast, added to the head
	// (LSTNet's autoregressive component; model.Meta.Highway): seq2vec in
	// the window regime only. 0: none; -1: the whole window.
	Highway       int
	Name, Version string // copied to the model's metadata; default "rnncast", "1".
}

// byMode returns the stateful or the window default.
func (c Config) byMode(stateful, window int) int {
	if c.Mode == ModeWindow {
		return window
	}
	return stateful
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defs := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	defs((*string)(&c.Arch), string(model.ArchSeq2Vec))
	defs(&c.Mode, ModeStateful)
	defs((*string)(&c.Cell), string(model.CellGRU))
	defs(&c.Nonlinearity, "tanh")
	defs((*string)(&c.Norm), string(model.NormLast))
	defs(&c.Name, "rnncast")
	defs(&c.Version, "1")
	def(&c.Hidden, c.byMode(64, 32))
	def(&c.Layers, 1)
	def(&c.Horizon, 24)
	def(&c.Window, 336)
	def(&c.Epochs, c.byMode(100, 20))
	def(&c.Patience, c.byMode(10, 4))
	def(&c.Batch, c.byMode(8, 64))
	def(&c.Samples, 2048)
	def(&c.Chunk, 32)
	c.Shift = defFloat(c.Shift, 1)
	if c.Shift < 0 || c.Mode == ModeWindow {
		c.Shift = 0
	}
	c.LR = defFloat(c.LR, 3e-3)
	c.Clip = defFloat(c.Clip, 1)
	if c.Seed == 0 {
		c.Seed = 1
	}
	return c
}

func defFloat(v, d float64) float64 {
	if v == 0 {
		return d
	}
	return v
}

// Validate reports the first invalid setting of c (after defaults).
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Arch != model.ArchSeq2Vec && c.Arch != model.ArchSeq2Seq && c.Arch != model.ArchEncDec && c.Arch != model.ArchVec2Seq:
		return fmt.Errorf("train: unknown arch %q (want seq2vec, seq2seq, encdec or vec2seq)", c.Arch)
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
	case c.LR <= 0 || c.Clip <= 0:
		return errors.New("train: learning rate and clip must be positive")
	case c.Highway < -1 || c.Highway > c.Window:
		return fmt.Errorf("train: highway %d out of range [0, window %d] (-1: the whole window)", c.Highway, c.Window)
	case c.Highway != 0 && (c.Arch != model.ArchSeq2Vec || c.Mode != ModeWindow):
		return fmt.Errorf("train: a highway needs -arch seq2vec and -mode window (arch %s, mode %s)", c.Arch, c.Mode)
	}
	return nil
}
