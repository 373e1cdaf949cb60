package model

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rnncast/rnncast/scale"
)

// goldenScaled is one file written by python/golden_scaled.py: a model that
// declares window or sensor scaling, PyTorch's outputs in original units on
// keys of very different levels, and each key's target spread.
type goldenScaled struct {
	goldenFile
	Scaling string `json:"scaling"`
	Norm    string `json:"norm"`
	Scale   f32s   `json:"scale"`
}

// relDiff returns the largest |got − want| of keys' values (per values
// each, key-major), less one float32 step of want (the rounding of the
// output to float32, which alone is 2.4e-4 at a level of 3000), divided
// by its key's spread: the error in the key's own units of variation.
func relDiff(t *testing.T, what string, got, want, spread []float32, per int) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	worst := 0.0
	for i := range got {
		ulp := float64(math.Nextafter32(want[i], float32(math.Inf(1))) - want[i])
		d := max(0, math.Abs(float64(got[i])-float64(want[i]))-ulp) / float64(spread[(i/per)%len(spread)])
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		worst = max(worst, d)
	}
	return worst
}

// TestGoldenScaled checks rnncast's window and sensor scaling against
// python/scaling.py's on PyTorch's networks: the files declare their
// scaling, the keys' levels run from 0.05 to 1000, and the outputs must
// match within goldenTol of each key's spread, in window mode (Window,
// WindowSeq) and over 500 carried steps (Step, also on a Runner smaller
// than the batch so that calls are chunked).
func TestGoldenScaled(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "golden_scaled", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var g goldenScaled
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		seen[g.Scaling]++
		t.Run(strings.TrimSuffix(filepath.Base(path), ".json"), func(t *testing.T) {
			m := loadGolden(t, path, &g.goldenFile)
			if string(m.Meta.Scaling) != g.Scaling || string(normOf(m.Meta.Norm)) != g.Norm {
				t.Fatalf("model declares scaling %q norm %q, golden file says %q %q", m.Meta.Scaling, m.Meta.Norm, g.Scaling, g.Norm)
			}
			var worst float64
			if m.Meta.Scaling == scale.Window {
				worst = goldenScaledWindow(t, &g, m)
			} else {
				worst = goldenScaledStateful(t, &g, m)
			}
			t.Logf("max error over key spread: %.3g (torch %s)", worst, g.TorchVersion)
			if worst > goldenTol {
				t.Errorf("max error over key spread %g, want ≤ %g", worst, goldenTol)
			}
		})
	}
	if seen["window"] < 5 || seen["sensor"] < 5 {
		t.Fatalf("golden files per scaling %v, want at least 5 each", seen)
	}
}

func goldenScaledWindow(t *testing.T, g *goldenScaled, m *Model) float64 {
	w := &g.Window
	r := m.NewRunner(w.Batch)
	out := nanFilled(len(w.Outputs))
	r.Window(w.Inputs, w.Batch, out)
	worst := relDiff(t, "Window", out, w.Outputs, g.Scale, m.Meta.Horizon)
	if m.Meta.Arch == ArchSeq2Seq {
		seq := nanFilled(len(w.SeqOutputs))
		r.WindowSeq(w.Inputs, w.Batch, seq)
		worst = max(worst, relDiff(t, "WindowSeq", seq, w.SeqOutputs, g.Scale, w.Steps*m.Meta.Horizon))
	}
	return worst
}

func goldenScaledStateful(t *testing.T, g *goldenScaled, m *Model) float64 {
	s := &g.Stateful
	in, h := len(s.Inputs)/(s.Steps*s.Batch), m.Meta.Horizon
	worst := 0.0
	for _, r := range []*Runner{m.NewRunner(s.Batch), m.NewRunner(s.Batch - 1)} {
		states := make([][]float32, s.Batch)
		for i := range states {
			states[i] = make([]float32, m.StateLen())
		}
		for ts := 0; ts < s.Steps; ts++ {
			out := nanFilled(s.Batch * h)
			r.Step(states, s.Inputs[ts*s.Batch*in:(ts+1)*s.Batch*in], out)
			worst = max(worst, relDiff(t, "Step", out, s.Outputs[ts*s.Batch*h:(ts+1)*s.Batch*h], g.Scale, h))
		}
	}
	return worst
}
