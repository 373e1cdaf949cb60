package model

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// goldenTol is the largest absolute difference from PyTorch's float32
// outputs that the golden tests accept.
const goldenTol = 1e-5

// f32s decodes a JSON array of numbers straight to float32, so a decimal
// written as the shortest float32 round-trip parses to that float32 exactly.
type f32s []float32

func (f *f32s) UnmarshalJSON(b []byte) error {
	var nums []json.Number
	if err := json.Unmarshal(b, &nums); err != nil {
		return err
	}
	*f = make([]float32, len(nums))
	for i, n := range nums {
		v, err := strconv.ParseFloat(string(n), 32)
		if err != nil {
			return err
		}
		(*f)[i] = float32(v)
	}
	return nil
}

type goldenRun struct {
	Batch      int  `json:"batch"`
	Steps      int  `json:"steps"`
	Inputs     f32s `json:"inputs"`
	Outputs    f32s `json:"outputs"`
	SeqOutputs f32s `json:"seq_outputs"`
}

// goldenFile is one file written by python/golden.py.
type goldenFile struct {
	TorchVersion string    `json:"torch_version"`
	Model        string    `json:"model"`
	Arch         string    `json:"arch"`
	Cell         string    `json:"cell"`
	Window       goldenRun `json:"window"`
	Stateful     goldenRun `json:"stateful"`
}

// readGolden parses one golden JSON file.
func readGolden(path string) (*goldenFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var g goldenFile
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("cannot parse %s: %w", path, err)
	}
	if g.TorchVersion == "" {
		return nil, fmt.Errorf("%s: torch_version is empty", path)
	}
	return &g, nil
}

// loadGolden loads the model a golden file names and checks its arch.
func loadGolden(t *testing.T, path string, g *goldenFile) *Model {
	t.Helper()
	m, err := Load(filepath.Join(filepath.Dir(path), g.Model))
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Meta.Arch) != g.Arch {
		t.Fatalf("model arch is %q, golden file says %q", m.Meta.Arch, g.Arch)
	}
	return m
}

// maxAbsDiff returns the largest |got[i] − want[i]|; NaN counts as +Inf.
func maxAbsDiff(t *testing.T, what string, got, want []float32) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	worst := 0.0
	for i := range got {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		worst = max(worst, d)
	}
	return worst
}

func nanFilled(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(math.NaN())
	}
	return out
}

// goldenWindow runs window mode (scaled and raw, and per-step outputs for
// seq2seq) and returns the worst error.
func goldenWindow(t *testing.T, g *goldenFile, m *Model) float64 {
	w := &g.Window
	r := m.NewRunner(w.Batch)
	worst := 0.0
	for _, call := range []struct {
		name string
		run  func([]float32, int, []float32)
		want []float32
	}{
		{"Window", r.Window, w.Outputs},
		{"WindowRaw", r.WindowRaw, w.Outputs},
		{"WindowSeq", r.WindowSeq, w.SeqOutputs},
		{"WindowSeqRaw", r.WindowSeqRaw, w.SeqOutputs},
	} {
		if strings.HasPrefix(call.name, "WindowSeq") && m.Meta.Arch != ArchSeq2Seq {
			continue
		}
		out := nanFilled(len(call.want))
		call.run(w.Inputs, w.Batch, out)
		worst = max(worst, maxAbsDiff(t, call.name, out, call.want))
	}
	return worst
}

// goldenStateful carries states over every step with Step, and with
// StepRaw on a Runner smaller than the batch (so calls are chunked), and
// returns the worst error.
func goldenStateful(t *testing.T, g *goldenFile, m *Model) float64 {
	s := &g.Stateful
	in, h := len(s.Inputs)/(s.Steps*s.Batch), m.Meta.Horizon
	worst := 0.0
	for _, call := range []struct {
		name string
		r    *Runner
		step func(*Runner) func([][]float32, []float32, []float32)
	}{
		{"Step", m.NewRunner(s.Batch), func(r *Runner) func([][]float32, []float32, []float32) { return r.Step }},
		{"StepRaw", m.NewRunner(s.Batch - 1), func(r *Runner) func([][]float32, []float32, []float32) { return r.StepRaw }},
	} {
		states := make([][]float32, s.Batch)
		for i := range states {
			states[i] = make([]float32, m.StateLen())
		}
		step := call.step(call.r)
		for ts := 0; ts < s.Steps; ts++ {
			out := nanFilled(s.Batch * h)
			step(states, s.Inputs[ts*s.Batch*in:(ts+1)*s.Batch*in], out)
			worst = max(worst, maxAbsDiff(t, call.name, out, s.Outputs[ts*s.Batch*h:(ts+1)*s.Batch*h]))
		}
	}
	return worst
}

// TestGolden checks every file python/golden.py made: rnncast's outputs
// must match PyTorch's within goldenTol in window and stateful mode.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 32 {
		t.Fatalf("found %d golden files, want at least 32 (every arch and cell, twice)", len(files))
	}
	goldens := make([]*goldenFile, len(files))
	covered := map[string]bool{}
	for i, path := range files {
		if goldens[i], err = readGolden(path); err != nil {
			t.Fatal(err)
		}
		covered[goldens[i].Arch+"/"+goldens[i].Cell] = true
	}
	for _, a := range []Arch{ArchSeq2Vec, ArchSeq2Seq, ArchEncDec, ArchVec2Seq} {
		for _, c := range []string{"rnn-tanh", "rnn-relu", "lstm", "gru"} {
			if !covered[string(a)+"/"+c] {
				t.Errorf("no golden file for arch %s, cell %s", a, c)
			}
		}
	}
	for i, path := range files {
		g := goldens[i]
		t.Run(strings.TrimSuffix(filepath.Base(path), ".json"), func(t *testing.T) {
			m := loadGolden(t, path, g)
			we, se := goldenWindow(t, g, m), goldenStateful(t, g, m)
			t.Logf("max abs error: window %.3g, stateful %.3g over %d steps (torch %s)", we, se, g.Stateful.Steps, g.TorchVersion)
			if we > goldenTol || se > goldenTol {
				t.Errorf("max abs error: window %g, stateful %g, want ≤ %g", we, se, goldenTol)
			}
		})
	}
}
