package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmRowIndependent checks that a row's result does not depend on how
// many rows share the call or where the row sits among them: forecasts
// must be the same bytes whatever the micro-batch a reading lands in
// (architecture.md §4: same input records + same model = same bytes).
func TestGemmRowIndependent(t *testing.T) {
	for _, k := range kernelSets() {
		for _, kk := range []int{1, 7, 32, 33, 64} {
			for _, n := range []int{16, 48, 96, 192} {
				t.Run(fmt.Sprintf("%s/k=%d/n=%d", k.name, kk, n), func(t *testing.T) {
					checkRowIndependent(t, k, kk, n)
				})
			}
		}
	}
}

func checkRowIndependent(t *testing.T, k kernels, kk, n int) {
	rng := rand.New(rand.NewPCG(uint64(kk), uint64(n)))
	const rows = 37
	p := pack(randSlice(rng, n*kk, 1), 1, n, n, kk)
	np := p.panels * panelWidth
	a := randSlice(rng, rows*kk, 1)
	bias := packBias(randSlice(rng, n, 1), nil, 1, n, n)
	all := make([]float32, rows*np)
	k.gemm(all, np, a, kk, &p, rows, bias, 0)
	one := make([]float32, np)
	for i := 0; i < rows; i++ {
		k.gemm(one, np, a[i*kk:], kk, &p, 1, bias, 0)
		for j := 0; j < n; j++ {
			if got, want := math.Float32bits(all[i*np+j]), math.Float32bits(one[j]); got != want {
				t.Fatalf("row %d of %d, column %d: %v in the batch, %v alone", i, rows, j, all[i*np+j], one[j])
			}
		}
	}
}

// TestStepBatchIndependent checks that Step and Window give each key the
// same bits whether it is stepped alone or at any place in a batch that
// spans several tiles.
func TestStepBatchIndependent(t *testing.T) {
	for _, k := range kernelSets() {
		for _, s := range specs() {
			t.Run(k.name+"/"+s.String(), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(11, uint64(s.hidden*7+s.inputs)))
				m := randomModel(t, s, rng)
				const b, steps = 41, 5
				batched := m.newRunner(b, k, 16)
				alone := m.newRunner(1, k, defaultTile)
				sb, sa := make([][]float32, b), make([][]float32, b)
				for i := range sb {
					sb[i], sa[i] = make([]float32, m.StateLen()), make([]float32, m.StateLen())
				}
				ob, oa := make([]float32, b*s.horiz), make([]float32, s.horiz)
				for step := 0; step < steps; step++ {
					x := readings(m, b, rng)
					batched.Step(sb, x, ob)
					for i := 0; i < b; i++ {
						alone.Step(sa[i:i+1], x[i*s.inputs:(i+1)*s.inputs], oa)
						sameBits(t, fmt.Sprintf("step %d key %d forecast", step, i), ob[i*s.horiz:(i+1)*s.horiz], oa)
						sameBits(t, fmt.Sprintf("step %d key %d state", step, i), sb[i], sa[i])
					}
				}
				w := readings(m, b*s.window, rng)
				batched.Window(w, b, ob)
				per := s.window * s.inputs
				for i := 0; i < b; i++ {
					alone.Window(w[i*per:(i+1)*per], 1, oa)
					sameBits(t, fmt.Sprintf("window key %d", i), ob[i*s.horiz:(i+1)*s.horiz], oa)
				}
			})
		}
	}
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for j := range want {
		if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
			t.Fatalf("%s [%d]: %v batched, %v alone", what, j, got[j], want[j])
		}
	}
}
