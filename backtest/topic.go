package backtest

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/rnncast/rnncast/model"
)

// Collector gathers what a replay of a topic reports (pipeline.Config's
// OnReading and OnForecast): each sensor's readings on its grid and the
// forecasts made at them. It is safe for concurrent use (the replay's
// partition workers call it concurrently, each for its own sensors).
type Collector struct {
	target int // the target feature's index in a reading's values

	mu      sync.Mutex
	sensors map[string]*series
}

// series is one sensor's readings (grid slots, in the order applied, which
// is slot order) and its forecasts by slot.
type series struct {
	times  []time.Time
	values []float64 // the target feature, original units
	fc     map[int64][]float64
}

// NewCollector returns a Collector scoring feature target of the readings.
func NewCollector(target int) *Collector {
	return &Collector{target: target, sensors: map[string]*series{}}
}

func (c *Collector) series(sensor string) *series {
	s, ok := c.sensors[sensor]
	if !ok {
		s = &series{fc: map[int64][]float64{}}
		c.sensors[sensor] = s
	}
	return s
}

// Reading records a reading applied at ts (its grid slot); it has
// pipeline.Config.OnReading's signature.
func (c *Collector) Reading(sensor string, ts time.Time, values []float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.series(sensor)
	s.times = append(s.times, ts)
	s.values = append(s.values, values[c.target])
}

// Forecast records a forecast made at ts; it has
// pipeline.Config.OnForecast's signature.
func (c *Collector) Forecast(sensor string, ts time.Time, forecast []float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.series(sensor).fc[ts.UnixMilli()] = slices.Clone(forecast)
}

// ErrNoScored is Collector.Result's error when no forecast could be
// scored.
var ErrNoScored = errors.New("backtest: no forecast of the replay could be scored (each needs its horizon and seasonal period of readings without gaps)")

// TopicConfig describes a topic backtest for Collector.Result.
type TopicConfig struct {
	// Name names the data in the report (the topic).
	Name string
	// Interval is the grid step of the readings (the pipeline's).
	Interval time.Duration
	// Horizon is H; default the model's.
	Horizon int
	// Period is the seasonal-naive period in grid steps; default 24.
	Period int
	// Mode is the serving mode the replay used (for the report).
	Mode string
}

// TopicStats counts the forecasts a topic backtest could not score.
type TopicStats struct {
	Sensors, Forecasts, Scored int
}

// Result scores every forecast of the collected replay whose H targets
// were all read (no gap, no reading missing before the replay's end) and
// whose seasonal-naive inputs (the Period slots before it) were read too,
// against the Repeat and seasonal-naive baselines over the same origins.
// Sensors are concatenated in name order: Times holds each sensor's
// readings in turn, and Keys names the sensor of each origin. The
// standardized scale is m's scaler of its target; MASE divides by the
// seasonal-naive MAE pooled over every sensor's readings (a topic replay
// has no train split).
func (c *Collector) Result(m *model.Model, tc TopicConfig) (*Result, TopicStats, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tc.Horizon == 0 {
		tc.Horizon = m.Meta.Horizon
	}
	if tc.Period == 0 {
		tc.Period = 24
	}
	if tc.Horizon < 1 || tc.Horizon > m.Meta.Horizon || tc.Interval <= 0 {
		return nil, TopicStats{}, fmt.Errorf("backtest: horizon %d (model's %d) or interval %s out of range", tc.Horizon, m.Meta.Horizon, tc.Interval)
	}
	r := &Result{Config: Config{Horizon: tc.Horizon, Period: tc.Period, Mode: tc.Mode}, Target: tc.Name, sensorRows: map[string][2]int{}}
	r.Mean, r.Std = targetScale(m)
	r.ModelLabel = fmt.Sprintf("%s v%s (%s %s, hidden %d, layers %d, norm %s)",
		m.Meta.Name, m.Meta.Version, tc.Mode, m.Meta.Cell, m.Meta.Hidden, m.Meta.Layers, m.Meta.Norm)
	names := make([]string, 0, len(c.sensors))
	for k := range c.sensors {
		names = append(names, k)
	}
	slices.Sort(names)
	var st TopicStats
	var col, model []float64
	var maseSum float64
	var maseN int
	for _, k := range names {
		s := c.sensors[k]
		base := len(r.Times)
		st.Sensors++
		st.Forecasts += len(s.fc)
		r.Times = append(r.Times, s.times...)
		col = append(col, s.values...)
		r.sensorRows[k] = [2]int{base, len(col)}
		for i := range s.times {
			if i >= tc.Period && s.contiguous(i-tc.Period, tc.Period, tc.Interval) {
				maseSum += math.Abs(s.values[i] - s.values[i-tc.Period])
				maseN++
			}
			fc, ok := s.fc[s.times[i].UnixMilli()]
			// Origin e = i+1 needs rows i−P+1 … i+H on consecutive slots.
			if !ok || i+1 < tc.Period || i+tc.Horizon >= len(s.times) ||
				!s.contiguous(i+1-tc.Period, tc.Period+tc.Horizon-1, tc.Interval) {
				continue
			}
			r.Origins = append(r.Origins, base+i+1)
			r.Keys = append(r.Keys, k)
			r.Actual = append(r.Actual, s.values[i+1:i+1+tc.Horizon]...)
			model = append(model, fc[:tc.Horizon]...)
		}
	}
	st.Scored = len(r.Origins)
	if len(r.Origins) == 0 {
		return nil, st, ErrNoScored
	}
	r.TestStart, r.TestEnd = r.Origins[0], len(r.Times)
	r.values, r.SensorsSeen = col, st.Sensors
	r.Forecasts = append(r.Forecasts, model)
	r.baselines(col)
	scale := 1.0
	if maseN > 0 && maseSum > 0 {
		scale = maseSum / float64(maseN)
	}
	for j, name := range []string{MethodModel, MethodRepeat, MethodSeasonal} {
		sc := newScore(name, tc.Horizon, r.Std, scale)
		for i := range r.Origins {
			sc.add(r.Forecasts[j][i*tc.Horizon:(i+1)*tc.Horizon], r.Actual[i*tc.Horizon:(i+1)*tc.Horizon])
		}
		r.Scores = append(r.Scores, sc)
	}
	if err := r.calibrate(); err != nil {
		return nil, st, err
	}
	return r, st, nil
}

// contiguous reports whether rows lo … lo+n are on consecutive slots.
func (s *series) contiguous(lo, n int, interval time.Duration) bool {
	return s.times[lo+n].Sub(s.times[lo]) == time.Duration(n)*interval
}
