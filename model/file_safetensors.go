package model

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// maxHeaderLen bounds the JSON header, as the reference implementation does,
// so a corrupt length cannot make Decode allocate or scan gigabytes.
const maxHeaderLen = 100 << 20

// metadataKey is the header entry that holds the string→string metadata.
const metadataKey = "__metadata__"

// dtypeSizes are the bytes per element of the dtypes rnncast reads.
var dtypeSizes = map[string]int{"F64": 8, "F32": 4, "F16": 2, "BF16": 2}

// rawTensor is one tensor of a safetensors file before conversion: data
// aliases the decoded file's bytes.
type rawTensor struct {
	name  string
	dtype string
	shape []int
	begin int // data_offsets[0], relative to the data section.
	data  []byte
}

// headerEntry is one tensor's JSON header entry.
type headerEntry struct {
	DType   string  `json:"dtype"`
	Shape   []int64 `json:"shape"`
	Offsets []int64 `json:"data_offsets"`
}

// parseSafetensors splits a safetensors file into its metadata and tensors,
// checking the layout: header bounds, JSON, dtypes, offsets against shapes,
// and that the tensors tile the data section without overlap or gap.
func parseSafetensors(file []byte) (map[string]string, map[string]rawTensor, error) {
	header, data, err := splitFile(file)
	if err != nil {
		return nil, nil, err
	}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(header, &entries); err != nil {
		return nil, nil, fileErr(ErrHeader, "cannot parse JSON header: %v", err)
	}
	meta, err := parseMetadataEntry(entries)
	if err != nil {
		return nil, nil, err
	}
	tensors := make(map[string]rawTensor, len(entries))
	for name, raw := range entries {
		if name == metadataKey {
			continue
		}
		t, err := parseEntry(name, raw, data)
		if err != nil {
			return nil, nil, err
		}
		tensors[name] = t
	}
	if err := checkTiling(tensors, len(data)); err != nil {
		return nil, nil, err
	}
	return meta, tensors, nil
}

// splitFile returns the JSON header and the data section of a file.
func splitFile(file []byte) (header, data []byte, err error) {
	if len(file) < 8 {
		return nil, nil, fileErr(ErrTruncated, "file is %d bytes, shorter than the 8-byte header length", len(file))
	}
	n := binary.LittleEndian.Uint64(file)
	rest := uint64(len(file) - 8)
	if n > rest {
		return nil, nil, fileErr(ErrTruncated, "header length %d exceeds the %d bytes after it", n, rest)
	}
	if n > maxHeaderLen {
		return nil, nil, fileErr(ErrHeader, "header length %d exceeds the limit of %d bytes", n, maxHeaderLen)
	}
	header = file[8 : 8+n]
	if len(bytes.TrimSpace(header)) == 0 || header[0] != '{' {
		return nil, nil, fileErr(ErrHeader, "header does not start with a JSON object")
	}
	return header, file[8+n:], nil
}

// parseMetadataEntry decodes the optional __metadata__ entry.
func parseMetadataEntry(entries map[string]json.RawMessage) (map[string]string, error) {
	raw, ok := entries[metadataKey]
	if !ok {
		return map[string]string{}, nil
	}
	var meta map[string]string
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, fileErr(ErrHeader, "__metadata__ is not a map of strings to strings: %v", err)
	}
	if meta == nil {
		meta = map[string]string{}
	}
	return meta, nil
}

// parseEntry decodes and checks one tensor's header entry.
func parseEntry(name string, raw json.RawMessage, data []byte) (rawTensor, error) {
	var e headerEntry
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return rawTensor{}, tensorErr(ErrHeader, name, "cannot parse header entry: %v", err)
	}
	size, ok := dtypeSizes[e.DType]
	if !ok {
		return rawTensor{}, tensorErr(ErrDType, name, "dtype %q is not one of F32, F64, F16, BF16", e.DType)
	}
	shape, n, err := checkShape(name, e.Shape)
	if err != nil {
		return rawTensor{}, err
	}
	if len(e.Offsets) != 2 {
		return rawTensor{}, tensorErr(ErrOffsets, name, "data_offsets has %d entries, want 2", len(e.Offsets))
	}
	begin, end := e.Offsets[0], e.Offsets[1]
	if begin < 0 || end < begin || end > int64(len(data)) {
		return rawTensor{}, tensorErr(ErrOffsets, name, "data_offsets [%d, %d] out of range of the %d data bytes", begin, end, len(data))
	}
	if want := n * int64(size); end-begin != want {
		return rawTensor{}, tensorErr(ErrOffsets, name, "data_offsets [%d, %d] span %d bytes, shape %v of %s needs %d",
			begin, end, end-begin, shape, e.DType, want)
	}
	return rawTensor{name: name, dtype: e.DType, shape: shape, begin: int(begin), data: data[begin:end]}, nil
}

// checkShape validates a shape and returns it with its element count.
func checkShape(name string, dims []int64) ([]int, int64, error) {
	shape := make([]int, len(dims))
	n := int64(1)
	for i, d := range dims {
		if d < 0 || d > math.MaxInt32 {
			return nil, 0, tensorErr(ErrShape, name, "dimension %d is %d, out of range", i, d)
		}
		if d != 0 && n > math.MaxInt64/8/d {
			return nil, 0, tensorErr(ErrShape, name, "shape %v has too many elements", dims)
		}
		n *= d
		shape[i] = int(d)
	}
	return shape, n, nil
}

// checkTiling checks that the tensors cover the data section exactly once:
// no overlap, no gap, no trailing bytes (as the format requires).
func checkTiling(tensors map[string]rawTensor, dataLen int) error {
	ts := make([]rawTensor, 0, len(tensors))
	for _, t := range tensors {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool {
		a, b := ts[i], ts[j]
		if a.begin != b.begin {
			return a.begin < b.begin
		}
		if len(a.data) != len(b.data) {
			return len(a.data) < len(b.data)
		}
		return a.name < b.name
	})
	pos, prev := 0, ""
	for _, t := range ts {
		switch {
		case t.begin < pos:
			return tensorErr(ErrOffsets, t.name, "data_offsets start at %d, overlapping tensor %q, which ends at %d", t.begin, prev, pos)
		case t.begin > pos:
			return tensorErr(ErrOffsets, t.name, "data_offsets start at %d, leaving a gap after byte %d", t.begin, pos)
		}
		pos, prev = t.begin+len(t.data), t.name
	}
	if pos != dataLen {
		return fileErr(ErrOffsets, "tensors cover %d of the %d data bytes", pos, dataLen)
	}
	return nil
}

// float32s converts a tensor's elements to float32 and rejects NaN and
// infinities (including F64 values beyond float32's range).
func (t rawTensor) float32s() ([]float32, error) {
	size := dtypeSizes[t.dtype]
	out := make([]float32, len(t.data)/size)
	for i := range out {
		b := t.data[i*size:]
		var v float32
		switch t.dtype {
		case "F32":
			v = math.Float32frombits(binary.LittleEndian.Uint32(b))
		case "F64":
			v = float32(math.Float64frombits(binary.LittleEndian.Uint64(b)))
		case "F16":
			v = float16To32(binary.LittleEndian.Uint16(b))
		case "BF16":
			v = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b)) << 16)
		}
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, tensorErr(ErrNonFinite, t.name, "element %d is %v in float32", i, v)
		}
		out[i] = v
	}
	return out, nil
}

// float16To32 converts an IEEE 754 half-precision value to float32 exactly.
func float16To32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN.
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // Subnormal: frac · 2^-24.
		v := float32(frac) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// outTensor is one tensor to write: float32 values and their shape.
type outTensor struct {
	name  string
	shape []int
	data  []float32
}

// writeSafetensors encodes tensors as F32 in the given order, with the
// metadata. The header is padded with spaces so the data section starts
// 8-byte aligned, as the reference writer does.
func writeSafetensors(meta map[string]string, tensors []outTensor) ([]byte, error) {
	entries := make(map[string]any, len(tensors)+1)
	entries[metadataKey] = meta
	off := 0
	for _, t := range tensors {
		n := 4 * len(t.data)
		entries[t.name] = headerEntry{DType: "F32", Shape: int64s(t.shape), Offsets: []int64{int64(off), int64(off + n)}}
		off += n
	}
	header, err := json.Marshal(entries)
	if err != nil {
		return nil, fmt.Errorf("model: cannot encode header: %w", err)
	}
	for len(header)%8 != 0 {
		header = append(header, ' ')
	}
	buf := make([]byte, 8, 8+len(header)+off)
	binary.LittleEndian.PutUint64(buf, uint64(len(header)))
	buf = append(buf, header...)
	for _, t := range tensors {
		for _, v := range t.data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
	}
	return buf, nil
}

func int64s(xs []int) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = int64(x)
	}
	return out
}
