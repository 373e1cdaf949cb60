package backtest

import (
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/rnncast/rnncast/conformal"
)

// IntervalScore is one method's calibrated intervals over a backtest: each
// sensor's intervals from package conformal, made at each origin from the
// scores of the forecasts whose actuals had arrived by then (as live
// scoring would see them), scored against the actuals. Widths, Winkler and
// pinball losses are on each sensor's own standardized scale (Sensors').
type IntervalScore struct {
	Method  string
	Levels  []float64
	n       []int       // per step: forecasts
	covered [][]int     // per level, per step
	width   [][]float64 // per level, per step: summed widths
	winkler [][]float64 // per level, per step
	pinball []float64   // per step: summed pinball losses of both bounds of every level
}

// Coverage returns the share of actuals inside the level-l intervals, over
// every step.
func (s *IntervalScore) Coverage(l int) float64 {
	return float64(sumInts(s.covered[l])) / float64(max(1, sumInts(s.n)))
}

// CoverageStep returns the level-l coverage at step k (from 0).
func (s *IntervalScore) CoverageStep(l, k int) float64 {
	return float64(s.covered[l][k]) / float64(max(1, s.n[k]))
}

// MeanWidth returns the mean width of the level-l intervals (standardized).
func (s *IntervalScore) MeanWidth(l int) float64 {
	return sumFloats(s.width[l]) / float64(max(1, sumInts(s.n)))
}

// Winkler returns the mean interval (Winkler) score of level l
// (standardized): width plus 2/(1−level) times the distance of a missed
// actual to the bound.
func (s *IntervalScore) Winkler(l int) float64 {
	return sumFloats(s.winkler[l]) / float64(max(1, sumInts(s.n)))
}

// Pinball returns the pinball loss averaged over both bounds of every level
// (the bounds as quantiles (1−level)/2 and (1+level)/2; standardized): an
// approximate CRPS.
func (s *IntervalScore) Pinball() float64 {
	return sumFloats(s.pinball) / float64(max(1, sumInts(s.n)*2*len(s.Levels)))
}

// calibrate computes r.Intervals for the first method and seasonal naive.
func (r *Result) calibrate() error {
	level := r.anomalyLevel()
	levels := append([]float64(nil), conformal.DefaultLevels...)
	if !slices.Contains(levels, level) {
		levels = append(levels, level)
		slices.Sort(levels)
	}
	k, err := conformal.New(conformal.Config{Horizon: r.Horizon, Levels: levels})
	if err != nil {
		return err
	}
	r.Intervals = nil
	r.Anomalies = &AnomalyScore{Level: level}
	for _, j := range []int{0, len(r.Forecasts) - 1} { // the model's (without one, Repeat's) and seasonal naive's
		var a *AnomalyScore
		if j == 0 {
			a = r.Anomalies
		}
		r.Intervals = append(r.Intervals, r.intervals(k, j, a))
	}
	return nil
}

// pending is a forecast waiting for its actuals: its origin, its H
// values, the next step to score.
type pending struct {
	origin, next int
	fc           []float64
	q            []float32 // the half-widths issued with it
	sd           float64   // the running std it was issued with
}

// sensorCal is one sensor's walk through its rows.
type sensorCal struct {
	cal     conformal.Sensor
	row     int // next row of r.values to read
	pend    []pending
	std     float64 // the sensor's standardized scale
	started bool
}

// event is one forecast of the walk: a burn-in one (not counted) or a test
// one.
type event struct {
	sensor     string
	origin     int
	fc, actual []float64
	counted    bool
}

// events returns method j's burn-in and test forecasts in time order (the
// time of the row before the origin), sensors interleaved.
func (r *Result) events(j int) []event {
	H := r.Horizon
	var ev []event
	b := r.burn
	for i, e := range b.origins {
		name := r.Target
		if b.keys != nil {
			name = b.keys[i]
		}
		ev = append(ev, event{sensor: name, origin: e, fc: b.forecasts[j][i*H : (i+1)*H], actual: b.actual[i*H : (i+1)*H]})
	}
	for i, e := range r.Origins {
		ev = append(ev, event{sensor: r.sensorOf(i), origin: e, fc: r.Forecasts[j][i*H : (i+1)*H], actual: r.Actual[i*H : (i+1)*H], counted: true})
	}
	slices.SortStableFunc(ev, func(a, b event) int { return r.Times[a.origin-1].Compare(r.Times[b.origin-1]) })
	return ev
}

// intervals walks every sensor's rows and forecasts in time order, sensors
// interleaved, with one pool for the fleet, calibrating method j: before
// each forecast the sensor's readings up to its origin arrive (each scoring
// the earlier forecasts it is the actual of); the forecast's intervals are
// then made, and counted unless it is a burn-in one.
func (r *Result) intervals(k *conformal.Calibrator, j int, anomalies *AnomalyScore) *IntervalScore {
	H := r.Horizon
	s := &IntervalScore{Method: r.Scores[j].Method, Levels: k.Levels(), n: make([]int, H), pinball: make([]float64, H)}
	for range k.Levels() {
		s.covered = append(s.covered, make([]int, H))
		s.width = append(s.width, make([]float64, H))
		s.winkler = append(s.winkler, make([]float64, H))
	}
	first := map[string]int{} // each sensor's first counted origin, for its scale
	for i, e := range r.Origins {
		if _, ok := first[r.sensorOf(i)]; !ok {
			first[r.sensorOf(i)] = e
		}
	}
	pool := k.NewPool()
	sensors := map[string]*sensorCal{}
	la := slices.Index(k.Levels(), r.anomalyLevel())
	// flagged are the rows of r.values that were anomaly events: they are
	// scored (the calibration must see its misses) but kept out of the
	// running std, which one 5-std spike would inflate for days.
	flagged := map[int]bool{}
	for _, ev := range r.events(j) {
		sc := sensors[ev.sensor]
		if sc == nil {
			f, ok := first[ev.sensor]
			if !ok {
				f = ev.origin
			}
			sc = &sensorCal{row: r.sensorRows[ev.sensor][0], std: r.sensorStd(ev.sensor, f)}
			sensors[ev.sensor] = sc
		}
		for ; sc.row < ev.origin; sc.row++ { // rows up to origin−1 have arrived
			x, skip := r.values[sc.row], flagged[sc.row]
			if !skip {
				k.Reading(&sc.cal, x)
			}
			for p := range sc.pend {
				pd := &sc.pend[p]
				if pd.next < H && pd.origin+pd.next == sc.row {
					k.ScoreIssued(&sc.cal, pool, pd.next, pd.fc[pd.next], x, pd.q, pd.sd)
					pd.next++
				}
			}
			for len(sc.pend) > 0 && sc.pend[0].next == H {
				sc.pend = sc.pend[1:]
			}
		}
		if !sc.started {
			k.Start(&sc.cal, pool)
			sc.started = true
		}
		sc.pend = append(sc.pend, pending{origin: ev.origin, fc: ev.fc, q: slices.Clone(sc.cal.Q), sd: k.Scale(&sc.cal)})
		lo, hi := k.Interval(&sc.cal, la, 0, ev.fc[0]) // the reading at the origin, against the anomaly interval
		event := ev.actual[0] < lo || ev.actual[0] > hi
		if event {
			flagged[ev.origin] = true
		}
		if ev.counted {
			s.add(k, &sc.cal, sc.std, ev.fc, ev.actual)
			if anomalies != nil {
				r.countAnomaly(anomalies, ev.origin, event)
			}
		}
	}
	return s
}

// anomalyLevel returns the configured anomaly level.
func (r *Result) anomalyLevel() float64 {
	if r.AnomalyLevel == 0 {
		return DefaultAnomalyLevel
	}
	return r.AnomalyLevel
}

// countAnomaly counts whether the reading at row (the step-1 target of a
// counted forecast) was an anomaly event, against its label.
func (r *Result) countAnomaly(a *AnomalyScore, row int, event bool) {
	label := r.labels != nil && r.labels[row]
	a.Rows++
	if event {
		a.Events++
	}
	if label {
		a.Labels++
		if event {
			a.Hits++
		}
	}
}

// add counts one forecast's intervals against its actuals.
func (s *IntervalScore) add(k *conformal.Calibrator, cal *conformal.Sensor, std float64, fc, actual []float64) {
	for h, f := range fc {
		a := actual[h]
		s.n[h]++
		for l, lv := range s.Levels {
			lo, hi := k.Interval(cal, l, h, f)
			alpha := 1 - lv
			w := (hi - lo) / std
			wk := w
			switch {
			case a < lo:
				wk += 2 / alpha * (lo - a) / std
			case a > hi:
				wk += 2 / alpha * (a - hi) / std
			default:
				s.covered[l][h]++
			}
			s.width[l][h] += w
			s.winkler[l][h] += wk
			s.pinball[h] += (pinball(alpha/2, lo, a) + pinball(1-alpha/2, hi, a)) / std
		}
	}
}

// pinball is the pinball loss of quantile tau predicted q for actual y.
func pinball(tau, q, y float64) float64 {
	d := y - q
	return math.Max(tau*d, (tau-1)*d)
}

// sensorStd returns sensor name's standardized scale (Sensors' std), given
// its first scored origin.
func (r *Result) sensorStd(name string, first int) float64 {
	lo, hi := r.sensorScale(name, first)
	_, std := meanStd(r.values[lo:hi])
	if std == 0 || math.IsNaN(std) {
		all := r.sensorRows[name]
		_, std = meanStd(r.values[all[0]:all[1]])
	}
	if std == 0 || math.IsNaN(std) {
		std = 1
	}
	return std
}

// writeIntervals writes the report's intervals section.
func (r *Result) writeIntervals(w io.Writer) {
	if len(r.Intervals) == 0 {
		return
	}
	fmt.Fprint(w, "\n## Intervals (online conformal per sensor and step)\n\n"+
		"Each sensor's intervals come from package conformal: quantile tracking per level and horizon step on the residuals "+
		"of its forecasts whose actuals had arrived, standardized by its running std, started from the fleet's pool. "+
		"Width, Winkler score and pinball loss are on each sensor's own standardized scale.\n\n"+
		"| method | level | coverage | coverage by step (min / max) | mean width | Winkler | pinball (all levels) |\n|---|---|---|---|---|---|---|\n")
	for _, s := range r.Intervals {
		for l, lv := range s.Levels {
			lo, hi := 1.0, 0.0
			for h := range s.n {
				c := s.CoverageStep(l, h)
				lo, hi = math.Min(lo, c), math.Max(hi, c)
			}
			fmt.Fprintf(w, "| %s | %.2f | %.4f | %.4f / %.4f | %.4f | %.4f | %.4f |\n", s.Method, lv, s.Coverage(l), lo, hi, s.MeanWidth(l), s.Winkler(l), s.Pinball())
		}
	}
	if a := r.Anomalies; a != nil {
		fmt.Fprintf(w, "\nAnomaly events (a reading outside the %.3g interval of %s's forecast made one step earlier): %d of %d readings, "+
			"false-alarm rate %.4f (nominal %.4f).", a.Level, r.Intervals[0].Method, a.Events, a.Rows, a.FalseAlarmRate(), 1-a.Level)
		if r.labels != nil {
			fmt.Fprintf(w, " Against the %d injected anomalies (%s, %g std): precision %.4f, recall %.4f, F1 %.4f.",
				a.Labels, r.Inject, r.InjectK, a.Precision(), a.Recall(), a.F1())
		}
		fmt.Fprintln(w)
	}
	if len(r.Intervals) == 2 {
		a, b := r.Intervals[0], r.Intervals[1]
		for l, lv := range a.Levels {
			fmt.Fprintf(w, "\nLevel %.2f: %s's mean width is %.3f times %s's.", lv, a.Method, a.MeanWidth(l)/b.MeanWidth(l), b.Method)
		}
		fmt.Fprintln(w)
	}
}

func sumInts(v []int) int {
	n := 0
	for _, x := range v {
		n += x
	}
	return n
}

func sumFloats(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}
