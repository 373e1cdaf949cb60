package model

// kernels is one implementation of the step's hot loops. Every
// implementation computes the same function; they differ only in speed and in
// float32 rounding (fused multiply-adds, summation order). The pure-Go set
// runs everywhere; kernel_amd64.go adds an AVX2+FMA set. Tests run both
// through the same cases.
//
// Shapes: a batch has rows keys. Matrices are row-major with the given
// leading dimension (stride between rows, in float32s).
type kernels struct {
	name string
	// gemm sets C[i][0:16·w.panels] = init[i] + A[i][0:w.k]·W for i < rows,
	// where W is the packed matrix and init[i] is the row at init[i·ldinit]
	// (ldinit 0 broadcasts one bias row; init may be C itself with
	// ldinit = ldc to accumulate).
	gemm func(c []float32, ldc int, a []float32, lda int, w *packed, rows int, init []float32, ldinit int)
	// rnn sets h[i][j] = act(g[i][j]) for j < hp, where act is tanh or relu.
	rnn func(h []float32, ldh int, g []float32, ldg, hp, rows int, relu bool)
	// lstm applies LSTM's gate equations; g holds i, f, g, o blocks of hp
	// columns (pre-activation, both products and biases summed). It may
	// overwrite g.
	lstm func(h, c []float32, ldh int, g []float32, ldg, hp, rows int)
	// gru applies GRU's gate equations; gi holds W_i·x + b_i and gh holds
	// W_h·h + b_h, each as r, z, n blocks of hp columns. It may overwrite
	// gi.
	gru func(h []float32, ldh int, gi, gh []float32, ldg, hp, rows int)
	// tanh and sigmoid set dst[i] = f(src[i]) with the same arithmetic the
	// cell updates use; tests bound their error.
	tanh, sigmoid func(dst, src []float32)
}

// goKernels is the portable implementation.
var goKernels = kernels{
	name: "go", gemm: gemmGo, rnn: rnnGo, lstm: lstmGo, gru: gruGo,
	tanh: mapGo(tanh32), sigmoid: mapGo(sigmoid32),
}

// mapGo returns a function applying f element-wise.
func mapGo(f func(float32) float32) func(dst, src []float32) {
	return func(dst, src []float32) {
		for i, v := range src {
			dst[i] = f(v)
		}
	}
}

// bestKernels is the fastest implementation the CPU supports; NewRunner
// uses it. kernel_amd64.go replaces it at init when AVX2 and FMA are present.
var bestKernels = goKernels

// availableKernels lists every implementation the CPU runs, portable first;
// tests run each through the same cases.
var availableKernels = []kernels{goKernels}

// gemmGo is the portable gemm: one output row at a time, one panel of 16
// accumulators at a time, walking the packed panel front to back.
func gemmGo(c []float32, ldc int, a []float32, lda int, w *packed, rows int, init []float32, ldinit int) {
	k := w.k
	for i := 0; i < rows; i++ {
		ar := a[i*lda : i*lda+k]
		cr := c[i*ldc : i*ldc+w.panels*panelWidth]
		ir := init[i*ldinit : i*ldinit+w.panels*panelWidth]
		for p := 0; p < w.panels; p++ {
			var acc [panelWidth]float32
			copy(acc[:], ir[p*panelWidth:])
			panel := w.w[p*k*panelWidth : (p+1)*k*panelWidth]
			for kk, av := range ar {
				wr := panel[kk*panelWidth : kk*panelWidth+panelWidth]
				for j := range acc {
					acc[j] += av * wr[j]
				}
			}
			copy(cr[p*panelWidth:], acc[:])
		}
	}
}

// rnnGo is the portable Elman update.
func rnnGo(h []float32, ldh int, g []float32, ldg, hp, rows int, relu bool) {
	for i := 0; i < rows; i++ {
		hr, gr := h[i*ldh:i*ldh+hp], g[i*ldg:i*ldg+hp]
		for j, v := range gr {
			if relu {
				hr[j] = max(v, 0)
			} else {
				hr[j] = tanh32(v)
			}
		}
	}
}

// lstmGo is the portable LSTM update: c' = f·c + i·g, h' = o·tanh(c').
func lstmGo(h, c []float32, ldh int, g []float32, ldg, hp, rows int) {
	for i := 0; i < rows; i++ {
		hr, cr := h[i*ldh:i*ldh+hp], c[i*ldh:i*ldh+hp]
		gr := g[i*ldg : i*ldg+4*hp]
		for j := range hr {
			ig := sigmoid32(gr[j])
			fg := sigmoid32(gr[hp+j])
			gg := tanh32(gr[2*hp+j])
			og := sigmoid32(gr[3*hp+j])
			cn := fg*cr[j] + ig*gg
			cr[j] = cn
			hr[j] = og * tanh32(cn)
		}
	}
}

// gruGo is the portable GRU update: r = σ(gi_r+gh_r), z = σ(gi_z+gh_z),
// n = tanh(gi_n + r·gh_n), h' = n + z·(h − n) (= (1−z)·n + z·h).
func gruGo(h []float32, ldh int, gi, gh []float32, ldg, hp, rows int) {
	for i := 0; i < rows; i++ {
		hr := h[i*ldh : i*ldh+hp]
		ir, hh := gi[i*ldg:i*ldg+3*hp], gh[i*ldg:i*ldg+3*hp]
		for j := range hr {
			r := sigmoid32(ir[j] + hh[j])
			z := sigmoid32(ir[hp+j] + hh[hp+j])
			n := tanh32(ir[2*hp+j] + r*hh[2*hp+j])
			hr[j] = n + z*(hr[j]-n)
		}
	}
}
