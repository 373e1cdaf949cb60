package model

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/rnncast/rnncast/scale"
)

// fileModel returns a prepared Model with every field of meta set and
// weights drawn from rng, built through the file layout. Weights are
// multiples of 1/256 in [−1, 1], exact in F16 and BF16 too.
func fileModel(t testing.TB, meta Meta, rng *rand.Rand) *Model {
	t.Helper()
	m := skeleton(meta)
	specs, err := layout(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range specs {
		v := make([]float32, s.size())
		for i := range v {
			v[i] = float32(rng.IntN(513)-256) / 256
		}
		*s.slot = v
	}
	if err := m.Prepare(); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return m
}

// testMeta returns a complete Meta for a small model of arch and cell.
func testMeta(arch Arch, cell Cell, nonlin string) Meta {
	return Meta{
		Name: "unit", Version: "7", TargetName: "OT", Arch: arch, Cell: cell, Nonlinearity: nonlin,
		Hidden: 5, Layers: 2, Inputs: 3, Target: 1, Window: 6, Horizon: 4,
		Interval: 90 * time.Minute, Mean: []float64{1.5, -2, 0.25}, Std: []float64{2, 0.5, 1e-3},
		Norm: NormLast, Mode: "stateful",
	}
}

func mustEncode(t testing.TB, m *Model) []byte {
	t.Helper()
	data, err := m.Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return data
}

// allMetas lists every arch × cell, with relu for RNN too.
func allMetas() []Meta {
	var out []Meta
	for _, a := range []Arch{ArchSeq2Vec, ArchSeq2Seq, ArchEncDec, ArchVec2Seq} {
		for _, c := range []struct {
			cell   Cell
			nonlin string
		}{{CellRNN, "tanh"}, {CellRNN, "relu"}, {CellLSTM, "tanh"}, {CellGRU, "tanh"}} {
			out = append(out, testMeta(a, c.cell, c.nonlin))
		}
	}
	return out
}

// unprepared returns m with the kernel-ready copy dropped, for comparing
// the fields a file carries.
func unprepared(m *Model) Model {
	c := *m
	c.prep = nil
	return c
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, meta := range allMetas() {
		t.Run(string(meta.Arch)+"/"+string(meta.Cell)+"-"+meta.Nonlinearity, func(t *testing.T) {
			m := fileModel(t, meta, rng)
			data := mustEncode(t, m)
			got, err := Decode(data)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if g, w := unprepared(got), unprepared(m); !reflect.DeepEqual(g, w) {
				t.Errorf("decoded model differs:\n got %+v\nwant %+v", g.Meta, w.Meta)
			}
			if again := mustEncode(t, got); !bytes.Equal(again, data) {
				t.Errorf("re-encoding gives different bytes (%d vs %d)", len(again), len(data))
			}
			if got.Fingerprint() != m.Fingerprint() {
				t.Errorf("fingerprint changed across a round trip")
			}
			if n := binary.LittleEndian.Uint64(data); (8+n)%8 != 0 {
				t.Errorf("data section starts at %d, not 8-byte aligned", 8+n)
			}
		})
	}
}

// reencode rewrites every tensor of a valid F32 file in dtype.
func reencode(t *testing.T, data []byte, dtype string) []byte {
	t.Helper()
	kv, tensors, err := parseSafetensors(data)
	if err != nil {
		t.Fatal(err)
	}
	f := rawFileOf(t, data)
	var body []byte
	for _, name := range f.names() {
		vals, err := tensors[name].float32s()
		if err != nil {
			t.Fatal(err)
		}
		begin := len(body)
		for _, v := range vals {
			body = appendDType(body, dtype, v)
		}
		e := f.entry(name)
		e["dtype"] = dtype
		e["data_offsets"] = []int{begin, len(body)}
	}
	f.header[metadataKey] = kv
	f.data = body
	return f.bytes(t)
}

func appendDType(b []byte, dtype string, v float32) []byte {
	switch dtype {
	case "F64":
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(float64(v)))
	case "BF16":
		return binary.LittleEndian.AppendUint16(b, uint16(math.Float32bits(v)>>16))
	case "F16":
		return binary.LittleEndian.AppendUint16(b, float32To16(v))
	}
	return binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
}

// float32To16 converts zero and normal values exactly representable in
// half precision (the test weights are).
func float32To16(v float32) uint16 {
	bits := math.Float32bits(v)
	sign := uint16(bits>>31) << 15
	if bits&0x7fffffff == 0 {
		return sign
	}
	exp := int(bits>>23&0xff) - 127 + 15
	return sign | uint16(exp)<<10 | uint16(bits>>13&0x3ff)
}

func TestDecodeDTypes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := fileModel(t, testMeta(ArchEncDec, CellLSTM, "tanh"), rng)
	data := mustEncode(t, m)
	for _, dtype := range []string{"F32", "F64", "F16", "BF16"} {
		t.Run(dtype, func(t *testing.T) {
			got, err := Decode(reencode(t, data, dtype))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got.Fingerprint() != m.Fingerprint() {
				t.Errorf("weights read from %s differ from the F32 originals", dtype)
			}
		})
	}
}

func TestFloat16To32(t *testing.T) {
	for _, c := range []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xc000, -2}, {0x3555, 0.333251953125}, {0x7bff, 65504},
		{0x0400, 1.0 / (1 << 14)}, {0x0001, 1.0 / (1 << 24)}, {0x83ff, -1023.0 / (1 << 24)},
		{0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	} {
		if got := float16To32(c.h); got != c.want {
			t.Errorf("float16To32(%#04x) = %v, want %v", c.h, got, c.want)
		}
	}
	if got := float16To32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("float16To32(0x7e00) = %v, want NaN", got)
	}
	if got := float16To32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("float16To32(0x8000) = %v, want -0", got)
	}
}

func TestDecodeBiasFalse(t *testing.T) {
	m := fileModel(t, testMeta(ArchEncDec, CellGRU, "tanh"), rand.New(rand.NewPCG(5, 6)))
	f := rawFileOf(t, mustEncode(t, m))
	for _, name := range f.names() {
		if specIsBias(name) {
			f.remove(t, name)
		}
	}
	f.meta()["bias"] = "false"
	got, err := Decode(f.bytes(t))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	for _, b := range [][]float32{got.Encoder.Layers[1].Bih, got.Decoder.Layers[0].Bhh, got.FCB} {
		if len(b) == 0 || b[0] != 0 || b[len(b)-1] != 0 {
			t.Errorf("absent bias decoded as %v, want zeros", b)
		}
	}
	if !reflect.DeepEqual(got.Encoder.Layers[0].Wih, m.Encoder.Layers[0].Wih) {
		t.Errorf("weights changed when biases were dropped")
	}
}

func specIsBias(name string) bool {
	return bytes.Contains([]byte(name), []byte(".bias"))
}

func TestDecodeDefaults(t *testing.T) {
	m := fileModel(t, testMeta(ArchSeq2Vec, CellRNN, "tanh"), rand.New(rand.NewPCG(7, 8)))
	f := rawFileOf(t, mustEncode(t, m))
	kv := f.meta()
	for _, k := range []string{"arch", "nonlinearity", "target", "interval", "mean", "std", "norm", "mode", "scaling", "bias", "name", "version", "format_version", "target_name"} {
		delete(kv, k)
	}
	kv["trained_by"] = "someone" // unknown keys are ignored
	got, err := Decode(f.bytes(t))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := Meta{Arch: ArchSeq2Vec, Cell: CellRNN, Nonlinearity: "tanh", Hidden: 5, Layers: 2,
		Inputs: 3, Window: 6, Horizon: 4, Norm: NormNone, Mode: "window"}
	if !reflect.DeepEqual(got.Meta, want) {
		t.Errorf("defaults: got %+v, want %+v", got.Meta, want)
	}
}

func TestMetadataInterval(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{time.Hour, "1h"}, {15 * time.Minute, "15m"}, {90 * time.Minute, "1h30m"}, {10 * time.Second, "10s"}, {0, "0s"}, {1500 * time.Millisecond, "1.5s"}} {
		got := formatInterval(c.d)
		if got != c.want {
			t.Errorf("formatInterval(%v) = %q, want %q", c.d, got, c.want)
		}
		if back, err := parseInterval(map[string]string{"interval": got}); err != nil || back != c.d {
			t.Errorf("parseInterval(%q) = %v, %v, want %v", got, back, err, c.d)
		}
	}
}

func TestFingerprint(t *testing.T) {
	base := fileModel(t, testMeta(ArchSeq2Vec, CellLSTM, "tanh"), rand.New(rand.NewPCG(9, 10)))
	fp := base.Fingerprint()
	if len(fp) != 64 {
		t.Fatalf("fingerprint %q is not 64 hex digits", fp)
	}
	for _, c := range []struct {
		name   string
		change func(m *Model)
		same   bool
	}{
		{"name", func(m *Model) { m.Meta.Name = "other" }, true},
		{"version", func(m *Model) { m.Meta.Version = "8" }, true},
		{"window", func(m *Model) { m.Meta.Window = 99 }, true},
		{"interval", func(m *Model) { m.Meta.Interval = time.Minute }, true},
		{"mode", func(m *Model) { m.Meta.Mode = "window" }, true},
		{"one weight ulp", func(m *Model) {
			w := m.Encoder.Layers[1].Whh
			w[3] = math.Nextafter32(w[3], 2)
		}, false},
		{"head bias", func(m *Model) { m.FCB[0] += 0.5 }, false},
		{"target", func(m *Model) { m.Meta.Target = 2 }, false},
		{"norm", func(m *Model) { m.Meta.Norm = NormNone }, false},
		{"mean", func(m *Model) { m.Meta.Mean[0] = 1.25 }, false},
		{"std", func(m *Model) { m.Meta.Std[2] = 1 }, false},
		{"horizon", func(m *Model) { m.Meta.Horizon = 5 }, false},
		{"arch", func(m *Model) { m.Meta.Arch = ArchSeq2Seq }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := Decode(mustEncode(t, base))
			if err != nil {
				t.Fatal(err)
			}
			c.change(m)
			if got := m.Fingerprint() == fp; got != c.same {
				t.Errorf("after changing %s: same fingerprint is %v, want %v", c.name, got, c.same)
			}
		})
	}
}

func TestFingerprintDefaultsCanonical(t *testing.T) {
	m := fileModel(t, testMeta(ArchVec2Seq, CellRNN, "tanh"), rand.New(rand.NewPCG(11, 12)))
	m.Meta.Mean, m.Meta.Std, m.Meta.Norm = nil, nil, ""
	explicit := unprepared(m)
	explicit.Meta.Mean, explicit.Meta.Std, explicit.Meta.Norm = []float64{0, 0, 0}, []float64{1, 1, 1}, NormNone
	if m.Fingerprint() != explicit.Fingerprint() {
		t.Errorf("absent mean/std/norm fingerprint differently from their explicit defaults")
	}
}

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	m := fileModel(t, testMeta(ArchSeq2Seq, CellGRU, "tanh"), rand.New(rand.NewPCG(13, 14)))
	for i := 0; i < 2; i++ { // the second Save replaces the first
		if err := m.Save(path); err != nil {
			t.Fatalf("Save: %v", err)
		}
	}
	got, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got.Fingerprint() != m.Fingerprint() {
		t.Errorf("loaded model differs from the saved one")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d files after Save, want 1 (no temporary files left)", len(entries))
	}
	if err := m.Save(filepath.Join(dir, "missing", "m.safetensors")); err == nil {
		t.Errorf("Save into a missing directory succeeded")
	}
	if _, err := Load(filepath.Join(dir, "absent.safetensors")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of an absent file: %v, want os.ErrNotExist", err)
	}
}

func TestEncodeRejects(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(m *Model)
		kind   error
	}{
		{"NaN weight", func(m *Model) { m.Encoder.Layers[0].Wih[0] = float32(math.NaN()) }, ErrNonFinite},
		{"short head", func(m *Model) { m.FCW = m.FCW[1:] }, ErrShape},
		{"no cell", func(m *Model) { m.Meta.Cell = "" }, ErrMetadata},
		{"zero std", func(m *Model) { m.Meta.Std[0] = 0 }, ErrMetadata},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := fileModel(t, testMeta(ArchSeq2Vec, CellRNN, "tanh"), rand.New(rand.NewPCG(15, 16)))
			c.change(m)
			if _, err := m.Encode(); !errors.Is(err, c.kind) {
				t.Errorf("Encode: %v, want %v", err, c.kind)
			}
		})
	}
	m := fileModel(t, testMeta(ArchSeq2Vec, CellRNN, "tanh"), rand.New(rand.NewPCG(15, 16)))
	m.Encoder.Layers = m.Encoder.Layers[:1]
	if _, err := m.Encode(); err == nil {
		t.Errorf("Encode of a model with fewer layers than its metadata succeeded")
	}
}

func TestParamCount(t *testing.T) {
	// The course's Net: nn.RNN(1, 32, 2) + nn.Linear(32, 1) has
	// (32·1 + 32·32 + 64) + (32·32 + 32·32 + 64) + 32 + 1 = 3265 parameters.
	meta := Meta{Cell: CellRNN, Hidden: 32, Layers: 2, Inputs: 1, Window: 24, Horizon: 1}
	m := fileModel(t, meta, rand.New(rand.NewPCG(17, 18)))
	if got := m.ParamCount(); got != 3265 {
		t.Errorf("ParamCount = %d, want 3265", got)
	}
}

// rawFile is a safetensors file split into an editable header and data.
type rawFile struct {
	header map[string]any
	data   []byte
}

func rawFileOf(t *testing.T, data []byte) *rawFile {
	t.Helper()
	n := binary.LittleEndian.Uint64(data)
	dec := json.NewDecoder(bytes.NewReader(data[8 : 8+n]))
	dec.UseNumber()
	f := &rawFile{data: append([]byte(nil), data[8+n:]...)}
	if err := dec.Decode(&f.header); err != nil {
		t.Fatal(err)
	}
	return f
}

// names returns the tensor names in data order.
func (f *rawFile) names() []string {
	var names []string
	for k := range f.header {
		if k != metadataKey {
			names = append(names, k)
		}
	}
	begin := func(k string) int {
		b, _ := f.offsets(k)
		return b
	}
	for i := range names { // insertion sort by offset; a few dozen names
		for j := i; j > 0 && begin(names[j]) < begin(names[j-1]); j-- {
			names[j], names[j-1] = names[j-1], names[j]
		}
	}
	return names
}

func (f *rawFile) entry(name string) map[string]any { return f.header[name].(map[string]any) }

func (f *rawFile) meta() map[string]any { return f.header[metadataKey].(map[string]any) }

// offsets returns a tensor's data_offsets.
func (f *rawFile) offsets(name string) (int, int) {
	o := f.entry(name)["data_offsets"]
	switch o := o.(type) {
	case []int:
		return o[0], o[1]
	case []any:
		a, _ := o[0].(json.Number).Int64()
		b, _ := o[1].(json.Number).Int64()
		return int(a), int(b)
	}
	panic("bad offsets")
}

// remove deletes a tensor and its bytes, shifting later offsets down.
func (f *rawFile) remove(t *testing.T, name string) {
	t.Helper()
	lo, hi := f.offsets(name)
	for _, k := range f.names() {
		if a, b := f.offsets(k); a >= hi {
			f.entry(k)["data_offsets"] = []int{a - (hi - lo), b - (hi - lo)}
		}
	}
	f.data = append(f.data[:lo:lo], f.data[hi:]...)
	delete(f.header, name)
}

func (f *rawFile) bytes(t *testing.T) []byte {
	t.Helper()
	h, err := json.Marshal(f.header)
	if err != nil {
		t.Fatal(err)
	}
	return rawBytes(h, f.data)
}

func rawBytes(header, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(out, header...), data...)
}

func TestTensors(t *testing.T) {
	m := fileModel(t, testMeta(ArchEncDec, CellLSTM, "tanh"), rand.New(rand.NewPCG(19, 20)))
	ts := m.Tensors()
	if len(ts) != 2*2*4+2 {
		t.Fatalf("got %d tensors, want 18 (2 layers × 4 for encoder and decoder, head)", len(ts))
	}
	for _, c := range []struct {
		i     int
		name  string
		shape []int
	}{
		{0, "encoder.weight_ih_l0", []int{20, 3}},
		{8, "decoder.weight_ih_l0", []int{20, 1}},
		{12, "decoder.weight_ih_l1", []int{20, 5}},
		{16, "fc.weight", []int{1, 5}},
	} {
		if ts[c.i].Name != c.name || !reflect.DeepEqual(ts[c.i].Shape, c.shape) {
			t.Errorf("tensor %d is %s %v, want %s %v", c.i, ts[c.i].Name, ts[c.i].Shape, c.name, c.shape)
		}
	}
	bad := unprepared(m)
	bad.Meta.Cell = "cnn"
	if got := bad.Tensors(); got != nil {
		t.Errorf("Tensors of a model with an unknown cell = %v, want nil", got)
	}
}

// TestScalingRoundTrip: window and sensor scaling survive Encode and
// Decode, leave mean and std out of the file, and change the fingerprint
// (they change the function); global scaling keeps the fingerprint every
// earlier file had.
func TestScalingRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	base := testMeta(ArchSeq2Vec, CellGRU, "tanh")
	base.Mean, base.Std = nil, nil
	global := fileModel(t, base, rand.New(rand.NewPCG(5, 6)))
	for _, c := range []struct {
		mode     string
		scaling  scale.Mode
		halfLife float64
	}{{"window", scale.Window, 0}, {"stateful", scale.Sensor, 48}} {
		meta := base
		meta.Mode, meta.Scaling, meta.HalfLife = c.mode, c.scaling, c.halfLife
		m := fileModel(t, meta, rng)
		got, err := Decode(mustEncode(t, m))
		if err != nil {
			t.Fatalf("%s: Decode: %v", c.scaling, err)
		}
		if !reflect.DeepEqual(got.Meta, m.Meta) {
			t.Errorf("%s: decoded %+v, want %+v", c.scaling, got.Meta, m.Meta)
		}
		kv := m.Metadata()
		if _, ok := kv["mean"]; ok {
			t.Errorf("%s: metadata has a mean", c.scaling)
		}
		m.Encoder, m.Decoder, m.FCW, m.FCB = global.Encoder, global.Decoder, global.FCW, global.FCB
		if m.Fingerprint() == global.Fingerprint() {
			t.Errorf("%s scaling: same fingerprint as global scaling", c.scaling)
		}
	}
}
