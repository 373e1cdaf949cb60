package backtest

import (
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/train"
)

// forecast runs the model over the table as rnncast run would and returns
// its forecasts (origins × H, original units).
func forecast(m *model.Model, t *train.Table, r *Result) []float64 {
	if r.Mode == train.ModeWindow {
		return forecastWindow(m, t, r)
	}
	return forecastStateful(m, t, r)
}

// forecastStateful carries one state from row 0 and steps it through every
// row; the forecast after row e−1 is origin e's.
func forecastStateful(m *model.Model, t *train.Table, r *Result) []float64 {
	F, H, MH := len(t.Names), r.Horizon, m.Meta.Horizon
	run := m.NewRunner(1)
	states := [][]float32{make([]float32, m.StateLen())}
	x, out := make([]float32, F), make([]float32, MH)
	fc := make([]float64, 0, len(r.Origins)*H)
	last := r.Origins[len(r.Origins)-1]
	for row := 0; row < last; row++ {
		for f := range x {
			x[f] = float32(t.Values[row*F+f])
		}
		run.Step(states, x, out)
		if row+1 >= r.Origins[0] {
			fc = appendFloats(fc, out[:H])
		}
	}
	return fc
}

// forecastWindow runs the window of the W rows before each origin from a
// zero state, in batches.
func forecastWindow(m *model.Model, t *train.Table, r *Result) []float64 {
	F, H, MH, W := len(t.Names), r.Horizon, m.Meta.Horizon, m.Meta.Window
	run := m.NewRunner(r.Batch)
	win := make([]float32, r.Batch*W*F)
	out := make([]float32, r.Batch*MH)
	fc := make([]float64, 0, len(r.Origins)*H)
	for lo := 0; lo < len(r.Origins); lo += r.Batch {
		b := min(r.Batch, len(r.Origins)-lo)
		for i, e := range r.Origins[lo : lo+b] {
			for j, v := range t.Values[(e-W)*F : e*F] {
				win[i*W*F+j] = float32(v)
			}
		}
		run.Window(win[:b*W*F], b, out[:b*MH])
		for i := 0; i < b; i++ {
			fc = appendFloats(fc, out[i*MH:i*MH+H])
		}
	}
	return fc
}

func appendFloats(dst []float64, src []float32) []float64 {
	for _, v := range src {
		dst = append(dst, float64(v))
	}
	return dst
}
