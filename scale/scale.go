package scale

import (
	"fmt"
	"math"
)

// Mode is a scaling mode, spelled as in the model file's "scaling" key.
type Mode string

// The modes; see the package comment.
const (
	Global Mode = "global"
	Window Mode = "window"
	Sensor Mode = "sensor"
)

// Eps is added to a variance before its square root, so that a constant
// window or a sensor that has not varied yet scales by sqrt(Eps) instead of
// dividing by zero (RevIN's 1e-5). python/ uses the same constant.
const Eps = 1e-5

// ParseMode returns the Mode s names; "" is Global.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case "", Global:
		return Global, nil
	case Window, Sensor:
		return Mode(s), nil
	}
	return "", fmt.Errorf("scale: unknown scaling %q (want global, window or sensor)", s)
}

// Std returns the scale of a variance: sqrt(v + Eps).
func Std(v float64) float64 { return math.Sqrt(v + Eps) }

// WindowStats writes into mean and std (len inputs each) the per-feature
// mean and Std of the population variance of one window of steps readings
// of inputs features (xs is time-major: xs[t*inputs+f]). Sums run in
// float64 in time order.
func WindowStats(xs []float32, steps, inputs int, mean, std []float64) {
	for f := 0; f < inputs; f++ {
		var s float64
		for t := 0; t < steps; t++ {
			s += float64(xs[t*inputs+f])
		}
		m := s / float64(steps)
		var v float64
		for t := 0; t < steps; t++ {
			d := float64(xs[t*inputs+f]) - m
			v += d * d
		}
		mean[f], std[f] = m, Std(v/float64(steps))
	}
}

// Alpha is the weight of a new reading in a running estimate whose
// half-life is halfLife readings: after halfLife readings an old reading's
// weight has halved. halfLife must be > 0.
func Alpha(halfLife float64) float64 { return 1 - math.Exp2(-1/halfLife) }

// Running is one feature's running mean and variance for Sensor scaling.
// Its three float32s are the state a sensor carries and checkpoints per
// feature (12 bytes); the zero value is a sensor that has seen nothing.
//
// Update with reading n (counting from 1) uses the weight
// a = max(1/n, alpha): the first readings give the plain running mean and
// population variance of what was seen (a defined start for a new sensor,
// not a decay from zero), and from n ≥ 1/alpha on it is the exponentially
// weighted estimate of the model's half-life. Arithmetic runs in float64
// from the stored float32s, so the state after a checkpoint round trip
// continues bit for bit.
type Running struct {
	Mean, Var float32
	N         float32 // readings seen, saturating at 1<<24
}

// Update adds reading x with the model's alpha (Alpha of its half-life).
func (r *Running) Update(x float32, alpha float64) {
	n := float64(r.N) + 1
	if n <= 1<<24 {
		r.N = float32(n)
	}
	a := math.Max(1/n, alpha)
	d := float64(x) - float64(r.Mean)
	m := float64(r.Mean) + a*d
	v := (1 - a) * (float64(r.Var) + a*d*d)
	r.Mean, r.Var = float32(m), float32(v)
}

// Std returns the current scale, Std(Var).
func (r *Running) Std() float64 { return Std(float64(r.Var)) }
