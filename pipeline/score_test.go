package pipeline

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestRecentScore(t *testing.T) {
	const iv = int64(time.Hour / time.Millisecond)
	base := int64(1_700_000_000_000)
	tests := []struct {
		name   string
		add    map[int64][]float32 // slot → forecast (H=3)
		at     int64
		actual float64
		want   map[int][]float64
	}{
		{"steps one to three", map[int64][]float32{base: {1, 2, 3}, base + iv: {10, 20, 30}, base + 2*iv: {100, 200, 300}},
			base + 3*iv, 5, map[int][]float64{3: {2}, 2: {15}, 1: {95}}},
		{"beyond horizon not scored", map[int64][]float32{base: {1, 2, 3}}, base + 4*iv, 5, map[int][]float64{}},
		{"off grid not scored", map[int64][]float32{base: {1, 2, 3}}, base + iv + 1, 5, map[int][]float64{}},
		{"own slot not scored", map[int64][]float32{base: {1, 2, 3}}, base, 5, map[int][]float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r recent
			vals := make([]float32, 3*3)
			for _, at := range []int64{base, base + iv, base + 2*iv} {
				if f, ok := tt.add[at]; ok {
					r.add(at, f, vals, iv)
				}
			}
			ls := newLiveScores(3)
			r.score(tt.at, tt.actual, iv, vals, &ls)
			n := 0
			for k, st := range ls.Steps {
				want := tt.want[k+1]
				n += len(want)
				if len(st.Abs) != len(want) || len(want) == 1 && (st.Abs[0] != want[0] || st.AbsSum != want[0] || st.SqSum != want[0]*want[0]) {
					t.Errorf("step %d: scores %+v, want abs errors %v", k+1, st, want)
				}
			}
			if ls.Len() != n {
				t.Errorf("Len() = %d, want %d", ls.Len(), n)
			}
		})
	}
}

// TestLiveScoresSums checks that a micro-batch's per-step sums equal the
// sums of its values scored one by one (in the same order, so exactly), and
// that reset starts the next batch empty.
func TestLiveScoresSums(t *testing.T) {
	const h = 4
	rng := rand.New(rand.NewPCG(1, 2))
	ls := newLiveScores(h)
	for batch := range 3 {
		var abs, sq [h]float64
		var n [h]int
		for range 1000 + batch {
			k := 1 + rng.IntN(h)
			d := rng.NormFloat64() * 3
			ls.add(k, d)
			abs[k-1] += math.Abs(d)
			sq[k-1] += d * d
			n[k-1]++
		}
		total := 0
		for k, st := range ls.Steps {
			if st.AbsSum != abs[k] || st.SqSum != sq[k] || len(st.Abs) != n[k] {
				t.Errorf("batch %d step %d: sums %v %v over %d, want %v %v over %d", batch, k+1, st.AbsSum, st.SqSum, len(st.Abs), abs[k], sq[k], n[k])
			}
			total += n[k]
		}
		if ls.Len() != total {
			t.Errorf("batch %d: Len() = %d, want %d", batch, ls.Len(), total)
		}
		ls.reset()
		if ls.Len() != 0 || ls.Steps[0].AbsSum != 0 || len(ls.Steps[0].Abs) != 0 {
			t.Fatalf("after reset: %+v", ls.Steps[0])
		}
	}
}

// TestRecentScoreIntervals checks that every step of every forecast is
// found on grids of odd intervals (the quotient is taken by multiplying by
// the interval's inverse) and that readings off the grid score nothing.
func TestRecentScoreIntervals(t *testing.T) {
	const h = 24
	for _, iv := range []int64{1, 3, 7, 1000, 59_999, 3_600_000, 86_400_000, 604_800_000 + 13} {
		base := int64(1_700_000_000_000) - 1_700_000_000_000%iv + iv
		var r recent
		f, vals := make([]float32, h), make([]float32, h*h)
		for j := range h {
			for k := range f {
				f[k] = float32(j*100 + k)
			}
			r.add(base+int64(j)*iv, f, vals, iv)
		}
		ls := newLiveScores(h)
		r.score(base+h*iv, 0, iv, vals, &ls) // each forecast j is scored at step h-j
		for k, st := range ls.Steps {
			j := h - (k + 1)
			if len(st.Abs) != 1 || st.Abs[0] != float64(j*100+k) {
				t.Errorf("interval %d step %d: scores %v, want [%d]", iv, k+1, st.Abs, j*100+k)
			}
		}
		if iv > 1 {
			ls.reset()
			r.score(base+h*iv+1, 0, iv, vals, &ls)
			if ls.Len() != 0 {
				t.Errorf("interval %d: %d scores off the grid, want none", iv, ls.Len())
			}
		}
	}
}
