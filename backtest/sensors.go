package backtest

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// SensorScore is one sensor's scores on its own standardized scale: its
// errors divided by its own population std over the rows before the
// scored range (SensorScale), so that sensors of very different units
// compare.
type SensorScore struct {
	Sensor    string
	Forecasts int     // origins scored
	Mean, Std float64 // the sensor's scale (original units)
	// ScaleRows is the number of rows Mean and Std are over.
	ScaleRows int
	// MSE and MAE are the first method's (the model's, else Repeat's), on
	// the sensor's scale.
	MSE, MAE float64
	// RepeatMSE and SeasonalMSE are the baselines' MSE on the same scale
	// and origins.
	RepeatMSE, SeasonalMSE float64
	// SkillRepeat and SkillSeasonal are 1 − MSE/MSE_naive: positive when
	// the method beats the naive forecast, 0 when the naive MSE is 0.
	SkillRepeat, SkillSeasonal float64
}

// WorseThanRepeat reports whether the sensor's first method lost to Repeat.
func (s SensorScore) WorseThanRepeat() bool { return s.MSE > s.RepeatMSE }

// skill returns 1 − mse/naive (0 when naive is 0).
func skill(mse, naive float64) float64 {
	if naive == 0 {
		return 0
	}
	return 1 - mse/naive
}

// Sensors returns every scored sensor's scores, worst first: by skill
// against Repeat, lowest first, then by MSE, highest first, then by name.
// A CSV backtest has one sensor, its target; a topic backtest one per key.
//
// A sensor's scale is its target's mean and std over the rows before the
// scored range: the train split [0, ScaleRows) of a CSV when ScaleRows is
// given (of each sensor's own rows for RunFleet), else the rows before
// TestStart; a topic sensor's readings before its first scored origin (its
// warm-up part). A constant scale part falls
// back to all the sensor's rows, and a constant sensor to std 1.
func (r *Result) Sensors() []SensorScore {
	H := r.Horizon
	type span struct{ origins []int } // indices into r.Origins
	order := []string{}
	idx := map[string]*span{}
	for i := range r.Origins {
		k := r.sensorOf(i)
		sp, ok := idx[k]
		if !ok {
			sp = &span{}
			idx[k] = sp
			order = append(order, k)
		}
		sp.origins = append(sp.origins, i)
	}
	out := make([]SensorScore, 0, len(order))
	for _, k := range order {
		sp := idx[k]
		lo, hi := r.sensorScale(k, r.Origins[sp.origins[0]])
		mean, std := meanStd(r.values[lo:hi])
		n := hi - lo
		if std == 0 {
			all := r.sensorRows[k]
			mean, std = meanStd(r.values[all[0]:all[1]])
			n = all[1] - all[0]
		}
		if std == 0 || math.IsNaN(std) {
			std = 1
		}
		se := make([]float64, len(r.Forecasts))
		var ae float64
		for _, i := range sp.origins {
			for h := 0; h < H; h++ {
				a := r.Actual[i*H+h]
				for j := range r.Forecasts {
					d := r.Forecasts[j][i*H+h] - a
					se[j] += d * d
					if j == 0 {
						ae += math.Abs(d)
					}
				}
			}
		}
		cnt := float64(len(sp.origins) * H)
		v := std * std
		s := SensorScore{Sensor: k, Forecasts: len(sp.origins), Mean: mean, Std: std, ScaleRows: n,
			MSE: se[0] / cnt / v, MAE: ae / cnt / std}
		rep, sea := len(r.Forecasts)-2, len(r.Forecasts)-1 // the baselines come last
		s.RepeatMSE, s.SeasonalMSE = se[rep]/cnt/v, se[sea]/cnt/v
		s.SkillRepeat, s.SkillSeasonal = skill(s.MSE, s.RepeatMSE), skill(s.MSE, s.SeasonalMSE)
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b SensorScore) int {
		return cmp.Or(cmp.Compare(a.SkillRepeat, b.SkillRepeat), cmp.Compare(b.MSE, a.MSE), cmp.Compare(a.Sensor, b.Sensor))
	})
	return out
}

// sensorOf names the sensor of forecast i: its key, or the target of a CSV.
func (r *Result) sensorOf(i int) string {
	if r.Keys != nil {
		return r.Keys[i]
	}
	return r.Target
}

// sensorScale returns the rows [lo, hi) of r.values sensor k's scale is
// over, given its first scored origin.
func (r *Result) sensorScale(k string, first int) (lo, hi int) {
	base := r.sensorRows[k][0]
	switch {
	case r.ScaleRows > 0: // a CSV's, or a fleet of CSV series' (RunFleet)
		return base, base + r.ScaleRows
	case r.Keys == nil:
		return 0, r.TestStart
	}
	return base, first
}

// meanStd returns the mean and population std of vs (NaN std when empty).
func meanStd(vs []float64) (mean, std float64) {
	if len(vs) == 0 {
		return 0, math.NaN()
	}
	for _, v := range vs {
		mean += v
	}
	mean /= float64(len(vs))
	var ss float64
	for _, v := range vs {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(vs)))
}

// SensorSummary is the per-sensor part of the summary line.
type SensorSummary struct {
	Sensors         int     // sensors scored
	MeanMSE         float64 // mean over sensors of the first method's MSE (each on its own scale)
	MeanSkillRepeat float64 // mean over sensors of the skill against Repeat
	WorseThanRepeat int     // sensors whose MSE exceeds Repeat's
}

// Summarize returns the mean over the sensors ss.
func Summarize(ss []SensorScore) SensorSummary {
	s := SensorSummary{Sensors: len(ss)}
	for _, x := range ss {
		s.MeanMSE += x.MSE
		s.MeanSkillRepeat += x.SkillRepeat
		if x.WorseThanRepeat() {
			s.WorseThanRepeat++
		}
	}
	if len(ss) > 0 {
		s.MeanMSE /= float64(len(ss))
		s.MeanSkillRepeat /= float64(len(ss))
	}
	return s
}

// WriteSensorsCSV writes ss as CSV with a header, one row per sensor in
// ss's order (worst first).
func WriteSensorsCSV(w io.Writer, ss []SensorScore) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"sensor", "forecasts", "scale_rows", "mean", "std", "mse", "mae", "repeat_mse", "seasonal_mse",
		"skill_repeat", "skill_seasonal", "worse_than_repeat"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }
	for _, s := range ss {
		cw.Write([]string{s.Sensor, strconv.Itoa(s.Forecasts), strconv.Itoa(s.ScaleRows), f(s.Mean), f(s.Std), f(s.MSE), f(s.MAE),
			f(s.RepeatMSE), f(s.SeasonalMSE), f(s.SkillRepeat), f(s.SkillSeasonal), strconv.FormatBool(s.WorseThanRepeat())})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("backtest: cannot write the sensors' CSV: %w", err)
	}
	return nil
}
