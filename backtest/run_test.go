package backtest

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/train"
)

// synthetic returns a noisy daily-cycle table of one feature, "v".
func synthetic(rows int) *train.Table {
	rng := rand.New(rand.NewPCG(4, 4))
	t := &train.Table{Names: []string{"v"}, Interval: time.Hour}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < rows; i++ {
		t.Times = append(t.Times, t0.Add(time.Duration(i)*time.Hour))
		t.Values = append(t.Values, 20+5*math.Sin(2*math.Pi*float64(i)/24)+rng.NormFloat64())
	}
	return t
}

// lastValueModel returns a GRU whose head is zero: under NormLast its
// forecast is the newest value, in both serving modes (the Repeat forecast).
func lastValueModel(t *testing.T, mode string, h int) *model.Model {
	t.Helper()
	const hidden = 2
	m := &model.Model{
		Meta: model.Meta{Name: "last", Version: "1", Arch: model.ArchSeq2Vec, Cell: model.CellGRU,
			Nonlinearity: "tanh", Hidden: hidden, Layers: 1, Inputs: 1, Window: 12, Horizon: h,
			Interval: time.Hour, Mean: []float64{20}, Std: []float64{4}, Norm: model.NormLast, Mode: mode},
		Encoder: model.RNN{Cell: model.CellGRU, Nonlinearity: "tanh", Hidden: hidden, Layers: []model.Layer{{
			In: 1, Wih: make([]float32, 3*hidden), Whh: make([]float32, 3*hidden*hidden),
			Bih: make([]float32, 3*hidden), Bhh: make([]float32, 3*hidden)}}},
		FCW: make([]float32, h*hidden), FCB: make([]float32, h),
	}
	if err := m.Prepare(); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRunModelPaths checks that both serving paths line each forecast up
// with its origin: a model that forecasts its newest value scores exactly
// as the Repeat baseline.
func TestRunModelPaths(t *testing.T) {
	tab := synthetic(300)
	for _, mode := range []string{train.ModeWindow, train.ModeStateful} {
		m := lastValueModel(t, mode, 6)
		res, err := Run(m, tab, Config{TestStart: 200, TestEnd: 260})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(res.Origins), 260-200-6+1; got != want {
			t.Errorf("%s: got %d origins, want %d", mode, got, want)
		}
		got, rep := res.Scores[0].Overall(), res.Scores[1].Overall()
		if math.Abs(got.MSE-rep.MSE) > 1e-6*rep.MSE || math.Abs(got.MAEOrig-rep.MAEOrig) > 1e-5 { // float32 forecasts.
			t.Errorf("%s: got model %+v, want repeat's %+v", mode, got, rep)
		}
		if sea := res.Scores[2].Overall(); sea.MSE >= rep.MSE {
			t.Errorf("%s: got seasonal MSE %.4f not below repeat's %.4f on a daily cycle", mode, sea.MSE, rep.MSE)
		}
	}
}

func TestRunConfigErrors(t *testing.T) {
	tab := synthetic(100)
	m := lastValueModel(t, train.ModeWindow, 6)
	cases := []struct {
		name string
		m    *model.Model
		c    Config
	}{
		{"no scaler without model", nil, Config{Horizon: 6, TestStart: 50}},
		{"no horizon without model", nil, Config{ScaleRows: 50, TestStart: 50}},
		{"test past the end", m, Config{TestStart: 50, TestEnd: 101}},
		{"test before a period", m, Config{TestStart: 10}},
		{"horizon beyond the model's", m, Config{Horizon: 7, TestStart: 50}},
		{"unknown mode", m, Config{Mode: "online", TestStart: 50}},
	}
	for _, c := range cases {
		if _, err := Run(c.m, tab, c.c); err == nil {
			t.Errorf("%s: got nil error, want one", c.name)
		}
	}
}

func TestScoreMetrics(t *testing.T) {
	s := newScore("x", 2, 2, 0.5)
	s.add([]float64{1, 4}, []float64{2, 2})
	s.add([]float64{3, 2}, []float64{2, 2})
	k0, all := s.Step(0), s.Overall()
	if k0.MAEOrig != 1 || k0.RMSEOrig != 1 || k0.MSE != 0.25 || k0.MAE != 0.5 {
		t.Errorf("step 0: got %+v, want MAE 1, RMSE 1, MSE 0.25, MAE std 0.5", k0)
	}
	// errors 1, 1, 2, 0: MAE 1, MSE 6/4 = 1.5 → /4 = 0.375, MASE 1/0.5.
	if all.MAEOrig != 1 || all.MSE != 0.375 || all.MASE != 2 || all.Count != 4 {
		t.Errorf("overall: got %+v, want MAE 1, MSE 0.375, MASE 2, count 4", all)
	}
	// sMAPE: 200·1/3, 200·2/6, 200·1/5, 0 → mean.
	want := (200.0/3 + 200.0*2/6 + 200.0/5 + 0) / 4
	if math.Abs(all.SMAPE-want) > 1e-12 {
		t.Errorf("overall sMAPE: got %.6f, want %.6f", all.SMAPE, want)
	}
}
