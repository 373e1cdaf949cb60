//go:build !noasm

package model

import "golang.org/x/sys/cpu"

// avx2Kernels implements kernels with AVX2 and FMA (kernel_amd64.s). The
// wrappers check every bound the assembly relies on, so a wrong shape
// panics in Go instead of corrupting memory.
var avx2Kernels = kernels{
	name: "avx2", gemm: gemmAVX2Go, rnn: rnnAVX2Go, lstm: lstmAVX2Go, gru: gruAVX2Go,
	tanh: tanhAVX2Go, sigmoid: sigmoidAVX2Go,
}

// avx512Kernels is avx2Kernels with the gemm's large blocks done with
// AVX-512 (8 rows × 32 columns) and the LSTM and GRU updates and the
// activations on 16 lanes (AVX512F only); the RNN update stays AVX2.
var avx512Kernels = kernels{
	name: "avx512", gemm: gemmAVX512Go, rnn: rnnAVX2Go, lstm: lstmAVX512Go, gru: gruAVX512Go,
	tanh: tanhAVX512Go, sigmoid: sigmoidAVX512Go,
}

func init() {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		return
	}
	availableKernels = append(availableKernels, avx2Kernels)
	bestKernels = avx2Kernels
	if cpu.X86.HasAVX512F {
		availableKernels = append(availableKernels, avx512Kernels)
		bestKernels = avx512Kernels
	}
}

//go:noescape
func gemmAVX2(c *float32, ldc int, a *float32, lda int, w *float32, k int, panels int, rows int, init *float32, ldinit int)

//go:noescape
func gemmAVX512(c *float32, ldc int, a *float32, lda int, w *float32, k int, panels int, rows int, init *float32, ldinit int)

//go:noescape
func rnnAVX2(h *float32, ldh int, gates *float32, ldg int, hp int, rows int, relu bool)

//go:noescape
func lstmAVX2(h *float32, c *float32, ldh int, gates *float32, ldg int, hp int, rows int)

//go:noescape
func gruAVX2(h *float32, ldh int, gi *float32, gh *float32, ldg int, hp int, rows int)

//go:noescape
func lstmAVX512(h *float32, c *float32, ldh int, gates *float32, ldg int, hp int, rows int)

//go:noescape
func gruAVX512(h *float32, ldh int, gi *float32, gh *float32, ldg int, hp int, rows int)

//go:noescape
func tanhAVX512(dst *float32, src *float32, n int)

//go:noescape
func sigmoidAVX512(dst *float32, src *float32, n int)

//go:noescape
func tanhAVX2(dst *float32, src *float32, n int)

//go:noescape
func sigmoidAVX2(dst *float32, src *float32, n int)

// need panics unless v holds at least n values.
func need(v []float32, n int) {
	if len(v) < n {
		panic("model: kernel argument too short")
	}
}

// rowsSpan is how many values rows rows of width n with stride ld span.
func rowsSpan(rows, ld, n int) int { return (rows-1)*ld + n }

func gemmAVX2Go(c []float32, ldc int, a []float32, lda int, w *packed, rows int, init []float32, ldinit int) {
	if rows <= 0 {
		return
	}
	np := w.panels * panelWidth
	need(c, rowsSpan(rows, ldc, np))
	need(a, rowsSpan(rows, lda, w.k))
	need(init, rowsSpan(rows, ldinit, np))
	need(w.w, np*w.k)
	if w.k == 0 || np == 0 {
		gemmGo(c, ldc, a, lda, w, rows, init, ldinit)
		return
	}
	gemmAVX2(&c[0], ldc, &a[0], lda, &w.w[0], w.k, w.panels, rows, &init[0], ldinit)
}

// gemmAVX512Go runs the whole blocks of 8 rows × 2 panels with AVX-512
// and the leftover panel and rows with the AVX2 kernel. Panels are
// independent, so the leftovers are sub-matrices addressed by offset.
func gemmAVX512Go(c []float32, ldc int, a []float32, lda int, w *packed, rows int, init []float32, ldinit int) {
	if rows <= 0 {
		return
	}
	np := w.panels * panelWidth
	need(c, rowsSpan(rows, ldc, np))
	need(a, rowsSpan(rows, lda, w.k))
	need(init, rowsSpan(rows, ldinit, np))
	need(w.w, np*w.k)
	if w.k == 0 || np == 0 {
		gemmGo(c, ldc, a, lda, w, rows, init, ldinit)
		return
	}
	rows8, pairs := rows/8*8, w.panels/2*2
	if rows8 > 0 && pairs > 0 {
		gemmAVX512(&c[0], ldc, &a[0], lda, &w.w[0], w.k, pairs, rows8, &init[0], ldinit)
	}
	if rows8 > 0 && pairs < w.panels {
		col := pairs * panelWidth
		gemmAVX2(&c[col], ldc, &a[0], lda, &w.w[col*w.k], w.k, w.panels-pairs, rows8, &init[col], ldinit)
	}
	if rows8 < rows {
		gemmAVX2(&c[rows8*ldc], ldc, &a[rows8*lda], lda, &w.w[0], w.k, w.panels, rows-rows8, &init[rows8*ldinit], ldinit)
	}
}

// checkLanes panics unless hp is a whole number of vectors.
func checkLanes(hp int) {
	if hp <= 0 || hp%laneWidth != 0 {
		panic("model: kernel width is not a multiple of 8")
	}
}

func rnnAVX2Go(h []float32, ldh int, g []float32, ldg, hp, rows int, relu bool) {
	if rows <= 0 {
		return
	}
	checkLanes(hp)
	need(h, rowsSpan(rows, ldh, hp))
	need(g, rowsSpan(rows, ldg, hp))
	rnnAVX2(&h[0], ldh, &g[0], ldg, hp, rows, relu)
}

func lstmAVX2Go(h, c []float32, ldh int, g []float32, ldg, hp, rows int) {
	if rows <= 0 {
		return
	}
	checkLanes(hp)
	need(h, rowsSpan(rows, ldh, hp))
	need(c, rowsSpan(rows, ldh, hp))
	need(g, rowsSpan(rows, ldg, 4*hp))
	lstmAVX2(&h[0], &c[0], ldh, &g[0], ldg, hp, rows)
}

func gruAVX2Go(h []float32, ldh int, gi, gh []float32, ldg, hp, rows int) {
	if rows <= 0 {
		return
	}
	checkLanes(hp)
	need(h, rowsSpan(rows, ldh, hp))
	need(gi, rowsSpan(rows, ldg, 3*hp))
	need(gh, rowsSpan(rows, ldg, 3*hp))
	gruAVX2(&h[0], ldh, &gi[0], &gh[0], ldg, hp, rows)
}

// lstmAVX512Go runs the 16-lane update when hp is a multiple of 16 and
// the 8-lane one otherwise.
func lstmAVX512Go(h, c []float32, ldh int, g []float32, ldg, hp, rows int) {
	if hp%16 != 0 {
		lstmAVX2Go(h, c, ldh, g, ldg, hp, rows)
		return
	}
	if rows <= 0 {
		return
	}
	need(h, rowsSpan(rows, ldh, hp))
	need(c, rowsSpan(rows, ldh, hp))
	need(g, rowsSpan(rows, ldg, 4*hp))
	lstmAVX512(&h[0], &c[0], ldh, &g[0], ldg, hp, rows)
}

// gruAVX512Go runs the 16-lane update when hp is a multiple of 16 and the
// 8-lane one otherwise.
func gruAVX512Go(h []float32, ldh int, gi, gh []float32, ldg, hp, rows int) {
	if hp%16 != 0 {
		gruAVX2Go(h, ldh, gi, gh, ldg, hp, rows)
		return
	}
	if rows <= 0 {
		return
	}
	need(h, rowsSpan(rows, ldh, hp))
	need(gi, rowsSpan(rows, ldg, 3*hp))
	need(gh, rowsSpan(rows, ldg, 3*hp))
	gruAVX512(&h[0], ldh, &gi[0], &gh[0], ldg, hp, rows)
}

// mapAVX2 applies an 8-lane kernel to whole vectors of src and the scalar
// fallback to the rest.
func mapAVX2(dst, src []float32, vec func(dst, src *float32, n int), one func(float32) float32) {
	need(dst, len(src))
	n := len(src) / laneWidth * laneWidth
	if n > 0 {
		vec(&dst[0], &src[0], n)
	}
	for i := n; i < len(src); i++ {
		dst[i] = one(src[i])
	}
}

func tanhAVX2Go(dst, src []float32)    { mapAVX2(dst, src, tanhAVX2, tanh32) }
func sigmoidAVX2Go(dst, src []float32) { mapAVX2(dst, src, sigmoidAVX2, sigmoid32) }

// The 16-lane activations take whole 16-value blocks, then the 8-lane ones
// the rest.
func tanhAVX512Go(dst, src []float32) {
	n := len(src) / 16 * 16
	need(dst, len(src))
	if n > 0 {
		tanhAVX512(&dst[0], &src[0], n)
	}
	tanhAVX2Go(dst[n:], src[n:])
}

func sigmoidAVX512Go(dst, src []float32) {
	n := len(src) / 16 * 16
	need(dst, len(src))
	if n > 0 {
		sigmoidAVX512(&dst[0], &src[0], n)
	}
	sigmoidAVX2Go(dst[n:], src[n:])
}
