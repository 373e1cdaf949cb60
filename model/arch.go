package model

import (
	"fmt"
	"math"

	"github.com/rnncast/rnncast/scale"
)

// panelWidth is how many output columns one packed weight panel holds: two
// 8-lane AVX2 vectors. Every packed matrix has its columns padded to a
// multiple of it, so kernels never handle a partial panel.
const panelWidth = 16

// laneWidth is the vector width (float32 lanes) the cell updates work in.
// Each gate block of a packed matrix starts at a multiple of it.
const laneWidth = 8

// prepared holds kernel-ready copies of the weights (filled in by Prepare).
type prepared struct {
	arch    Arch
	norm    Norm
	inputs  int
	target  int
	window  int
	horizon int
	mean    []float64 // per input feature; 0 when Meta.Mean is empty.
	std     []float64 // per input feature; 1 when Meta.Std is empty.
	scaling scale.Mode
	alpha   float64 // Sensor scaling: scale.Alpha(Meta.HalfLife).
	hidden  int     // StateLen's recurrent part; the running statistics follow it.
	enc     stack
	dec     *stack // ArchEncDec only.
	head    packed // the linear head: out = h·FCWᵀ + FCB.
	headB   []float32
	headOut int // columns of the head: Horizon, or 1 for encdec/vec2seq.
	highway int       // Meta.Highway: the last values of the target the highway reads.
	hww     []float32 // Model.HWW, Horizon×highway.
}

// stack is one prepared recurrent network (all its layers).
type stack struct {
	cell   Cell
	relu   bool
	hidden int // H
	hp     int // H rounded up to laneWidth: gate block stride and state row stride.
	np     int // packed gate columns: Gates·hp rounded up to panelWidth.
	layers []stackLayer
}

// stackLayer is one layer's packed weights. For RNN and LSTM, bias holds
// b_ih + b_hh; for GRU, bias holds b_ih and bhh holds b_hh, because the n
// gate needs W_hn·h + b_hn on its own.
type stackLayer struct {
	in       int
	wih, whh packed
	bias     []float32
	bhh      []float32
}

// packed is a weight matrix W (n rows of k values, row-major as PyTorch
// stores it) laid out for the kernels: panels of panelWidth output columns,
// each panel k rows of panelWidth values, so w[(p·k+kk)·16+j] = W[p·16+j][kk].
type packed struct {
	w      []float32
	k      int // inputs (columns of W)
	panels int // output columns / panelWidth
}

// roundUp returns n rounded up to a multiple of m.
func roundUp(n, m int) int { return (n + m - 1) / m * m }

// Prepare validates the weights against Meta and builds the kernel-ready
// layout. Decode calls it; code that builds a Model by hand must too. It
// returns an error naming the expected and found shape of the first tensor
// or field that does not fit; it never panics on bad data.
func (m *Model) Prepare() error {
	p, err := m.prepare()
	if err != nil {
		return err
	}
	m.prep = p
	return nil
}

func (m *Model) prepare() (*prepared, error) {
	meta := &m.Meta
	if err := checkMeta(meta); err != nil {
		return nil, err
	}
	p := &prepared{
		arch:    archOf(meta.Arch),
		norm:    normOf(meta.Norm),
		inputs:  meta.Inputs,
		target:  meta.Target,
		window:  meta.Window,
		horizon: meta.Horizon,
	}
	var err error
	if p.mean, p.std, err = scaler(meta); err != nil {
		return nil, err
	}
	p.scaling, p.hidden = scalingOf(meta.Scaling), m.hiddenLen()
	switch {
	case p.scaling != scale.Global && p.scaling != scale.Window && p.scaling != scale.Sensor:
		return nil, fmt.Errorf("model: cannot prepare: unknown scaling %q (expected global, window or sensor)", meta.Scaling)
	case p.scaling == scale.Window && meta.Mode != "window":
		return nil, fmt.Errorf("model: cannot prepare: window scaling needs mode window, mode is %q", meta.Mode)
	case p.scaling == scale.Sensor && meta.Mode != "stateful":
		return nil, fmt.Errorf("model: cannot prepare: sensor scaling needs mode stateful, mode is %q", meta.Mode)
	}
	if p.scaling == scale.Sensor {
		if !(meta.HalfLife > 0) || math.IsInf(meta.HalfLife, 0) {
			return nil, fmt.Errorf("model: cannot prepare: sensor scaling needs a finite half-life > 0, found %v", meta.HalfLife)
		}
		p.alpha = scale.Alpha(meta.HalfLife)
	}
	cell := meta.Cell
	relu := meta.Nonlinearity == "relu"
	if err := checkRNN("encoder", &m.Encoder, cell, meta.Nonlinearity, meta.Hidden, meta.Layers, meta.Inputs); err != nil {
		return nil, err
	}
	p.enc = buildStack(&m.Encoder, cell, relu, meta.Hidden)
	if p.arch == ArchEncDec {
		if m.Decoder == nil {
			return nil, fmt.Errorf("model: cannot prepare: arch %q needs decoder weights, found none", p.arch)
		}
		if err := checkRNN("decoder", m.Decoder, cell, meta.Nonlinearity, meta.Hidden, meta.Layers, 1); err != nil {
			return nil, err
		}
		d := buildStack(m.Decoder, cell, relu, meta.Hidden)
		p.dec = &d
	} else if m.Decoder != nil {
		return nil, fmt.Errorf("model: cannot prepare: arch %q has no decoder, found decoder weights", p.arch)
	}
	p.headOut = meta.Horizon
	if p.arch == ArchEncDec || p.arch == ArchVec2Seq {
		p.headOut = 1
	}
	if err := checkHead(m.FCW, m.FCB, p.headOut, meta.Hidden); err != nil {
		return nil, err
	}
	p.head = pack(m.FCW, 1, p.headOut, p.headOut, meta.Hidden)
	p.headB = packBias(m.FCB, nil, 1, p.headOut, p.headOut)
	if err := checkHighway(m, p); err != nil {
		return nil, err
	}
	return p, nil
}

// checkHighway checks the linear highway (Meta.Highway, Model.HWW) and
// sets p's.
func checkHighway(m *Model, p *prepared) error {
	q := m.Meta.Highway
	switch {
	case q == 0 && m.HWW == nil:
		return nil
	case q < 0 || q > m.Meta.Window:
		return fmt.Errorf("model: cannot prepare: highway %d out of range [0, window %d]", q, m.Meta.Window)
	case q > 0 && (p.arch != ArchSeq2Vec || m.Meta.Mode != "window"):
		return fmt.Errorf("model: cannot prepare: a highway needs arch seq2vec and mode window (arch %s, mode %q)", p.arch, m.Meta.Mode)
	case len(m.HWW) != m.Meta.Horizon*q:
		return fmt.Errorf("model: cannot prepare: highway.weight has %d values, expected %d×%d = %d", len(m.HWW), m.Meta.Horizon, q, m.Meta.Horizon*q)
	}
	if err := checkFinite("highway.weight", m.HWW); err != nil {
		return err
	}
	p.highway, p.hww = q, m.HWW
	return nil
}

// archOf and normOf give the defaults of empty metadata fields.
func archOf(a Arch) Arch {
	if a == "" {
		return ArchSeq2Vec
	}
	return a
}

func normOf(n Norm) Norm {
	if n == "" {
		return NormNone
	}
	return n
}

// checkMeta validates the scalar metadata fields.
func checkMeta(meta *Meta) error {
	switch archOf(meta.Arch) {
	case ArchSeq2Vec, ArchSeq2Seq, ArchEncDec, ArchVec2Seq:
	default:
		return fmt.Errorf("model: cannot prepare: unknown arch %q (expected seq2vec, seq2seq, encdec or vec2seq)", meta.Arch)
	}
	switch meta.Cell {
	case CellRNN, CellLSTM, CellGRU:
	default:
		return fmt.Errorf("model: cannot prepare: unknown cell %q (expected rnn, lstm or gru)", meta.Cell)
	}
	switch normOf(meta.Norm) {
	case NormNone, NormLast:
	default:
		return fmt.Errorf("model: cannot prepare: unknown norm %q (expected none or last)", meta.Norm)
	}
	positive := []struct {
		name string
		v    int
	}{{"hidden", meta.Hidden}, {"layers", meta.Layers}, {"inputs", meta.Inputs}, {"window", meta.Window}, {"horizon", meta.Horizon}}
	for _, f := range positive {
		if f.v < 1 {
			return fmt.Errorf("model: cannot prepare: %s is %d, expected at least 1", f.name, f.v)
		}
	}
	if meta.Target < 0 || meta.Target >= meta.Inputs {
		return fmt.Errorf("model: cannot prepare: target is %d, expected 0 to %d", meta.Target, meta.Inputs-1)
	}
	// Window and Horizon size the Runner's buffers and loops but no tensor
	// bounds them, so a corrupt file could ask for any amount of memory.
	if meta.Window > maxWindowValues/meta.Inputs {
		return fmt.Errorf("model: cannot prepare: window×inputs is %d×%d, expected at most %d values", meta.Window, meta.Inputs, maxWindowValues)
	}
	if meta.Horizon > maxHorizon {
		return fmt.Errorf("model: cannot prepare: horizon is %d, expected at most %d", meta.Horizon, maxHorizon)
	}
	return nil
}

// Limits on metadata that no tensor bounds.
const (
	maxWindowValues = 1 << 20 // Window·Inputs
	maxHorizon      = 1 << 16
)

// scaler returns the per-feature mean and std, defaulting to 0 and 1.
func scaler(meta *Meta) (mean, std []float64, err error) {
	mean = make([]float64, meta.Inputs)
	std = make([]float64, meta.Inputs)
	for i := range std {
		std[i] = 1
	}
	if len(meta.Mean) != 0 && len(meta.Mean) != meta.Inputs {
		return nil, nil, fmt.Errorf("model: cannot prepare: mean has %d values, expected %d (one per input) or none", len(meta.Mean), meta.Inputs)
	}
	if len(meta.Std) != 0 && len(meta.Std) != meta.Inputs {
		return nil, nil, fmt.Errorf("model: cannot prepare: std has %d values, expected %d (one per input) or none", len(meta.Std), meta.Inputs)
	}
	copy(mean, meta.Mean)
	copy(std, meta.Std)
	for i := range mean {
		if math.IsNaN(mean[i]) || math.IsInf(mean[i], 0) {
			return nil, nil, fmt.Errorf("model: cannot prepare: mean[%d] is %v, expected a finite number", i, mean[i])
		}
		if !(std[i] > 0) || math.IsInf(std[i], 0) {
			return nil, nil, fmt.Errorf("model: cannot prepare: std[%d] is %v, expected a finite number > 0", i, std[i])
		}
	}
	return mean, std, nil
}

// checkRNN validates one recurrent network's fields and tensor sizes.
func checkRNN(name string, r *RNN, cell Cell, nonlin string, hidden, layers, in0 int) error {
	if r.Cell != "" && r.Cell != cell {
		return fmt.Errorf("model: cannot prepare: %s cell is %q, expected %q", name, r.Cell, cell)
	}
	if r.Hidden != 0 && r.Hidden != hidden {
		return fmt.Errorf("model: cannot prepare: %s hidden size is %d, expected %d", name, r.Hidden, hidden)
	}
	switch {
	case cell == CellRNN && nonlin != "" && nonlin != "tanh" && nonlin != "relu":
		return fmt.Errorf("model: cannot prepare: nonlinearity %q, expected tanh or relu", nonlin)
	case cell != CellRNN && nonlin != "" && nonlin != "tanh":
		return fmt.Errorf("model: cannot prepare: nonlinearity %q for cell %q, expected tanh", nonlin, cell)
	}
	if len(r.Layers) != layers {
		return fmt.Errorf("model: cannot prepare: %s has %d layers, expected %d", name, len(r.Layers), layers)
	}
	g := cell.Gates() * hidden
	for l := range r.Layers {
		in := hidden
		if l == 0 {
			in = in0
		}
		if err := checkLayer(fmt.Sprintf("%s layer %d", name, l), &r.Layers[l], g, in, hidden); err != nil {
			return err
		}
	}
	return nil
}

// checkLayer validates one layer's tensor sizes and values. Biases may be
// empty (PyTorch's bias=False).
func checkLayer(name string, ly *Layer, g, in, hidden int) error {
	if ly.In != 0 && ly.In != in {
		return fmt.Errorf("model: cannot prepare: %s input size is %d, expected %d", name, ly.In, in)
	}
	tensors := []struct {
		name      string
		v         []float32
		want      int
		emptyOK   bool
		shapeText string
	}{
		{"weight_ih", ly.Wih, g * in, false, fmt.Sprintf("%d×%d", g, in)},
		{"weight_hh", ly.Whh, g * hidden, false, fmt.Sprintf("%d×%d", g, hidden)},
		{"bias_ih", ly.Bih, g, true, fmt.Sprint(g)},
		{"bias_hh", ly.Bhh, g, true, fmt.Sprint(g)},
	}
	for _, t := range tensors {
		if len(t.v) != t.want && !(t.emptyOK && len(t.v) == 0) {
			return fmt.Errorf("model: cannot prepare: %s %s has %d values, expected %s = %d", name, t.name, len(t.v), t.shapeText, t.want)
		}
		if err := checkFinite(name+" "+t.name, t.v); err != nil {
			return err
		}
	}
	return nil
}

// checkHead validates the linear head: out×hidden weights, out biases.
func checkHead(w, b []float32, out, hidden int) error {
	if len(w) != out*hidden {
		return fmt.Errorf("model: cannot prepare: fc.weight has %d values, expected %d×%d = %d", len(w), out, hidden, out*hidden)
	}
	if len(b) != out && len(b) != 0 {
		return fmt.Errorf("model: cannot prepare: fc.bias has %d values, expected %d", len(b), out)
	}
	if err := checkFinite("fc.weight", w); err != nil {
		return err
	}
	return checkFinite("fc.bias", b)
}

// checkFinite reports the first NaN or infinite value of v.
func checkFinite(name string, v []float32) error {
	for i, x := range v {
		if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("model: cannot prepare: %s[%d] is %v, expected a finite number", name, i, x)
		}
	}
	return nil
}

// buildStack packs a validated RNN's weights.
func buildStack(r *RNN, cell Cell, relu bool, hidden int) stack {
	gates := cell.Gates()
	hp := roundUp(hidden, laneWidth)
	s := stack{cell: cell, relu: relu, hidden: hidden, hp: hp, np: roundUp(gates*hp, panelWidth)}
	for l := range r.Layers {
		ly := &r.Layers[l]
		in := len(ly.Wih) / (gates * hidden)
		sl := stackLayer{
			in:  in,
			wih: pack(ly.Wih, gates, hidden, hp, in),
			whh: pack(ly.Whh, gates, hidden, hp, hidden),
		}
		if cell == CellGRU {
			sl.bias = packBias(ly.Bih, nil, gates, hidden, hp)
			sl.bhh = packBias(ly.Bhh, nil, gates, hidden, hp)
		} else {
			sl.bias = packBias(ly.Bih, ly.Bhh, gates, hidden, hp)
		}
		s.layers = append(s.layers, sl)
	}
	return s
}

// pack lays out W ((gates·rows)×k, row-major) in panels, placing gate q's
// row j at output column q·stride+j; other columns are zero.
func pack(w []float32, gates, rows, stride, k int) packed {
	np := roundUp(gates*stride, panelWidth)
	p := packed{w: make([]float32, np*k), k: k, panels: np / panelWidth}
	for q := 0; q < gates; q++ {
		for j := 0; j < rows; j++ {
			col := q*stride + j
			panel, lane := col/panelWidth, col%panelWidth
			src := w[(q*rows+j)*k : (q*rows+j+1)*k]
			for kk, v := range src {
				p.w[(panel*k+kk)*panelWidth+lane] = v
			}
		}
	}
	return p
}

// packBias returns a+b (either may be empty) laid out by output column
// like pack, padded to whole panels.
func packBias(a, b []float32, gates, rows, stride int) []float32 {
	out := make([]float32, roundUp(gates*stride, panelWidth))
	for q := 0; q < gates; q++ {
		for j := 0; j < rows; j++ {
			var v float32
			if len(a) != 0 {
				v += a[q*rows+j]
			}
			if len(b) != 0 {
				v += b[q*rows+j]
			}
			out[q*stride+j] = v
		}
	}
	return out
}

// StateLen returns how many float32 values one key's carried state holds:
// the recurrent state, Layers·Hidden (RNN, GRU) or 2·Layers·Hidden (LSTM: h
// of every layer, then c of every layer; for ArchEncDec the encoder's, for
// ArchVec2Seq none), then under Sensor scaling the key's running statistics,
// 3·Inputs values (scale.Running's Mean, Var, N per feature), so that
// whatever carries, checkpoints and restores the state carries them too. It
// reads only Meta, so it works before Prepare.
func (m *Model) StateLen() int {
	n := m.hiddenLen()
	if scalingOf(m.Meta.Scaling) == scale.Sensor {
		n += runningLen * m.Meta.Inputs
	}
	return n
}

// runningLen is the float32s of one feature's scale.Running in a state.
const runningLen = 3

// hiddenLen is StateLen's recurrent part.
func (m *Model) hiddenLen() int {
	if archOf(m.Meta.Arch) == ArchVec2Seq {
		return 0
	}
	n := m.Meta.Layers * m.Meta.Hidden
	if m.Meta.Cell == CellLSTM {
		n *= 2
	}
	return n
}
