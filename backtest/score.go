package backtest

import "math"

// Metrics are one method's errors over a set of forecasts.
type Metrics struct {
	MSE, MAE float64 // standardized scale (the ETT benchmark's MSE and MAE).
	MAEOrig  float64 // original units.
	RMSEOrig float64 // original units.
	SMAPE    float64 // symmetric MAPE in percent: mean of 200·|f−a|/(|f|+|a|).
	MASE     float64 // MAE divided by the in-sample MAE of the seasonal-naive forecast.
	Count    int     // forecasts × steps scored.
}

// Score accumulates one method's errors per horizon step.
type Score struct {
	Method string
	n      []int
	se, ae []float64 // original units.
	smape  []float64
	nsmape []int
	std    float64 // the target's train std: standardized error = error / std.
	scale  float64 // MASE denominator (original units).
}

func newScore(method string, h int, std, maseScale float64) *Score {
	return &Score{Method: method, n: make([]int, h), se: make([]float64, h), ae: make([]float64, h),
		smape: make([]float64, h), nsmape: make([]int, h), std: std, scale: maseScale}
}

// add scores one forecast against the actual values (both H long).
func (s *Score) add(forecast, actual []float64) {
	for k, f := range forecast {
		a := actual[k]
		d := math.Abs(f - a)
		s.n[k]++
		s.se[k] += d * d
		s.ae[k] += d
		if den := math.Abs(f) + math.Abs(a); den > 0 {
			s.smape[k] += 200 * d / den
			s.nsmape[k]++
		}
	}
}

// Horizon returns the number of steps scored.
func (s *Score) Horizon() int { return len(s.n) }

// Step returns the metrics of horizon step k (0-based).
func (s *Score) Step(k int) Metrics { return s.metrics(k, k+1) }

// Overall returns the metrics over every step.
func (s *Score) Overall() Metrics { return s.metrics(0, len(s.n)) }

func (s *Score) metrics(lo, hi int) Metrics {
	var n, ns int
	var se, ae, sm float64
	for k := lo; k < hi; k++ {
		n, ns = n+s.n[k], ns+s.nsmape[k]
		se, ae, sm = se+s.se[k], ae+s.ae[k], sm+s.smape[k]
	}
	if n == 0 {
		return Metrics{}
	}
	m := Metrics{Count: n, MAEOrig: ae / float64(n), RMSEOrig: math.Sqrt(se / float64(n))}
	m.MSE = se / float64(n) / (s.std * s.std)
	m.MAE = m.MAEOrig / s.std
	if ns > 0 {
		m.SMAPE = sm / float64(ns)
	}
	m.MASE = m.MAEOrig / s.scale
	return m
}

// maseScale is the mean absolute difference between values lag rows apart
// over values (the in-sample seasonal-naive error; lag 1 when too short).
func maseScale(values []float64, lag int) float64 {
	if lag >= len(values) {
		lag = 1
	}
	var s float64
	for i := lag; i < len(values); i++ {
		s += math.Abs(values[i] - values[i-lag])
	}
	if s == 0 {
		return 1
	}
	return s / float64(len(values)-lag)
}
