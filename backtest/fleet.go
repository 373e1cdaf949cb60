package backtest

import (
	"errors"
	"fmt"
	"math"

	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/train"
)

// RunFleet backtests m (nil for the baselines alone) on every table, each
// one sensor (its target, named by it), with the same Config, and returns
// one Result of all of them: Keys names each origin's sensor, as a topic
// backtest's does, so Sensors scores each on its own scale (the train split
// [0, ScaleRows) of its own rows; ScaleRows defaults to TestStart). The pooled
// Scores are on each sensor's standardized scale: their MSE and MAE are
// the mean over sensors, windows and steps (the fleet benchmark's figure),
// and MAEOrig, RMSEOrig are on that scale too; MASE is not defined for a
// fleet (NaN).
func RunFleet(m *model.Model, tabs []*train.Table, c Config) (*Result, error) {
	if len(tabs) == 0 {
		return nil, errors.New("backtest: a fleet backtest needs at least one series")
	}
	if c.ScaleRows == 0 {
		c.ScaleRows = c.TestStart // each sensor's rows before the test: a fleet's figures need each one's own scale.
	}
	seen := map[string]bool{}
	for _, t := range tabs {
		name := t.Names[t.Target]
		if seen[name] {
			return nil, fmt.Errorf("backtest: two series named %q", name)
		}
		seen[name] = true
	}
	parts := make([]*Result, len(tabs))
	for i, t := range tabs {
		name := t.Names[t.Target]
		ci := c
		ci.InjectSeed = c.InjectSeed + uint64(i) // each sensor its own positions
		if ci.InjectSeed == uint64(i) {
			ci.InjectSeed = 1 + uint64(i)
		}
		r, err := Run(m, t, ci)
		if err != nil {
			return nil, fmt.Errorf("%w (series %q)", err, name)
		}
		parts[i] = r
	}
	r := mergeSensors(parts)
	if err := r.calibrate(); err != nil { // again: the sensors interleaved in time, one pool
		return nil, err
	}
	return r, nil
}

// mergeSensors lays the one-sensor results parts one after another in one
// Result whose Keys name each origin's sensor.
func mergeSensors(parts []*Result) *Result {
	p0 := parts[0]
	H := p0.Horizon
	r := &Result{Config: p0.Config, Target: "fleet", Mean: 0, Std: 1, ModelLabel: p0.ModelLabel, fleet: true,
		Forecasts: make([][]float64, len(p0.Forecasts)), sensorRows: map[string][2]int{}}
	for _, p := range parts {
		base := len(r.values)
		r.values = append(r.values, p.values...)
		if p.labels != nil || r.labels != nil {
			r.labels = append(r.labels, make([]bool, base-len(r.labels))...)
			r.labels = append(r.labels, p.labels...)
			r.labels = append(r.labels, make([]bool, len(r.values)-len(r.labels))...)
		}
		r.Times = append(r.Times, p.Times...)
		r.sensorRows[p.Target] = [2]int{base, len(r.values)}
		for _, e := range p.Origins {
			r.Origins = append(r.Origins, base+e)
			r.Keys = append(r.Keys, p.Target)
		}
		r.Actual = append(r.Actual, p.Actual...)
		for j := range r.Forecasts {
			r.Forecasts[j] = append(r.Forecasts[j], p.Forecasts[j]...)
		}
		for _, e := range p.burn.origins {
			r.burn.origins = append(r.burn.origins, base+e)
			r.burn.keys = append(r.burn.keys, p.Target)
		}
		r.burn.actual = append(r.burn.actual, p.burn.actual...)
		if r.burn.forecasts == nil {
			r.burn.forecasts = make([][]float64, len(p.burn.forecasts))
		}
		for j := range r.burn.forecasts {
			r.burn.forecasts[j] = append(r.burn.forecasts[j], p.burn.forecasts[j]...)
		}
	}
	for j, s0 := range p0.Scores {
		s := newScore(s0.Method, H, 1, math.NaN())
		for _, p := range parts {
			ps := p.Scores[j]
			for k := range s.n {
				s.n[k] += ps.n[k]
				s.se[k] += ps.se[k] / (ps.std * ps.std)
				s.ae[k] += ps.ae[k] / ps.std
				s.smape[k] += ps.smape[k]
				s.nsmape[k] += ps.nsmape[k]
			}
		}
		r.Scores = append(r.Scores, s)
	}
	r.SensorsSeen = len(parts) // Config keeps each series' own TestStart and TestEnd.
	return r
}
