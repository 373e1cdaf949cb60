package model

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode, seeded with valid files of
// every arch (written by Encode, one in F16, and two PyTorch goldens). Decode
// must never panic; it either fails with a *FormatError or returns a Model
// that encodes and decodes again to the same fingerprint.
func FuzzDecode(f *testing.F) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, arch := range []Arch{ArchSeq2Vec, ArchSeq2Seq, ArchEncDec, ArchVec2Seq} {
		meta := testMeta(arch, CellGRU, "tanh")
		meta.Hidden, meta.Layers = 2, 1+len(arch)%2
		f.Add(mustEncode(f, fileModel(f, meta, rng)))
	}
	small := mustEncode(f, fileModel(f, testMeta(ArchSeq2Vec, CellRNN, "relu"), rng))
	f.Add(small[:len(small)/2])
	for _, name := range []string{"seq2vec_rnn-tanh_l1_f1_h1", "dtype_f16_lstm"} {
		data, err := os.ReadFile(filepath.Join("testdata", "golden", name+".safetensors"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode error is not a *FormatError: %v", err)
			}
			return
		}
		again, err := m.Encode()
		if err != nil {
			t.Fatalf("Encode of a decoded model: %v", err)
		}
		m2, err := Decode(again)
		if err != nil {
			t.Fatalf("Decode of a re-encoded model: %v", err)
		}
		if m2.Fingerprint() != m.Fingerprint() {
			t.Fatalf("fingerprint changed across Encode and Decode")
		}
	})
}
