package window

import (
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/rnncast/rnncast/record"
)

// BenchmarkAddFlush adds one in-order reading per key per hour for 1000
// keys and flushes every 1000 readings (one micro-batch), the steady state
// of a partition worker. One op is one reading.
func BenchmarkAddFlush(b *testing.B) {
	for _, tc := range []struct {
		name             string
		window, features int
		lateness         time.Duration
	}{
		{"W24-F1", 24, 1, 0},
		{"W24-F4-late2h", 24, 4, 2 * time.Hour},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := Config{Interval: time.Hour, Window: tc.window, Features: tc.features, AllowedLateness: tc.lateness}
			w, err := New[struct{}](cfg, memory.NewGoAllocator())
			if err != nil {
				b.Fatal(err)
			}
			defer w.Release()
			const keys = 1000
			rs := make([]record.Reading, keys)
			for i := range rs {
				rs[i] = record.Reading{Key: "sensor-" + strconv.Itoa(i), Values: make([]float64, tc.features)}
			}
			rows := 0
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r := &rs[i%keys]
				r.Time = t0.Add(time.Duration(i/keys) * time.Hour)
				r.Values[0], r.Offset = float64(i%97), int64(i)
				if err := w.Add(r); err != nil {
					b.Fatal(err)
				}
				if i%keys == keys-1 {
					rows += flushCount(b, w)
				}
			}
			rows += flushCount(b, w)
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func flushCount(b *testing.B, w *Windows[struct{}]) int {
	batch, err := w.Flush()
	if err != nil {
		b.Fatal(err)
	}
	if batch == nil {
		return 0
	}
	defer batch.Release()
	return batch.Len()
}
