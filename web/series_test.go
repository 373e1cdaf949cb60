package web

import (
	"slices"
	"testing"
	"time"
)

func TestSeriesActuals(t *testing.T) {
	type reading struct {
		t int64
		v float64
	}
	tests := []struct {
		name      string
		maxPoints int
		history   time.Duration
		in        []reading
		wantT     []int64
		wantV     []float64
		wantSeq   uint64
	}{
		{"in order", 10, time.Hour, []reading{{1, 1}, {2, 2}, {3, 3}}, []int64{1, 2, 3}, []float64{1, 2, 3}, 3},
		{"same time replaces", 10, time.Hour, []reading{{1, 1}, {2, 2}, {2, 5}}, []int64{1, 2}, []float64{1, 5}, 3},
		{"older ignored", 10, time.Hour, []reading{{1, 1}, {3, 3}, {2, 2}}, []int64{1, 3}, []float64{1, 3}, 2},
		{"ring keeps newest", 3, time.Hour, []reading{{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}}, []int64{3, 4, 5}, []float64{3, 4, 5}, 5},
		{"history drops old", 10, 2 * time.Millisecond, []reading{{1, 1}, {2, 2}, {3, 3}, {4, 4}, {10, 10}}, []int64{10}, []float64{10}, 5},
		{"history then growth", 4, 3 * time.Millisecond, []reading{{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {6, 6}, {7, 7}, {8, 8}}, []int64{5, 6, 7, 8}, []float64{5, 6, 7, 8}, 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSeries("a", tc.maxPoints, 2)
			for _, r := range tc.in {
				s.addActual(r.t, r.v, tc.maxPoints, tc.history)
			}
			v := s.view(0, s.fseq)
			if !slices.Equal(v.T, tc.wantT) || !slices.Equal([]float64(v.V), tc.wantV) {
				t.Errorf("got t=%v v=%v, want t=%v v=%v", v.T, v.V, tc.wantT, tc.wantV)
			}
			if s.seq != tc.wantSeq {
				t.Errorf("got seq %d, want %d", s.seq, tc.wantSeq)
			}
			if len(s.ts) > tc.maxPoints {
				t.Errorf("ring grew to %d, want at most %d", len(s.ts), tc.maxPoints)
			}
		})
	}
}

// TestSeriesRingGrowsAfterWrap covers the ring growing again after the
// history bound emptied part of it and the start moved.
func TestSeriesRingGrowsAfterWrap(t *testing.T) {
	s := newSeries("a", 40, 1)
	for i := int64(1); i <= 40; i++ {
		hist := time.Hour
		if i <= 20 {
			hist = 5 * time.Millisecond // keeps about 6 values while the ring is small
		}
		s.addActual(i, float64(i), 40, hist)
	}
	v := s.view(0, 0)
	for i := 1; i < len(v.T); i++ {
		if v.T[i] != v.T[i-1]+1 || v.V[i] != float64(v.T[i]) {
			t.Fatalf("values out of order after growth: t=%v v=%v", v.T, v.V)
		}
	}
	if last := v.T[len(v.T)-1]; last != 40 {
		t.Errorf("got newest %d, want 40", last)
	}
}

func TestSeriesViewCursor(t *testing.T) {
	s := newSeries("a", 4, 1)
	for i := int64(1); i <= 6; i++ {
		s.addActual(i, float64(i), 4, time.Hour)
	}
	f := func(since uint64, wantT []int64, wantReset bool) {
		t.Helper()
		v := s.view(since, s.fseq)
		if !slices.Equal(v.T, wantT) || v.Reset != wantReset || v.Seq != 6 {
			t.Errorf("view(%d): got t=%v reset=%v seq=%d, want t=%v reset=%v seq=6", since, v.T, v.Reset, v.Seq, wantT, wantReset)
		}
	}
	f(6, []int64{}, false)
	f(4, []int64{5, 6}, false)
	f(2, []int64{3, 4, 5, 6}, false)
	f(1, []int64{3, 4, 5, 6}, true) // value 2 was dropped: start again
	f(9, []int64{3, 4, 5, 6}, true) // a cursor from the future: start again
}

func TestSeriesForecasts(t *testing.T) {
	const hour = int64(time.Hour / time.Millisecond)
	s := newSeries("a", 10, 2)
	buf := []float64{1, 2, 3, 4}
	set := func(step int64) {
		buf[0] = float64(step) // the caller reuses its buffer
		s.setForecast(step*hour, time.Hour, buf, 2, 2)
	}
	for step := int64(0); step <= 7; step++ {
		set(step)
	}
	if s.current.at != 7*hour || s.current.values[0] != 7 {
		t.Errorf("got current at %d values %v, want at %d values[0]=7", s.current.at, s.current.values, 7*hour)
	}
	var got []int64
	for i := range s.past {
		got = append(got, s.pastAt(i).at/hour)
		if f := s.pastAt(i); f.values[0] != float64(f.at/hour) {
			t.Errorf("past forecast at step %d holds values %v: buffer aliased", f.at/hour, f.values)
		}
	}
	// Kept every 2 intervals, at most 2: steps 4 and 6 (0 and 2 evicted).
	if !slices.Equal(got, []int64{4, 6}) {
		t.Errorf("got past forecasts at steps %v, want [4 6]", got)
	}
	fseq := s.fseq
	s.setForecast(3*hour, time.Hour, buf, 2, 2)
	if s.current.at != 7*hour || s.fseq != fseq {
		t.Errorf("an older forecast replaced the current one: at %d fseq %d", s.current.at/hour, s.fseq)
	}
}

func TestSeriesSteadyStateAllocs(t *testing.T) {
	s := newSeries("a", 64, 4)
	f := make([]float64, 24)
	step := int64(0)
	feed := func() {
		step++
		s.addActual(step*1000, 1, 64, time.Hour)
		s.setForecast(step*1000, time.Second, f, 4, 3)
	}
	for range 200 {
		feed()
	}
	if n := testing.AllocsPerRun(100, feed); n != 0 {
		t.Errorf("got %v allocations per reading and forecast in steady state, want 0", n)
	}
}
