package model

import "math"

// The activations are float32 approximations (Cephes' expf and tanhf)
// whose absolute error against float64 math is below 2e-7 over all float32
// inputs, so that thousands of carried steps stay within 1e-5 of PyTorch.
// The AVX2 kernels (kernel_amd64.s) evaluate the same polynomials with the
// same constants, eight lanes at a time; activation_test.go bounds both.

// Constants of exp32: x = n·ln2 + r with ln2 split into expC1 + expC2 so
// that n·expC1 is exact, and a degree-5 polynomial for e^r on |r| ≤ ln2/2.
const (
	expLog2e = 1.44269504088896341
	expC1    = 0.693359375
	expC2    = -2.12194440e-4
	expP0    = 1.9875691500e-4
	expP1    = 1.3981999507e-3
	expP2    = 8.3334519073e-3
	expP3    = 4.1665795894e-2
	expP4    = 1.6666665459e-1
	expP5    = 5.0000001201e-1
	// expMax bounds |x| so that 2ⁿ stays a normal float32; e^±87 is far
	// beyond what changes a sigmoid or tanh in float32.
	expMax = 87.0
)

// Constants of tanh32: an odd polynomial below tanhSmall, 1 − 2/(e^{2|x|}+1)
// above it; above tanhBig tanh rounds to ±1 in float32.
const (
	tanhSmall = 0.625
	tanhBig   = 9.0
	tanhP0    = -5.70498872745e-3
	tanhP1    = 2.06390887954e-2
	tanhP2    = -5.37397155531e-2
	tanhP3    = 1.33314422036e-1
	tanhP4    = -3.33332819422e-1
)

// exp32 returns e^x for x clamped to [−expMax, expMax].
func exp32(x float32) float32 {
	x = min(max(x, -expMax), expMax)
	fx := float32(math.RoundToEven(float64(x * expLog2e)))
	r := x - fx*expC1
	r -= fx * expC2
	z := r * r
	y := ((((expP0*r+expP1)*r+expP2)*r+expP3)*r+expP4)*r + expP5
	y = y*z + r + 1
	return y * math.Float32frombits(uint32(int32(fx)+127)<<23)
}

// sigmoid32 returns 1/(1+e^−x).
func sigmoid32(x float32) float32 {
	return 1 / (1 + exp32(-x))
}

// tanh32 returns tanh(x).
func tanh32(x float32) float32 {
	a := float32(math.Abs(float64(x)))
	if a < tanhSmall {
		z := x * x
		p := (((tanhP0*z+tanhP1)*z+tanhP2)*z+tanhP3)*z + tanhP4
		return p*z*x + x
	}
	a = min(a, tanhBig)
	t := 1 - 2/(exp32(2*a)+1)
	if x < 0 {
		return -t
	}
	return t
}
