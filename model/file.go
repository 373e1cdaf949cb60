package model

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// Load reads and decodes the model file at path (see Decode).
func Load(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("model: cannot load: %w", err)
	}
	m, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("model: cannot load %s: %w", path, err)
	}
	return m, nil
}

// Decode parses a safetensors model file: PyTorch state_dict tensor names
// (F32, F64, F16 or BF16) and the __metadata__ keys that
// docs/design/model-format.md defines. It validates the file's layout, the
// metadata, every tensor's presence, shape and finiteness, then prepares the
// Model for compute. Any problem with the file is a *FormatError wrapping
// one of the Err* kinds; Decode never panics on bad input.
func Decode(data []byte) (*Model, error) {
	kv, tensors, err := parseSafetensors(data)
	if err != nil {
		return nil, err
	}
	fm, err := parseMeta(kv)
	if err != nil {
		return nil, err
	}
	m := skeleton(fm.Meta)
	specs, err := layout(m)
	if err != nil {
		return nil, fmt.Errorf("model: cannot decode: %w", err)
	}
	if err := fillTensors(specs, tensors, &fm); err != nil {
		return nil, err
	}
	if err := m.Prepare(); err != nil {
		return nil, fmt.Errorf("model: cannot decode: %w", err)
	}
	return m, nil
}

// Encode returns m as a safetensors file: F32 tensors with PyTorch's
// state_dict names in canonical order and the metadata of Metadata. The
// output is deterministic: the same Model always encodes to the same bytes.
// It reports an error, and writes nothing, for a Model that Decode would
// reject.
func (m *Model) Encode() ([]byte, error) {
	kv := m.Metadata()
	if _, err := parseMeta(kv); err != nil {
		return nil, fmt.Errorf("model: cannot encode: %w", err)
	}
	specs, err := layout(m)
	if err != nil {
		return nil, fmt.Errorf("model: cannot encode: %w", err)
	}
	out := make([]outTensor, len(specs))
	for i, s := range specs {
		if err := checkSlot(s); err != nil {
			return nil, fmt.Errorf("model: cannot encode: %w", err)
		}
		out[i] = outTensor{name: s.name, shape: s.shape, data: *s.slot}
	}
	return writeSafetensors(kv, out)
}

// checkSlot checks that a Model field has the spec's size and finite values.
func checkSlot(s tensorSpec) error {
	if len(*s.slot) != s.size() {
		return tensorErr(ErrShape, s.name, "has %d values, shape %v needs %d", len(*s.slot), s.shape, s.size())
	}
	for i, v := range *s.slot {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return tensorErr(ErrNonFinite, s.name, "element %d is %v", i, v)
		}
	}
	return nil
}

// Save writes m's encoding to path atomically: to a temporary file in the
// same directory, synced, then renamed over path, so a reader never sees a
// partly written model.
func (m *Model) Save(path string) error {
	data, err := m.Encode()
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("model: cannot save: %w", err)
	}
	tmp := f.Name()
	if err := writeAndClose(f, data); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("model: cannot save %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("model: cannot save %s: %w", path, err)
	}
	return nil
}

func writeAndClose(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ParamCount returns the number of weights and biases in m (encoder,
// decoder and head), as PyTorch's sum(p.numel()) counts them with biases.
func (m *Model) ParamCount() int {
	n := len(m.FCW) + len(m.FCB) + len(m.HWW) + rnnParams(&m.Encoder)
	if m.Decoder != nil {
		n += rnnParams(m.Decoder)
	}
	return n
}

func rnnParams(r *RNN) int {
	n := 0
	for _, l := range r.Layers {
		n += len(l.Wih) + len(l.Whh) + len(l.Bih) + len(l.Bhh)
	}
	return n
}
