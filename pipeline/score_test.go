package pipeline

import (
	"sync"
	"testing"
	"time"
)

// errObserver records live errors by step.
type errObserver struct {
	NopObserver
	mu  sync.Mutex
	abs map[int][]float64
}

func (o *errObserver) LiveError(step int, absErr, sqErr float64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.abs == nil {
		o.abs = map[int][]float64{}
	}
	if absErr*absErr != sqErr {
		panic("sq error is not the square of abs error")
	}
	o.abs[step] = append(o.abs[step], absErr)
}

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
			for _, at := range []int64{base, base + iv, base + 2*iv} {
				if f, ok := tt.add[at]; ok {
					r.add(at, f)
				}
			}
			o := &errObserver{abs: map[int][]float64{}}
			r.score(tt.at, tt.actual, iv, o)
			if len(o.abs) != len(tt.want) {
				t.Fatalf("scored steps %v, want %v", o.abs, tt.want)
			}
			for k, w := range tt.want {
				if len(o.abs[k]) != 1 || o.abs[k][0] != w[0] {
					t.Errorf("step %d: abs errors %v, want %v", k, o.abs[k], w)
				}
			}
		})
	}
}
