package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The kernel tests run every implementation (kernelSets: the portable Go
// set and, where the CPU has it, AVX2+FMA) through the same cases against
// float64 loops written from the kernels' contracts, on shapes that
// exercise the 4-row blocks, the row tail, odd k and several panels.

func randSlice(rng *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32((rng.Float64()*2 - 1) * scale)
	}
	return v
}

func TestGemm(t *testing.T) {
	type tc struct{ rows, k, n, lda, ldc int }
	var cases []tc
	for _, rows := range []int{1, 2, 3, 4, 5, 7, 8, 9, 33} {
		for _, k := range []int{1, 2, 3, 16, 33} {
			for _, n := range []int{1, 16, 17, 48, 96} {
				np := roundUp(n, panelWidth)
				cases = append(cases, tc{rows, k, n, k + rows%3, np + 16*(k%2)})
			}
		}
	}
	for _, k := range kernelSets() {
		for _, c := range cases {
			for _, mode := range []string{"bias", "accumulate"} {
				name := fmt.Sprintf("%s/rows=%d/k=%d/n=%d/%s", k.name, c.rows, c.k, c.n, mode)
				t.Run(name, func(t *testing.T) { checkGemm(t, k, c.rows, c.k, c.n, c.lda, c.ldc, mode == "accumulate") })
			}
		}
	}
}

// checkGemm compares k.gemm with a float64 loop for one shape. Output
// columns past n and rows' padding are poisoned with NaN beforehand; the
// result must be finite wherever the contract defines it.
func checkGemm(t *testing.T, k kernels, rows, kk, n, lda, ldc int, accumulate bool) {
	rng := rand.New(rand.NewPCG(uint64(rows), uint64(kk*1000+n)))
	w := randSlice(rng, n*kk, 1)
	p := pack(w, 1, n, n, kk)
	np := p.panels * panelWidth
	a := randSlice(rng, (rows-1)*lda+kk, 1)
	bias := packBias(randSlice(rng, n, 1), nil, 1, n, n)
	c := make([]float32, (rows-1)*ldc+np)
	nanFill(c)
	init, ldinit := bias, 0
	start := make([]float64, rows*np)
	for i := 0; i < rows; i++ {
		for j := 0; j < np; j++ {
			start[i*np+j] = float64(bias[j])
		}
	}
	if accumulate {
		for i := 0; i < rows; i++ {
			for j := 0; j < np; j++ {
				v := float32(rng.NormFloat64())
				c[i*ldc+j] = v
				start[i*np+j] = float64(v)
			}
		}
		init, ldinit = c, ldc
	}
	k.gemm(c, ldc, a, lda, &p, rows, init, ldinit)
	for i := 0; i < rows; i++ {
		for j := 0; j < np; j++ {
			want := start[i*np+j]
			if j < n {
				for q := 0; q < kk; q++ {
					want += float64(a[i*lda+q]) * float64(w[j*kk+q])
				}
			}
			if got := c[i*ldc+j]; !(math.Abs(float64(got)-want) <= 1e-5*(1+math.Abs(want))) {
				t.Fatalf("C[%d][%d] = %v, want %v", i, j, got, want)
			}
		}
	}
}

// cellCase is one shape for the cell update kernels.
type cellCase struct{ hp, rows int }

func cellCases() []cellCase {
	return []cellCase{{8, 1}, {8, 3}, {16, 5}, {32, 4}, {64, 9}}
}

func TestCellUpdates(t *testing.T) {
	for _, k := range kernelSets() {
		for _, c := range cellCases() {
			name := fmt.Sprintf("%s/hp=%d/rows=%d", k.name, c.hp, c.rows)
			t.Run(name+"/rnn-tanh", func(t *testing.T) { checkRNNUpdate(t, k, c, false) })
			t.Run(name+"/rnn-relu", func(t *testing.T) { checkRNNUpdate(t, k, c, true) })
			t.Run(name+"/lstm", func(t *testing.T) { checkLSTMUpdate(t, k, c) })
			t.Run(name+"/gru", func(t *testing.T) { checkGRUUpdate(t, k, c) })
		}
	}
}

// Rows of gates and states have strides larger than their width, with NaN
// in the gaps: a kernel that reads past its row's width fails the test.
func gatePad(width int) int { return width + 8 }

func checkRNNUpdate(t *testing.T, k kernels, c cellCase, relu bool) {
	rng := rand.New(rand.NewPCG(11, uint64(c.hp*c.rows)))
	ldg, ldh := gatePad(c.hp), gatePad(c.hp)
	g := randSlice(rng, c.rows*ldg, 4)
	h := make([]float32, c.rows*ldh)
	nanFill(h)
	k.rnn(h, ldh, g, ldg, c.hp, c.rows, relu)
	for i := 0; i < c.rows; i++ {
		for j := 0; j < c.hp; j++ {
			x := float64(g[i*ldg+j])
			want := math.Tanh(x)
			if relu {
				want = math.Max(x, 0)
			}
			checkValue(t, "h", i, j, h[i*ldh+j], want)
		}
	}
}

func checkLSTMUpdate(t *testing.T, k kernels, c cellCase) {
	rng := rand.New(rand.NewPCG(12, uint64(c.hp*c.rows)))
	ldg, ldh := gatePad(4*c.hp), gatePad(c.hp)
	g := randSlice(rng, c.rows*ldg, 4)
	h := make([]float32, c.rows*ldh)
	nanFill(h)
	cs := randSlice(rng, c.rows*ldh, 2)
	g0, c0 := f64(g), f64(cs)
	k.lstm(h, cs, ldh, g, ldg, c.hp, c.rows)
	for i := 0; i < c.rows; i++ {
		for j := 0; j < c.hp; j++ {
			gr := g0[i*ldg:]
			cn := sigmoid(gr[c.hp+j])*c0[i*ldh+j] + sigmoid(gr[j])*math.Tanh(gr[2*c.hp+j])
			checkValue(t, "c", i, j, cs[i*ldh+j], cn)
			checkValue(t, "h", i, j, h[i*ldh+j], sigmoid(gr[3*c.hp+j])*math.Tanh(cn))
		}
	}
}

func checkGRUUpdate(t *testing.T, k kernels, c cellCase) {
	rng := rand.New(rand.NewPCG(13, uint64(c.hp*c.rows)))
	ldg, ldh := gatePad(3*c.hp), gatePad(c.hp)
	gi := randSlice(rng, c.rows*ldg, 3)
	gh := randSlice(rng, c.rows*ldg, 3)
	h := randSlice(rng, c.rows*ldh, 1)
	gi0, gh0, h0 := f64(gi), f64(gh), f64(h)
	k.gru(h, ldh, gi, gh, ldg, c.hp, c.rows)
	for i := 0; i < c.rows; i++ {
		for j := 0; j < c.hp; j++ {
			a, b := gi0[i*ldg:], gh0[i*ldg:]
			r := sigmoid(a[j] + b[j])
			z := sigmoid(a[c.hp+j] + b[c.hp+j])
			n := math.Tanh(a[2*c.hp+j] + r*b[2*c.hp+j])
			checkValue(t, "h", i, j, h[i*ldh+j], (1-z)*n+z*h0[i*ldh+j])
		}
	}
}

// checkValue allows the activations' bound plus a few float32 roundings.
func checkValue(t *testing.T, what string, i, j int, got float32, want float64) {
	t.Helper()
	if d := math.Abs(float64(got) - want); !(d <= 1e-6*(1+math.Abs(want))) {
		t.Fatalf("%s[%d][%d] = %v, want %v (diff %g)", what, i, j, got, want, d)
	}
}

// TestKernelsAgree checks the fastest kernels against the portable ones on
// whole windows (on a CPU without AVX2 both are the portable set).
func TestKernelsAgree(t *testing.T) {
	for _, s := range specs() {
		t.Run(s.String(), func(t *testing.T) {
			m := randomModel(t, s, rand.New(rand.NewPCG(14, uint64(s.hidden))))
			const b = 37
			w := readings(m, b*s.window, rand.New(rand.NewPCG(14, 1)))
			got, want := make([]float32, b*s.horiz), make([]float32, b*s.horiz)
			m.newRunner(b, bestKernels, defaultTile).Window(w, b, got)
			m.newRunner(b, goKernels, defaultTile).Window(w, b, want)
			for i := range got {
				if !closeTo(got[i], float64(want[i]), 0.1*m.Meta.Std[m.Meta.Target]) {
					t.Fatalf("out[%d]: %s %v, %s %v", i, bestKernels.name, got[i], goKernels.name, want[i])
				}
			}
		})
	}
}
