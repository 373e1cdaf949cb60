package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/rnncast/rnncast/model"
)

// Arch is the shape of the network being trained: a recurrent encoder of
// Layers layers and a linear head from the top layer's hidden state to Out
// values. Kind is the model package's architecture (empty: seq2vec); for
// encdec a decoder of Layers layers with input size 1 follows the encoder,
// and Out is 1 for encdec and vec2seq (arch_*.go).
type Arch struct {
	Kind         model.Arch
	Cell         model.Cell
	Nonlinearity string // "tanh" or "relu"; CellRNN only.
	Hidden       int
	Layers       int
	Inputs       int
	Out          int
	// Highway is q of a linear highway from the window's last q target
	// inputs to the Out outputs (seq2vec, window regime; 0: none).
	Highway int
}

// layer is one recurrent layer's parameters, as views into a flat vector, in
// PyTorch's layout: wih is (G·Hidden)×in, whh is (G·Hidden)×Hidden.
type layer struct {
	in                 int
	wih, whh, bih, bhh []float64
}

// net is a network's parameters as views into one flat vector p, so that the
// optimizer, clipping and copies work on p alone.
type net struct {
	arch     Arch
	p        []float64
	layers   []layer
	dec      []layer // encdec's decoder layers; nil otherwise.
	fcW, fcB []float64
	hw       []float64 // the highway's weight, Out×Highway; nil without one.
}

// size returns how many parameters the architecture has.
func (a Arch) size() int {
	gh := a.Cell.Gates() * a.Hidden
	n := 0
	for l := 0; l < a.Layers; l++ {
		in := a.Hidden
		if l == 0 {
			in = a.Inputs
		}
		n += gh*in + gh*a.Hidden + 2*gh
		if a.Kind == model.ArchEncDec {
			in = a.Hidden
			if l == 0 {
				in = 1
			}
			n += gh*in + gh*a.Hidden + 2*gh
		}
	}
	return n + a.Out*a.Hidden + a.Out + a.Out*a.Highway
}

// newNet lays views of the architecture's tensors over p (len a.size()).
func newNet(a Arch, p []float64) *net {
	if len(p) != a.size() {
		panic(fmt.Sprintf("train: parameter vector has %d values, want %d", len(p), a.size()))
	}
	n := &net{arch: a, p: p}
	gh := a.Cell.Gates() * a.Hidden
	take := func(k int) []float64 {
		s := p[:k:k]
		p = p[k:]
		return s
	}
	for l := 0; l < a.Layers; l++ {
		in := a.Hidden
		if l == 0 {
			in = a.Inputs
		}
		n.layers = append(n.layers, layer{
			in:  in,
			wih: take(gh * in), whh: take(gh * a.Hidden),
			bih: take(gh), bhh: take(gh),
		})
	}
	if a.Kind == model.ArchEncDec {
		for l := 0; l < a.Layers; l++ {
			in := a.Hidden
			if l == 0 {
				in = 1
			}
			n.dec = append(n.dec, layer{
				in:  in,
				wih: take(gh * in), whh: take(gh * a.Hidden),
				bih: take(gh), bhh: take(gh),
			})
		}
	}
	n.fcW = take(a.Out * a.Hidden)
	n.fcB = take(a.Out)
	if a.Highway > 0 {
		n.hw = take(a.Out * a.Highway)
	}
	return n
}

// initParams draws PyTorch's default initialization: every recurrent tensor
// uniform in ±1/√Hidden, the head's weight and bias uniform in ±1/√Hidden
// (nn.Linear's bound for fan-in Hidden). The highway, last, starts at zero:
// training begins from the recurrent network alone (a random map of q
// inputs would add noise of about q/3 times the inputs' variance).
func initParams(a Arch, rng *rand.Rand) []float64 {
	p := make([]float64, a.size())
	k := 1 / math.Sqrt(float64(a.Hidden))
	for i := range p[:len(p)-a.Out*a.Highway] {
		p[i] = (2*rng.Float64() - 1) * k
	}
	return p
}

// toModel converts the network to a prepared model.Model with the given
// metadata (its architecture fields are overwritten from the network).
func (n *net) toModel(meta model.Meta) (*model.Model, error) {
	a := n.arch
	meta.Arch = a.Kind
	if meta.Arch == "" {
		meta.Arch = model.ArchSeq2Vec
	}
	meta.Cell, meta.Hidden, meta.Layers, meta.Inputs = a.Cell, a.Hidden, a.Layers, a.Inputs
	meta.Nonlinearity = a.Nonlinearity
	if meta.Nonlinearity == "" {
		meta.Nonlinearity = "tanh"
	}
	m := &model.Model{
		Meta:    meta,
		Encoder: model.RNN{Cell: a.Cell, Nonlinearity: meta.Nonlinearity, Hidden: a.Hidden},
		FCW:     to32(n.fcW),
		FCB:     to32(n.fcB),
	}
	if a.Highway > 0 {
		m.Meta.Highway, m.HWW = a.Highway, to32(n.hw)
	}
	for _, l := range n.layers {
		m.Encoder.Layers = append(m.Encoder.Layers, model.Layer{
			In: l.in, Wih: to32(l.wih), Whh: to32(l.whh), Bih: to32(l.bih), Bhh: to32(l.bhh),
		})
	}
	if n.dec != nil {
		m.Decoder = &model.RNN{Cell: a.Cell, Nonlinearity: meta.Nonlinearity, Hidden: a.Hidden}
		for _, l := range n.dec {
			m.Decoder.Layers = append(m.Decoder.Layers, model.Layer{
				In: l.in, Wih: to32(l.wih), Whh: to32(l.whh), Bih: to32(l.bih), Bhh: to32(l.bhh),
			})
		}
	}
	if err := m.Prepare(); err != nil {
		return nil, fmt.Errorf("train: cannot prepare model: %w", err)
	}
	return m, nil
}

func to32(s []float64) []float32 {
	out := make([]float32, len(s))
	for i, v := range s {
		out[i] = float32(v)
	}
	return out
}
