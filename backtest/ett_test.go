package backtest

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/rnncast/rnncast/train"
)

// ettDir holds the ETT files kept in the repository (testdata/ett, with their licence).
const ettDir = "../testdata/ett"

func readETT(t *testing.T, name string) *train.Table {
	t.Helper()
	path := filepath.Join(ettDir, name)
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("ETT data missing (want testdata/ett in the repository): %v", err)
	}
	defer f.Close()
	tab, err := train.ReadCSV(f, "OT", nil)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// TestETTProtocol checks the backtest's protocol against the numbers in
// shared/benchmarks/ett.md: the Repeat and seasonal-naive forecasts on the
// ETT test split, standardized with the train rows' scaler, per horizon.
func TestETTProtocol(t *testing.T) {
	type want struct{ repMSE, repMAE, seaMSE, seaMAE float64 }
	files := map[string]map[int]want{
		"ETTh1.csv": {
			24: {0.0343, 0.1394, 0.0458, 0.1663}, 48: {0.0501, 0.1711, 0.0576, 0.1880},
			96: {0.0693, 0.2033, 0.0715, 0.2105}, 168: {0.0872, 0.2288, 0.0871, 0.2302},
			192: {0.0920, 0.2357, 0.0916, 0.2368}, 336: {0.1133, 0.2652, 0.1108, 0.2634},
			720: {0.1292, 0.2834, 0.1252, 0.2796},
		},
		"ETTh2.csv": {
			24: {0.2294, 0.3573, 0.0946, 0.2310}, 48: {0.2588, 0.3897, 0.1225, 0.2659},
			96: {0.2955, 0.4232, 0.1546, 0.3032}, 168: {0.3286, 0.4542, 0.1895, 0.3386},
			192: {0.3374, 0.4623, 0.2018, 0.3508}, 336: {0.3899, 0.5023, 0.2606, 0.4043},
			720: {0.4366, 0.5315, 0.3020, 0.4409},
		},
	}
	for name, rows := range files {
		tab := readETT(t, name)
		for h, w := range rows {
			res, err := Run(nil, tab, Config{Horizon: h, TestStart: 11520, TestEnd: 14400, ScaleRows: 8640})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(res.Origins); got != 2881-h {
				t.Errorf("%s H=%d: got %d test windows, want %d", name, h, got, 2881-h)
			}
			rep, sea := res.Scores[0].Overall(), res.Scores[1].Overall()
			check := func(what string, got, want float64) {
				if math.Abs(got-want) > 0.51e-4 {
					t.Errorf("%s H=%d %s: got %.5f, want %.4f", name, h, what, got, want)
				}
			}
			check("repeat MSE", rep.MSE, w.repMSE)
			check("repeat MAE", rep.MAE, w.repMAE)
			check("seasonal MSE", sea.MSE, w.seaMSE)
			check("seasonal MAE", sea.MAE, w.seaMAE)
		}
	}
}

// TestETTScaler checks the train-rows scaler against ett.md's table.
func TestETTScaler(t *testing.T) {
	for name, want := range map[string][2]float64{"ETTh1.csv": {17.128262, 9.176491}, "ETTh2.csv": {26.872023, 11.584719}} {
		res, err := Run(nil, readETT(t, name), Config{Horizon: 24, TestStart: 11520, TestEnd: 14400, ScaleRows: 8640})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(res.Mean-want[0]) > 1e-6 || math.Abs(res.Std-want[1]) > 1e-6 {
			t.Errorf("%s: got mean %.6f std %.6f, want %.6f %.6f", name, res.Mean, res.Std, want[0], want[1])
		}
	}
}
