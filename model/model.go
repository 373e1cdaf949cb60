package model

import (
	"fmt"
	"time"

	"github.com/rnncast/rnncast/scale"
)

// Cell names a recurrent cell type, spelled as in the model file's metadata.
type Cell string

// The cells rnncast implements, with PyTorch's equations and gate orders.
const (
	CellRNN  Cell = "rnn"  // Elman RNN (nn.RNN), tanh or relu.
	CellLSTM Cell = "lstm" // nn.LSTM, gates i, f, g, o.
	CellGRU  Cell = "gru"  // nn.GRU, gates r, z, n.
)

// Gates returns how many gate blocks of Hidden rows a weight matrix of the
// cell has: 1 for RNN, 4 for LSTM, 3 for GRU.
func (c Cell) Gates() int {
	switch c {
	case CellRNN:
		return 1
	case CellLSTM:
		return 4
	case CellGRU:
		return 3
	}
	panic(fmt.Sprintf("model: unknown cell %q", string(c)))
}

// Arch names one of the course's architectures.
type Arch string

// The architectures of the course.
const (
	// ArchSeq2Vec runs a sequence and applies the head to the last hidden
	// state of the last layer: the course's Net. The default.
	ArchSeq2Vec Arch = "seq2vec"
	// ArchSeq2Seq applies the head at every step; served, the forecast is
	// the head's output at the newest step.
	ArchSeq2Seq Arch = "seq2seq"
	// ArchEncDec runs an encoder over the sequence; its final state seeds a
	// decoder that feeds back its own (scalar) output for Horizon steps.
	ArchEncDec Arch = "encdec"
	// ArchVec2Seq feeds one input vector (the newest reading) to a decoder
	// at each of Horizon steps from a zero state; the head maps each
	// step's hidden state to one value.
	ArchVec2Seq Arch = "vec2seq"
)

// Norm names an input normalization that is part of the model.
type Norm string

// The normalizations a model may declare in its metadata.
const (
	NormNone Norm = "none"
	// NormLast subtracts the window's last (scaled) target value from the
	// inputs and adds it back to every output (NLinear's trick).
	NormLast Norm = "last"
)

// Meta is what serving needs beyond the weights. It is stored as the
// safetensors __metadata__ map; DESIGN.md lists the keys.
type Meta struct {
	Name         string
	Version      string
	Arch         Arch
	Cell         Cell
	Nonlinearity string // "tanh" or "relu"; RNN only, "tanh" otherwise.
	Hidden       int
	Layers       int
	Inputs       int           // input features per reading.
	Target       int           // index of the forecast feature among Inputs.
	TargetName   string        // the target's column name when trained; "" when unknown.
	Window       int           // W: readings in a window (window mode, warm-up).
	Horizon      int           // H: values forecast per reading.
	Interval     time.Duration // the event-time grid step the model was trained on.
	Mean, Std    []float64     // per input feature, original units.
	Norm         Norm
	// Mode is the serving mode the model was trained for: "window" (zero
	// state over the last Window readings) or "stateful" (carried state).
	Mode string
	// Scaling is how inputs are put on the model's scale (package scale):
	// scale.Global (Mean and Std above; the default, also
	// spelled ""), scale.Window (each
	// window by its own statistics; Mode "window") or scale.Sensor (each
	// sensor's running statistics, carried in its state; Mode "stateful").
	Scaling scale.Mode
	// HalfLife is scale.Sensor's half-life in readings (> 0); 0 otherwise.
	HalfLife float64
	// Highway is the number of most recent (scaled, normalized) target
	// values of the window that a linear highway maps straight to the
	// forecast, added to the head's output (LSTNet's autoregressive
	// component, "highway.weight", Horizon×Highway); 0: none. Seq2vec in
	// window mode only.
	Highway int
}

// RNN holds the weights of one (possibly deep) recurrent network, laid out
// exactly as PyTorch's state_dict: row-major float32, gate blocks stacked in
// PyTorch's order.
type RNN struct {
	Cell         Cell
	Nonlinearity string
	Hidden       int
	Layers       []Layer
}

// Layer is one layer of an RNN. Wih is (Gates·Hidden)×In, Whh is
// (Gates·Hidden)×Hidden, biases have Gates·Hidden entries.
type Layer struct {
	In       int
	Wih, Whh []float32
	Bih, Bhh []float32
}

// Model is a loaded forecaster: metadata, the recurrent weights and a linear
// head. It is immutable after Prepare and safe for concurrent use; per-call
// scratch memory lives in a Runner.
type Model struct {
	Meta Meta
	// Encoder holds the tensors named "rnn.*" (or "encoder.*" for ArchEncDec).
	Encoder RNN
	// Decoder holds the tensors named "decoder.*"; ArchEncDec only.
	Decoder *RNN
	// FCW is the head's weight, Out×Hidden ("fc.weight"); FCB its bias.
	FCW, FCB []float32
	// HWW is the linear highway's weight, Horizon×Meta.Highway
	// ("highway.weight", no bias); nil without a highway.
	HWW []float32

	prep *prepared // kernel-ready weights; built by Prepare.
}
