package web

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestHubForgetsLeastRecentlyUpdated(t *testing.T) {
	h := New(Config{MaxSensors: 3})
	ts := time.Unix(0, 0)
	for _, id := range []string{"a", "b", "c", "a", "d"} { // "b" is the least recent when "d" arrives
		h.OnReading(id, ts, 1)
	}
	got := h.list("", 10)
	var ids []string
	for _, s := range got.Sensors {
		ids = append(ids, s.ID)
	}
	if fmt.Sprint(ids) != "[a c d]" || h.Len() != 3 {
		t.Errorf("got sensors %v (len %d), want [a c d]", ids, h.Len())
	}
}

func TestHubIgnoresBadInput(t *testing.T) {
	h := New(Config{})
	nan, inf := 0.0, 1.0
	nan /= nan
	inf /= 0
	h.OnReading("", time.Unix(1, 0), 1)
	h.OnReading("x", time.Unix(1, 0), nan)
	h.OnReading("y", time.Unix(1, 0), inf)
	h.OnForecast("z", time.Unix(1, 0), time.Second, nil)
	h.OnForecast("w", time.Unix(1, 0), 0, []float64{1})
	if h.Len() != 0 {
		t.Errorf("got %d sensors after only bad input, want 0", h.Len())
	}
}

// TestHubConcurrent feeds, reads and subscribes from many goroutines; run
// with -race.
func TestHubConcurrent(t *testing.T) {
	h := New(Config{MaxSensors: 50, MaxPoints: 20})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			s := newSim(uint64(w), 60, 6)
			for range 30 {
				s.next(h)
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			sub := h.subscribe(sensorName(1))
			h.sensorView(sensorName(1), 0, 0)
			h.list("sensor-00", 10)
			h.summary(time.Now())
			h.SetStats(Stats{ReadingsIn: 1, LiveMAE: []float64{1, 2}})
			h.unsubscribe(sub)
		}
	})
	wg.Wait()
	if h.Len() > 50 {
		t.Errorf("got %d sensors, want at most 50", h.Len())
	}
	if n := h.subscribers(); n != 0 {
		t.Errorf("got %d subscribers after all unsubscribed, want 0", n)
	}
}

// TestHubBoundedMemory feeds 12,000 sensors into a Hub bounded at 10,000
// and checks the bounds, and that feeding as much again does not grow the
// heap: memory is bounded by the configuration, not by the stream.
func TestHubBoundedMemory(t *testing.T) {
	const sensors, maxSensors, maxPoints, horizon = 12000, 10000, 8, 12
	h := New(Config{MaxSensors: maxSensors, MaxPoints: maxPoints, PastForecasts: 3, PastEvery: 2})
	names := make([]string, sensors)
	for i := range names {
		names[i] = sensorName(i)
	}
	forecast := make([]float64, horizon)
	step := 0
	feed := func(steps int) {
		for range steps {
			ts := time.Unix(int64(step)*3600, 0)
			for i, id := range names {
				h.OnReading(id, ts, float64(i+step))
				h.OnForecast(id, ts, time.Hour, forecast)
			}
			step++
		}
	}
	feed(maxPoints + 8)
	first := heapBytes()
	feed(maxPoints)
	second := heapBytes()
	if h.Len() != maxSensors {
		t.Errorf("got %d sensors, want %d", h.Len(), maxSensors)
	}
	h.mu.Lock()
	for id, e := range h.sensors {
		sr := e.Value.(*series)
		if sr.n > maxPoints || cap(sr.ts) > maxPoints || len(sr.past) > 3 {
			t.Errorf("sensor %s holds %d points (cap %d) and %d past forecasts, want ≤ %d and ≤ 3", id, sr.n, cap(sr.ts), len(sr.past), maxPoints)
			break
		}
	}
	h.mu.Unlock()
	// Per sensor: the ring (16 B a point) and 4 forecasts of horizon
	// float64s, plus map, list and header overhead well under 1 KiB.
	budget := uint64(maxSensors * (maxPoints*16 + 4*horizon*8 + 1024))
	if first > budget {
		t.Errorf("got %d heap bytes with %d sensors, want at most %d", first, maxSensors, budget)
	}
	if second > first+first/10 {
		t.Errorf("heap grew from %d to %d bytes while feeding within the bounds", first, second)
	}
	runtime.KeepAlive(h)
}

func heapBytes() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func BenchmarkHubOnReading(b *testing.B) {
	h := New(Config{})
	ts := time.Unix(0, 0)
	names := make([]string, 1000)
	for i := range names {
		names[i] = sensorName(i)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.OnReading(names[i%len(names)], ts.Add(time.Duration(i/len(names))*time.Second), 1)
	}
}
