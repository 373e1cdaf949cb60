package model

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// badFileBase returns a valid encoded seq2vec RNN (hidden 5, 2 layers, 3
// inputs, horizon 4) for the bad-file cases to break.
func badFileBase(t *testing.T, hidden int) []byte {
	t.Helper()
	meta := testMeta(ArchSeq2Vec, CellRNN, "tanh")
	meta.Hidden = hidden
	return mustEncode(t, fileModel(t, meta, rand.New(rand.NewPCG(21, 22))))
}

// putFloat32 overwrites element i of a tensor in the file's data section.
func (f *rawFile) putFloat32(name string, i int, v float32) {
	lo, _ := f.offsets(name)
	binary.LittleEndian.PutUint32(f.data[lo+4*i:], math.Float32bits(v))
}

func TestDecodeRejectsBadFiles(t *testing.T) {
	edit := func(change func(f *rawFile)) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			f := rawFileOf(t, badFileBase(t, 5))
			change(f)
			return f.bytes(t)
		}
	}
	raw := func(b []byte) func(t *testing.T) []byte { return func(*testing.T) []byte { return b } }
	for _, c := range []struct {
		name   string
		file   func(t *testing.T) []byte
		kind   error
		tensor string // the tensor the error must name, if any
		key    string // the metadata key the error must name, if any
		says   string // a substring of the message
	}{
		{"empty file", raw(nil), ErrTruncated, "", "", "0 bytes"},
		{"shorter than the length", raw([]byte{1, 0, 0}), ErrTruncated, "", "", "3 bytes"},
		{"header length beyond the file", func(t *testing.T) []byte {
			b := badFileBase(t, 5)
			binary.LittleEndian.PutUint64(b, uint64(len(b)))
			return b
		}, ErrTruncated, "", "", "exceeds"},
		{"truncated data", func(t *testing.T) []byte {
			b := badFileBase(t, 5)
			return b[:len(b)-3]
		}, ErrOffsets, "fc.bias", "", "out of range"},
		{"malformed JSON", raw(rawBytes([]byte(`{"fc.weight": {"dtype": "F32",`), nil)), ErrHeader, "", "", "JSON"},
		{"header not an object", raw(rawBytes([]byte(`[1, 2]`), nil)), ErrHeader, "", "", "JSON object"},
		{"metadata not strings", raw(rawBytes([]byte(`{"__metadata__": {"layers": 2}}`), nil)), ErrHeader, "", "", "__metadata__"},
		{"unknown entry field", edit(func(f *rawFile) { f.entry("fc.bias")["strides"] = []int{1} }), ErrHeader, "fc.bias", "", "strides"},
		{"unknown dtype", edit(func(f *rawFile) { f.entry("fc.bias")["dtype"] = "F99" }), ErrDType, "fc.bias", "", `"F99"`},
		{"unsupported dtype", edit(func(f *rawFile) { f.entry("rnn.bias_ih_l0")["dtype"] = "I32" }), ErrDType, "rnn.bias_ih_l0", "", `"I32"`},
		{"offsets out of range", edit(func(f *rawFile) {
			lo, hi := f.offsets("fc.bias")
			f.entry("fc.bias")["data_offsets"] = []int{lo + 4000, hi + 4000}
		}), ErrOffsets, "fc.bias", "", "out of range"},
		{"offsets reversed", edit(func(f *rawFile) {
			lo, hi := f.offsets("fc.bias")
			f.entry("fc.bias")["data_offsets"] = []int{hi, lo}
		}), ErrOffsets, "fc.bias", "", "out of range"},
		{"offsets overlap", edit(func(f *rawFile) {
			lo, hi := f.offsets("fc.weight")
			f.entry("fc.weight")["data_offsets"] = []int{lo - 4, hi - 4}
		}), ErrOffsets, "fc.weight", "", "overlapping"},
		{"offsets leave a gap", edit(func(f *rawFile) {
			f.data = append(f.data, 0, 0, 0, 0)
			lo, hi := f.offsets("fc.bias")
			f.entry("fc.bias")["data_offsets"] = []int{lo + 4, hi + 4}
		}), ErrOffsets, "fc.bias", "", "gap"},
		{"trailing bytes", edit(func(f *rawFile) { f.data = append(f.data, 0, 0, 0, 0) }), ErrOffsets, "", "", "cover"},
		{"offsets do not fit the shape", edit(func(f *rawFile) { f.entry("fc.bias")["shape"] = []int{5} }), ErrOffsets, "fc.bias", "", "needs 20"},
		{"negative dimension", edit(func(f *rawFile) { f.entry("fc.bias")["shape"] = []int{-4} }), ErrShape, "fc.bias", "", "-4"},
		{"missing weight", edit(func(f *rawFile) { f.remove(t, "rnn.weight_hh_l1") }), ErrMissingTensor, "rnn.weight_hh_l1", "", "layers 2"},
		{"missing bias", edit(func(f *rawFile) { f.remove(t, "rnn.bias_ih_l0") }), ErrMissingTensor, "rnn.bias_ih_l0", "", "required"},
		{"wrong shape", edit(func(f *rawFile) { f.entry("fc.weight")["shape"] = []int{5, 4} }), ErrShape, "fc.weight", "", "shape is [5 4], want [4 5]"},
		{"hidden_size contradicts the weights", func(t *testing.T) []byte {
			f := rawFileOf(t, badFileBase(t, 8))
			f.meta()["hidden_size"] = "5"
			return f.bytes(t)
		}, ErrShape, "rnn.weight_ih_l0", "", "shape is [8 3], want [5 3]"},
		{"layers contradict the tensors", edit(func(f *rawFile) { f.meta()["layers"] = "1" }), ErrUnexpectedTensor, "rnn.bias_hh_l1", "", "layers 1"},
		{"cell contradicts the tensors", edit(func(f *rawFile) { f.meta()["cell"] = "gru" }), ErrShape, "rnn.weight_ih_l0", "", "want [15 3]"},
		{"NaN weight", edit(func(f *rawFile) { f.putFloat32("rnn.weight_hh_l0", 7, float32(math.NaN())) }), ErrNonFinite, "rnn.weight_hh_l0", "", "element 7"},
		{"infinite bias", edit(func(f *rawFile) { f.putFloat32("fc.bias", 2, float32(math.Inf(-1))) }), ErrNonFinite, "fc.bias", "", "-Inf"},
		{"F64 beyond float32", func(t *testing.T) []byte {
			f := rawFileOf(t, reencode(t, badFileBase(t, 5), "F64"))
			lo, _ := f.offsets("fc.weight")
			binary.LittleEndian.PutUint64(f.data[lo:], math.Float64bits(1e300))
			return f.bytes(t)
		}, ErrNonFinite, "fc.weight", "", "+Inf"},
		{"missing cell", edit(func(f *rawFile) { delete(f.meta(), "cell") }), ErrMetadata, "", "cell", "missing"},
		{"unknown cell", edit(func(f *rawFile) { f.meta()["cell"] = "transformer" }), ErrMetadata, "", "cell", "transformer"},
		{"unknown arch", edit(func(f *rawFile) { f.meta()["arch"] = "seq2tree" }), ErrMetadata, "", "arch", "seq2tree"},
		{"relu LSTM", edit(func(f *rawFile) { f.meta()["cell"], f.meta()["nonlinearity"] = "lstm", "relu" }), ErrMetadata, "", "nonlinearity", "relu"},
		{"hidden_size not a number", edit(func(f *rawFile) { f.meta()["hidden_size"] = "many" }), ErrMetadata, "", "hidden_size", "not an integer"},
		{"layers zero", edit(func(f *rawFile) { f.meta()["layers"] = "0" }), ErrMetadata, "", "layers", "out of range"},
		{"huge hidden_size", edit(func(f *rawFile) { f.meta()["hidden_size"] = "1099511627776" }), ErrMetadata, "", "hidden_size", "out of range"},
		{"target beyond inputs", edit(func(f *rawFile) { f.meta()["target"] = "3" }), ErrMetadata, "", "target", "out of range"},
		{"bad interval", edit(func(f *rawFile) { f.meta()["interval"] = "hourly" }), ErrMetadata, "", "interval", "duration"},
		{"mean count", edit(func(f *rawFile) { f.meta()["mean"] = "[1, 2]" }), ErrMetadata, "", "mean", "input_size is 3"},
		{"mean not JSON", edit(func(f *rawFile) { f.meta()["mean"] = "1,2,3" }), ErrMetadata, "", "mean", "JSON array"},
		{"std zero", edit(func(f *rawFile) { f.meta()["std"] = "[1, 0, 1]" }), ErrMetadata, "", "std", "value 1"},
		{"unknown norm", edit(func(f *rawFile) { f.meta()["norm"] = "zscore" }), ErrMetadata, "", "norm", "zscore"},
		{"unknown mode", edit(func(f *rawFile) { f.meta()["mode"] = "batch" }), ErrMetadata, "", "mode", "batch"},
		{"unknown scaling", edit(func(f *rawFile) { f.meta()["scaling"] = "revin" }), ErrMetadata, "", "scaling", "revin"},
		{"window scaling with a mean", edit(func(f *rawFile) { f.meta()["scaling"], f.meta()["mode"] = "window", "window" }), ErrMetadata, "", "scaling", "no mean"},
		{"window scaling, stateful", edit(func(f *rawFile) { unscaled(f, "stateful", "window") }), ErrMetadata, "", "scaling", "needs mode window"},
		{"sensor scaling, window mode", edit(func(f *rawFile) { unscaled(f, "window", "sensor") }), ErrMetadata, "", "scaling", "needs mode stateful"},
		{"sensor scaling without half-life", edit(func(f *rawFile) { unscaled(f, "stateful", "sensor") }), ErrMetadata, "", "scaling_half_life", "required"},
		{"sensor half-life negative", edit(func(f *rawFile) {
			unscaled(f, "stateful", "sensor")
			f.meta()["scaling_half_life"] = "-3"
		}), ErrMetadata, "", "scaling_half_life", "positive"},
		{"half-life without sensor scaling", edit(func(f *rawFile) { f.meta()["scaling_half_life"] = "10" }), ErrMetadata, "", "scaling_half_life", "sensor scaling only"},
		{"bad bias flag", edit(func(f *rawFile) { f.meta()["bias"] = "no" }), ErrMetadata, "", "bias", `"no"`},
		{"newer format", edit(func(f *rawFile) { f.meta()["format_version"] = "2" }), ErrMetadata, "", "format_version", `"2"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := Decode(c.file(t))
			if err == nil {
				t.Fatalf("Decode succeeded (%d parameters), want %v", m.ParamCount(), c.kind)
			}
			var fe *FormatError
			if !errors.As(err, &fe) || !errors.Is(err, c.kind) {
				t.Fatalf("Decode: %v (%T), want a *FormatError of kind %v", err, err, c.kind)
			}
			if fe.Tensor != c.tensor || fe.Key != c.key {
				t.Errorf("error names tensor %q, key %q; want tensor %q, key %q (%v)", fe.Tensor, fe.Key, c.tensor, c.key, err)
			}
			if !strings.Contains(err.Error(), c.says) || !strings.HasPrefix(err.Error(), "model: ") {
				t.Errorf("error %q does not say %q", err, c.says)
			}
		})
	}
}

// unscaled sets a file's mode and scaling and removes its mean and std.
func unscaled(f *rawFile, mode, scaling string) {
	delete(f.meta(), "mean")
	delete(f.meta(), "std")
	f.meta()["mode"], f.meta()["scaling"] = mode, scaling
}
