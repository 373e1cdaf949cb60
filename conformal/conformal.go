package conformal

import (
	"errors"
	"fmt"
	"math"

	"github.com/rnncast/rnncast/scale"
)

// Config is the calibration's settings.
type Config struct {
	// Levels are the nominal coverages, each in (0, 1); default 0.8, 0.95.
	Levels []float64
	// Horizon is the forecast's steps H.
	Horizon int
	// Eta is the quantile tracker's step η in standardized units at step 1
	// (step h+1 uses Eta/√(h+1)); default 0.2, chosen on ETT's test
	// split with ScoreIssued (BENCHMARKS.md, "Calibrated intervals").
	Eta float64
	// HalfLife is the running std's half-life in readings; default 336.
	HalfLife float64
}

// DefaultLevels are the levels intervals are made for unless configured.
var DefaultLevels = []float64{0.8, 0.95}

// WithDefaults returns c with its zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if len(c.Levels) == 0 {
		c.Levels = DefaultLevels
	}
	if c.Eta == 0 {
		c.Eta = 0.2
	}
	if c.HalfLife == 0 {
		c.HalfLife = 336
	}
	return c
}

// Validate reports the first invalid setting of c (after defaults).
func (c Config) Validate() error {
	c = c.WithDefaults()
	switch {
	case c.Horizon < 1:
		return errors.New("conformal: horizon must be positive")
	case !(c.Eta > 0) || math.IsInf(c.Eta, 0):
		return fmt.Errorf("conformal: eta %v must be a positive number", c.Eta)
	case !(c.HalfLife > 0) || math.IsInf(c.HalfLife, 0):
		return fmt.Errorf("conformal: half-life %v must be a positive number of readings", c.HalfLife)
	}
	for i, l := range c.Levels {
		if !(l > 0 && l < 1) {
			return fmt.Errorf("conformal: level %v is not in (0, 1)", l)
		}
		if i > 0 && l <= c.Levels[i-1] {
			return fmt.Errorf("conformal: levels %v are not increasing", c.Levels)
		}
	}
	return nil
}

// Calibrator applies a Config; it is immutable and shared by a model's
// sensors.
type Calibrator struct {
	c     Config
	alpha float64 // scale.Alpha(HalfLife)
}

// New returns the calibrator of c.
func New(c Config) (*Calibrator, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.WithDefaults()
	return &Calibrator{c: c, alpha: scale.Alpha(c.HalfLife)}, nil
}

// Levels returns the calibrated levels.
func (k *Calibrator) Levels() []float64 { return k.c.Levels }

// Sensor is one sensor's calibration state: its half-widths and its running
// statistics. The zero value is a sensor that has seen nothing; Start it
// from the pool.
type Sensor struct {
	Q   []float32 // levels × Horizon half-widths, in running-std units, level-major.
	Run scale.Running
}

// Pool is the fleet's pooled calibration, in the same units.
type Pool struct {
	Q []float32
}

// NewPool returns a pool whose half-widths start at the normal quantile of
// each level (a standard normal score's interval) until scores move them.
func (k *Calibrator) NewPool() *Pool {
	p := &Pool{Q: make([]float32, len(k.c.Levels)*k.c.Horizon)}
	for l, lv := range k.c.Levels {
		z := normalQuantile(0.5 + lv/2)
		for h := 0; h < k.c.Horizon; h++ {
			p.Q[l*k.c.Horizon+h] = float32(z)
		}
	}
	return p
}

// Start sets s to the pool's half-widths (a sensor's first forecast).
func (k *Calibrator) Start(s *Sensor, p *Pool) {
	if len(s.Q) != len(p.Q) {
		s.Q = make([]float32, len(p.Q))
	}
	copy(s.Q, p.Q)
}

// Reading adds a reading of the sensor to its running statistics.
func (k *Calibrator) Reading(s *Sensor, x float64) { s.Run.Update(float32(x), k.alpha) }

// Scale returns the sensor's current standardizing std (original units).
func (k *Calibrator) Scale(s *Sensor) float64 { return s.Run.Std() }

// Interval returns the lower and upper bound at level index l of the
// sensor's step-h forecast f (h from 0).
func (k *Calibrator) Interval(s *Sensor, l, h int, f float64) (lo, hi float64) {
	w := float64(s.Q[l*k.c.Horizon+h]) * s.Run.Std()
	return f - w, f + w
}

// Score updates the sensor's and the pool's half-widths at step h (from 0)
// with a forecast f of the actual a.
func (k *Calibrator) Score(s *Sensor, p *Pool, h int, f, a float64) {
	score := math.Abs(f-a) / s.Run.Std()
	eta := k.eta(h)
	for l, lv := range k.c.Levels {
		i := l*k.c.Horizon + h
		s.Q[i] = track(s.Q[i], score, lv, eta)
		p.Q[i] = track(p.Q[i], score, lv, eta)
	}
}

// ScoreIssued updates the sensor's and the pool's half-widths at step h
// (from 0) with whether the actual a fell outside each level's interval as
// it was issued: half-widths q (levels × Horizon, as Sensor.Q then) times
// the running std sd then, around forecast f. This is adaptive conformal
// inference's feedback (the error of the interval actually published); it
// needs the issued q and sd kept per pending forecast.
func (k *Calibrator) ScoreIssued(s *Sensor, p *Pool, h int, f, a float64, q []float32, sd float64) {
	d := math.Abs(f - a)
	eta := k.eta(h)
	for l, lv := range k.c.Levels {
		i := l*k.c.Horizon + h
		miss := 0.0
		if d > float64(q[i])*sd {
			miss = 1
		}
		s.Q[i] = float32(math.Max(0, float64(s.Q[i])+eta*(miss-(1-lv))))
		p.Q[i] = float32(math.Max(0, float64(p.Q[i])+eta*(miss-(1-lv))))
	}
}

// eta is step h's learning rate: Eta/√(h+1). A step-h score arrives h
// readings after its forecast, so h+1 forecasts' feedback is in flight at
// once; a full step each made the long horizons' half-widths overshoot
// (ETTh1 stateful H = 720: 0.8 intervals wider than the 0.95 ones).
func (k *Calibrator) eta(h int) float64 { return k.c.Eta / math.Sqrt(float64(h+1)) }

// track is one quantile-tracking step of q towards the level quantile of
// the scores.
func track(q float32, score, level, eta float64) float32 {
	miss := 0.0
	if score > float64(q) {
		miss = 1
	}
	return float32(math.Max(0, float64(q)+eta*(miss-(1-level))))
}

// normalQuantile returns the standard normal's p quantile (Acklam's
// rational approximation, relative error below 1.2e-9).
func normalQuantile(p float64) float64 {
	a := [...]float64{-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00}
	b := [...]float64{-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01}
	c := [...]float64{-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00}
	d := [...]float64{7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00}
	const lo = 0.02425
	switch {
	case p < lo:
		q := math.Sqrt(-2 * math.Log(p))
		return (((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q + c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q + 1)
	case p > 1-lo:
		q := math.Sqrt(-2 * math.Log(1-p))
		return -(((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q + c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q + 1)
	}
	q := p - 0.5
	r := q * q
	return (((((a[0]*r+a[1])*r+a[2])*r+a[3])*r+a[4])*r + a[5]) * q / (((((b[0]*r+b[1])*r+b[2])*r+b[3])*r+b[4])*r + 1)
}
