package forecast

import (
	"math"
	"math/rand/v2"
	"slices"
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
			var r Recent
			vals := make([]float32, 3*3)
			for _, at := range []int64{base, base + iv, base + 2*iv} {
				if f, ok := tt.add[at]; ok {
					r.Add(at, f, vals, iv)
				}
			}
			ls := NewLiveScores(3)
			r.Score(tt.at, tt.actual, iv, vals, &ls)
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
	ls := NewLiveScores(h)
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
		ls.Reset()
		if ls.Len() != 0 || ls.Steps[0].AbsSum != 0 || len(ls.Steps[0].Abs) != 0 {
			t.Fatalf("after Reset: %+v", ls.Steps[0])
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
		var r Recent
		f, vals := make([]float32, h), make([]float32, h*h)
		for j := range h {
			for k := range f {
				f[k] = float32(j*100 + k)
			}
			r.Add(base+int64(j)*iv, f, vals, iv)
		}
		ls := NewLiveScores(h)
		r.Score(base+h*iv, 0, iv, vals, &ls) // each forecast j is scored at step h-j
		for k, st := range ls.Steps {
			j := h - (k + 1)
			if len(st.Abs) != 1 || st.Abs[0] != float64(j*100+k) {
				t.Errorf("interval %d step %d: scores %v, want [%d]", iv, k+1, st.Abs, j*100+k)
			}
		}
		if iv > 1 {
			ls.Reset()
			r.Score(base+h*iv+1, 0, iv, vals, &ls)
			if ls.Len() != 0 {
				t.Errorf("interval %d: %d scores off the grid, want none", iv, ls.Len())
			}
		}
	}
}

// refRecent is the ring of absolute forecast slots that recent's ages
// replaced; TestRecentAges checks that both score the same errors in the
// same order.
type refRecent struct {
	at   []int64
	vals []float32
	next int
}

func (r *refRecent) add(at int64, forecast []float32) {
	h := len(forecast)
	if r.at == nil {
		r.at, r.vals = make([]int64, h), make([]float32, h*h)
	}
	r.at[r.next] = at
	copy(r.vals[r.next*h:], forecast)
	r.next = (r.next + 1) % h
}

func (r *refRecent) score(at int64, actual float64, iv int64, ls *LiveScores) {
	h := len(r.at)
	for i, t := range r.at {
		d := at - t
		if t == 0 || d <= 0 || d > int64(h)*iv || d%iv != 0 {
			continue
		}
		k := d / iv
		ls.add(int(k), float64(r.vals[i*h+int(k)-1])-actual)
	}
}

// TestRecentAges runs seeded streams of readings with gaps (some longer
// than the horizon), forecasting at most readings, through recent and the
// absolute-slot reference, and compares every micro-batch's scores.
func TestRecentAges(t *testing.T) {
	const iv = int64(time.Minute / time.Millisecond)
	for _, h := range []int{1, 3, 24} {
		rng := rand.New(rand.NewPCG(uint64(h), 11))
		var r Recent
		var ref refRecent
		vals := make([]float32, h*h)
		got, want := NewLiveScores(h), NewLiveScores(h)
		slot := int64(1_700_000_000_000 / iv)
		f := make([]float32, h)
		for step := range 5000 {
			slot += 1 + int64(rng.IntN(3))*int64(rng.IntN(2)) + int64(rng.IntN(50)/49)*int64(h)
			at, actual := slot*iv, rng.NormFloat64()
			if ref.at != nil {
				r.Score(at, actual, iv, vals, &got)
				ref.score(at, actual, iv, &want)
			}
			if rng.IntN(5) > 0 {
				for k := range f {
					f[k] = float32(rng.NormFloat64())
				}
				r.Add(at, f, vals, iv)
				ref.add(at, f)
			}
			for k := range want.Steps {
				g, w := got.Steps[k], want.Steps[k]
				if g.AbsSum != w.AbsSum || g.SqSum != w.SqSum || !slices.Equal(g.Abs, w.Abs) {
					t.Fatalf("h %d step %d: horizon step %d scored %v, want %v", h, step, k+1, g.Abs, w.Abs)
				}
			}
			got.Reset()
			want.Reset()
		}
	}
}
