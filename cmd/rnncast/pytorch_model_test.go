package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rnncast/rnncast/backtest"
	"github.com/rnncast/rnncast/model"
)

// pytorchGolden is a models/pytorch-*.json file written by python/train.py
// --golden: PyTorch's forecasts (original units) of the model it trained,
// at a few origins of the ETT series, and its MSE over the ETT test split.
type pytorchGolden struct {
	Torch    string   `json:"torch_version"`
	Model    string   `json:"model"`
	Data     string   `json:"data"`
	Target   string   `json:"target"`
	Features []string `json:"features"`
	Mode     string   `json:"mode"`
	Command  string   `json:"command"`
	Test     struct {
		Start, End, Forecasts int
		MSE                   float64
	} `json:"test"`
	Windows []struct {
		Origin   int       `json:"origin"`
		Forecast []float64 `json:"forecast"`
	} `json:"windows"`
}

// pytorchETTDir is the ETT data kept in the repository (testdata/ett).
const pytorchETTDir = "../../testdata/ett"

func loadPyTorchGoldens(t *testing.T) map[string]*pytorchGolden {
	t.Helper()
	paths, err := filepath.Glob("../../models/pytorch-*.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no models/pytorch-*.json (%v)", err)
	}
	out := map[string]*pytorchGolden{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		g := &pytorchGolden{}
		if err := json.Unmarshal(b, g); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[filepath.Base(p)] = g
	}
	return out
}

// TestPyTorchTrainedModels checks that models trained by python/train.py are
// served unchanged: model.Load reads them, model.Runner (Window or Step, as
// the file's mode says) reproduces PyTorch's forecasts at the golden origins
// within 1e-5, and backtest.Run's forecasts at those origins and its MSE over
// the test split equal PyTorch's.
func TestPyTorchTrainedModels(t *testing.T) {
	for name, g := range loadPyTorchGoldens(t) {
		t.Run(name, func(t *testing.T) {
			m, err := model.Load(filepath.Join("../../models", g.Model))
			if err != nil {
				t.Fatal(err)
			}
			if m.Meta.Mode != g.Mode {
				t.Fatalf("model mode %q, golden %q", m.Meta.Mode, g.Mode)
			}
			tab, err := readTable("test", filepath.Join(pytorchETTDir, g.Data), g.Target, strings.Join(g.Features, ","))
			if err != nil {
				t.Fatalf("ETT data missing (want testdata/ett in the repository): %v", err)
			}
			F, H, W := len(tab.Names), m.Meta.Horizon, m.Meta.Window
			run := m.NewRunner(1)
			out := make([]float32, H)
			var worst float64
			check := func(what string, origin int, got []float32, want []float64) {
				for k, w := range want {
					d := math.Abs(float64(got[k]) - w)
					worst = max(worst, d)
					if d > 1e-5 {
						t.Errorf("%s origin %d step %d: rnncast %v, PyTorch %v (diff %.3g)", what, origin, k, got[k], w, d)
						return
					}
				}
			}
			for _, w := range g.Windows {
				if len(w.Forecast) != H {
					t.Fatalf("origin %d: golden has %d values, model horizon %d", w.Origin, len(w.Forecast), H)
				}
				switch m.Meta.Mode {
				case "window":
					win := make([]float32, W*F)
					for j, v := range tab.Values[(w.Origin-W)*F : w.Origin*F] {
						win[j] = float32(v)
					}
					run.Window(win, 1, out)
				default:
					states := [][]float32{make([]float32, m.StateLen())}
					x := make([]float32, F)
					for row := 0; row < w.Origin; row++ {
						for f := range x {
							x[f] = float32(tab.Values[row*F+f])
						}
						run.Step(states, x, out)
					}
				}
				check("Runner", w.Origin, out, w.Forecast)
			}
			t.Logf("%s (%s, %s): Runner worst abs diff vs PyTorch %.3g (original units)", g.Model, g.Mode, g.Torch, worst)

			res, err := backtest.Run(m, tab, backtest.Config{TestStart: g.Test.Start, TestEnd: g.Test.End, ScaleRows: 8640})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Origins) != g.Test.Forecasts {
				t.Fatalf("backtest has %d origins, PyTorch scored %d", len(res.Origins), g.Test.Forecasts)
			}
			fc := res.Forecasts[0]
			for _, w := range g.Windows {
				i := w.Origin - res.Origins[0]
				got := make([]float32, H)
				for k := range got {
					got[k] = float32(fc[i*H+k])
				}
				check("backtest", w.Origin, got, w.Forecast)
			}
			mse := res.Scores[0].Overall().MSE
			if res.Scores[0].Method != backtest.MethodModel || math.Abs(mse-g.Test.MSE) > 1e-6 {
				t.Errorf("backtest %s MSE %.7f, PyTorch %.7f", res.Scores[0].Method, mse, g.Test.MSE)
			}
			t.Logf("test split [%d,%d): backtest MSE %.6f, PyTorch %.6f", g.Test.Start, g.Test.End, mse, g.Test.MSE)
		})
	}
}

// TestPyTorchTrainedModelsBacktestCommand runs `rnncast backtest -ett` on each
// PyTorch-trained model, as a user would, and checks its summary and report.
func TestPyTorchTrainedModelsBacktestCommand(t *testing.T) {
	for name, g := range loadPyTorchGoldens(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			report, pq := filepath.Join(dir, "report"), filepath.Join(dir, "f.parquet")
			var stdout, stderr bytes.Buffer
			args := []string{"backtest", "-data", filepath.Join(pytorchETTDir, g.Data), "-target", g.Target,
				"-features", strings.Join(g.Features, ","), "-model", filepath.Join("../../models", g.Model),
				"-ett", "-report", report, "-parquet", pq}
			if code := run(args, &stdout, &stderr); code != 0 {
				t.Fatalf("backtest: exit %d, stderr %s", code, stderr.String())
			}
			line := stdout.String()
			for _, want := range []string{"mode=" + g.Mode, "rnncast MSE=", "repeat MSE=", "seasonal-naive MSE="} {
				if !strings.Contains(line, want) {
					t.Errorf("summary %q lacks %q", line, want)
				}
			}
			for _, f := range []string{filepath.Join(report, "report.md"), filepath.Join(report, "forecast.png"), pq} {
				if st, err := os.Stat(f); err != nil || st.Size() == 0 {
					t.Errorf("%s: missing or empty (%v)", f, err)
				}
			}
			t.Log(strings.TrimSpace(line))
		})
	}
}
