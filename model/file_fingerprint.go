package model

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math"
	"strconv"

	"github.com/rnncast/rnncast/scale"
)

// Fingerprint returns the hex SHA-256 of a canonical encoding of m's
// architecture (arch, cell, nonlinearity, layers, hidden size, inputs,
// target, horizon, norm, mean, std) and all its weights. Name, version,
// window, interval and mode are excluded: two files that compute the same
// function from the same carried state share a fingerprint, so a state saved
// under one is valid under the other. Defaults count as their values (an
// absent mean is zeros). It hashes every weight, so callers that need it
// often should keep the result.
func (m *Model) Fingerprint() string {
	h := sha256.New()
	meta := &m.Meta
	h.Write([]byte("rnncast fingerprint v1\n"))
	nl := nonlinearityOf(meta)
	if meta.Cell != CellRNN {
		nl = "-"
	}
	for _, s := range []string{
		string(archOf(meta.Arch)), string(meta.Cell), nl,
		strconv.Itoa(meta.Layers), strconv.Itoa(meta.Hidden), strconv.Itoa(meta.Inputs),
		strconv.Itoa(meta.Target), strconv.Itoa(meta.Horizon), string(normOf(meta.Norm)),
		formatFloats(meta.Mean, 0, meta.Inputs), formatFloats(meta.Std, 1, meta.Inputs),
	} {
		writeString(h, s)
	}
	// Scaling other than global changes the function; it is hashed only
	// then, so that every earlier model keeps its fingerprint.
	if sc := scalingOf(meta.Scaling); sc != scale.Global {
		writeString(h, "scaling "+string(sc))
		writeString(h, strconv.FormatFloat(meta.HalfLife, 'g', -1, 64))
	}
	hashRNN(h, &m.Encoder)
	if m.Decoder != nil {
		writeString(h, "decoder")
		hashRNN(h, m.Decoder)
	}
	hashFloats(h, m.FCW)
	hashFloats(h, m.FCB)
	if meta.Highway > 0 { // only then, so that every earlier model keeps its fingerprint
		writeString(h, "highway "+strconv.Itoa(meta.Highway))
		hashFloats(h, m.HWW)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeString writes a length-prefixed string, so field boundaries are
// unambiguous.
func writeString(h hash.Hash, s string) {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

func hashRNN(h hash.Hash, r *RNN) {
	writeString(h, strconv.Itoa(len(r.Layers)))
	for _, l := range r.Layers {
		writeString(h, strconv.Itoa(l.In))
		hashFloats(h, l.Wih)
		hashFloats(h, l.Whh)
		hashFloats(h, l.Bih)
		hashFloats(h, l.Bhh)
	}
}

// hashFloats writes a length-prefixed run of float32 bit patterns, in
// chunks to keep memory flat.
func hashFloats(h hash.Hash, xs []float32) {
	var buf [4096]byte
	binary.LittleEndian.PutUint64(buf[:8], uint64(len(xs)))
	h.Write(buf[:8])
	for len(xs) > 0 {
		n := min(len(xs), len(buf)/4)
		for i, v := range xs[:n] {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		h.Write(buf[:4*n])
		xs = xs[n:]
	}
}
