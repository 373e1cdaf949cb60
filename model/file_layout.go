package model

import (
	"fmt"
	"sort"
)

// tensorSpec is one tensor an architecture needs: its state_dict name, its
// shape, and the Model field that holds it.
type tensorSpec struct {
	name  string
	shape []int
	bias  bool
	slot  *[]float32
}

func (s tensorSpec) size() int {
	n := 1
	for _, d := range s.shape {
		n *= d
	}
	return n
}

// headOut returns the rows of the head ("fc.weight"): Horizon for seq2vec
// and seq2seq, 1 for encdec and vec2seq, whose decoders emit one value per
// step.
func headOut(meta *Meta) int {
	if a := archOf(meta.Arch); a == ArchEncDec || a == ArchVec2Seq {
		return 1
	}
	return meta.Horizon
}

// skeleton returns a Model with meta and empty layers of the right input
// sizes, ready for layout to bind.
func skeleton(meta Meta) *Model {
	m := &Model{Meta: meta}
	m.Encoder = emptyRNN(&meta, meta.Inputs)
	if archOf(meta.Arch) == ArchEncDec {
		d := emptyRNN(&meta, 1)
		m.Decoder = &d
	}
	return m
}

func emptyRNN(meta *Meta, in int) RNN {
	r := RNN{Cell: meta.Cell, Nonlinearity: meta.Nonlinearity, Hidden: meta.Hidden, Layers: make([]Layer, meta.Layers)}
	for l := range r.Layers {
		r.Layers[l].In = in
		in = meta.Hidden
	}
	return r
}

// layout lists m's tensors in canonical order (encoder or rnn layers, then
// decoder layers, then the head), bound to m's fields. It reports an error
// when m's layer structure does not match its Meta.
func layout(m *Model) ([]tensorSpec, error) {
	meta := &m.Meta
	encPrefix := "rnn"
	if archOf(meta.Arch) == ArchEncDec {
		encPrefix = "encoder"
		if m.Decoder == nil {
			return nil, fmt.Errorf("model: arch encdec needs a decoder, found none")
		}
	} else if m.Decoder != nil {
		return nil, fmt.Errorf("model: arch %s has no decoder, found one", archOf(meta.Arch))
	}
	specs, err := rnnLayout(encPrefix, &m.Encoder, meta, meta.Inputs)
	if err != nil {
		return nil, err
	}
	if m.Decoder != nil {
		dec, err := rnnLayout("decoder", m.Decoder, meta, 1)
		if err != nil {
			return nil, err
		}
		specs = append(specs, dec...)
	}
	out := headOut(meta)
	specs = append(specs,
		tensorSpec{name: "fc.weight", shape: []int{out, meta.Hidden}, slot: &m.FCW},
		tensorSpec{name: "fc.bias", shape: []int{out}, bias: true, slot: &m.FCB},
	)
	if meta.Highway > 0 {
		specs = append(specs, tensorSpec{name: "highway.weight", shape: []int{meta.Horizon, meta.Highway}, slot: &m.HWW})
	}
	return specs, nil
}

// rnnLayout lists one RNN's tensors with PyTorch's names and shapes.
func rnnLayout(prefix string, r *RNN, meta *Meta, in int) ([]tensorSpec, error) {
	if len(r.Layers) != meta.Layers {
		return nil, fmt.Errorf("model: %s has %d layers, metadata says %d", prefix, len(r.Layers), meta.Layers)
	}
	if meta.Cell != CellRNN && meta.Cell != CellLSTM && meta.Cell != CellGRU {
		return nil, fmt.Errorf("model: unknown cell %q", meta.Cell)
	}
	g := meta.Cell.Gates() * meta.Hidden
	specs := make([]tensorSpec, 0, 4*len(r.Layers))
	for l := range r.Layers {
		ly := &r.Layers[l]
		specs = append(specs,
			tensorSpec{name: fmt.Sprintf("%s.weight_ih_l%d", prefix, l), shape: []int{g, in}, slot: &ly.Wih},
			tensorSpec{name: fmt.Sprintf("%s.weight_hh_l%d", prefix, l), shape: []int{g, meta.Hidden}, slot: &ly.Whh},
			tensorSpec{name: fmt.Sprintf("%s.bias_ih_l%d", prefix, l), shape: []int{g}, bias: true, slot: &ly.Bih},
			tensorSpec{name: fmt.Sprintf("%s.bias_hh_l%d", prefix, l), shape: []int{g}, bias: true, slot: &ly.Bhh},
		)
		in = meta.Hidden
	}
	return specs, nil
}

// fillTensors converts the file's tensors into the slots of specs. It
// reports, in canonical order, the first missing tensor, wrong shape or
// non-finite value, then any tensor the architecture does not use. Absent
// biases become zeros when the metadata says bias=false.
func fillTensors(specs []tensorSpec, tensors map[string]rawTensor, fm *fileMeta) error {
	used := make(map[string]bool, len(specs))
	for _, s := range specs {
		t, ok := tensors[s.name]
		if !ok {
			if s.bias && !fm.bias {
				*s.slot = make([]float32, s.size())
				continue
			}
			return tensorErr(ErrMissingTensor, s.name, "required by arch %s, cell %s, layers %d", fm.Arch, fm.Cell, fm.Layers)
		}
		used[s.name] = true
		if !equalShape(t.shape, s.shape) {
			return tensorErr(ErrShape, s.name, "shape is %v, want %v (%s)", t.shape, s.shape, shapeWhy(&fm.Meta))
		}
		vals, err := t.float32s()
		if err != nil {
			return err
		}
		*s.slot = vals
	}
	return unexpected(tensors, used, &fm.Meta)
}

// unexpected reports the first (by name) tensor the layout did not use.
func unexpected(tensors map[string]rawTensor, used map[string]bool, meta *Meta) error {
	var extra []string
	for name := range tensors {
		if !used[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	sort.Strings(extra)
	return tensorErr(ErrUnexpectedTensor, extra[0], "not used by arch %s, layers %d (%s)", archOf(meta.Arch), meta.Layers, shapeWhy(meta))
}

// shapeWhy names the metadata that determines the expected shapes.
func shapeWhy(meta *Meta) string {
	return fmt.Sprintf("metadata: cell=%s hidden_size=%d input_size=%d horizon=%d", meta.Cell, meta.Hidden, meta.Inputs, meta.Horizon)
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TensorInfo describes one tensor of a model file: its PyTorch state_dict
// name and shape.
type TensorInfo struct {
	Name  string
	Shape []int
}

// Tensors lists the tensors Encode writes for m, in file order. It returns
// nil when m's layers do not match its Meta (Encode would fail too).
func (m *Model) Tensors() []TensorInfo {
	specs, err := layout(m)
	if err != nil {
		return nil
	}
	out := make([]TensorInfo, len(specs))
	for i, s := range specs {
		out[i] = TensorInfo{Name: s.name, Shape: s.shape}
	}
	return out
}
