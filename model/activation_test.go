package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// activationInputs returns a dense sweep of [−20, 20], the neighbourhood of
// the branch points, extreme values and random float32 bit patterns.
func activationInputs() []float32 {
	var xs []float32
	for x := -20.0; x <= 20; x += 1.0 / 4096 {
		xs = append(xs, float32(x))
	}
	for _, c := range []float32{tanhSmall, tanhBig, expMax, expMax / 2} {
		v := c
		for i := 0; i < 64; i++ {
			xs = append(xs, v, -v)
			v = math.Nextafter32(v, 0)
		}
	}
	xs = append(xs, 0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 1e30, -1e30,
		math.MaxFloat32, -math.MaxFloat32, float32(math.Inf(1)), float32(math.Inf(-1)))
	rng := rand.New(rand.NewPCG(8, 0))
	for i := 0; i < 1<<16; i++ {
		v := math.Float32frombits(rng.Uint32())
		if !math.IsNaN(float64(v)) {
			xs = append(xs, v)
		}
	}
	return xs
}

// activationBound is the largest absolute error the activations may have
// against float64 math; see activation.go.
const activationBound = 2e-7

// TestActivationError bounds the error of every implementation of tanh and
// sigmoid over activationInputs.
func TestActivationError(t *testing.T) {
	xs := activationInputs()
	funcs := []struct {
		name string
		ref  func(float64) float64
	}{
		{"tanh", math.Tanh},
		{"sigmoid", func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
	}
	for _, k := range kernelSets() {
		for _, f := range funcs {
			t.Run(k.name+"/"+f.name, func(t *testing.T) {
				got := make([]float32, len(xs))
				nanFill(got)
				k.activate(f.name, got, xs)
				worst, at := 0.0, float32(0)
				for i, x := range xs {
					if d := math.Abs(float64(got[i]) - f.ref(float64(x))); !(d <= worst) {
						worst, at = d, x
					}
				}
				t.Logf("max |error| %.3g at x = %v", worst, at)
				if !(worst <= activationBound) {
					t.Errorf("max |%s(x) − float64 %s(x)| = %g at x = %v, want ≤ %g", f.name, f.name, worst, at, activationBound)
				}
			})
		}
	}
}

// activate applies the named activation of k.
func (k kernels) activate(name string, dst, src []float32) {
	if name == "tanh" {
		k.tanh(dst, src)
		return
	}
	k.sigmoid(dst, src)
}

// TestActivationNaN checks that NaN propagates through every kernel set's
// activations instead of turning into a plausible number.
func TestActivationNaN(t *testing.T) {
	nan := float32(math.NaN())
	for _, k := range kernelSets() {
		for _, name := range []string{"tanh", "sigmoid"} {
			src := make([]float32, 16)
			for i := range src {
				src[i] = float32(i) - 8
			}
			src[3], src[12] = nan, nan
			dst := make([]float32, len(src))
			k.activate(name, dst, src)
			for i, v := range dst {
				if isNaN := v != v; isNaN != (src[i] != src[i]) {
					t.Errorf("%s %s(%v) = %v, want NaN exactly for NaN input", k.name, name, src[i], v)
				}
			}
		}
	}
}
