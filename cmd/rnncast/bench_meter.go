package main

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// meter counts the records a system under test has handled. It is safe for
// concurrent use by the system's goroutines.
type meter struct {
	target atomic.Int64 // done count whose crossing time is recorded
	done   atomic.Int64
	first  atomic.Int64 // unix ns of the first record fetched; 0 = none
	end    atomic.Int64 // unix ns when done reached target; 0 = not yet

	mu  sync.Mutex // guards lat
	lat []time.Duration
}

func newMeter(target int64) *meter {
	m := &meter{}
	m.target.Store(target)
	return m
}

// fetched marks that the system has fetched a record.
func (m *meter) fetched() { m.first.CompareAndSwap(0, time.Now().UnixNano()) }

// handled counts n records fully handled (written and acknowledged, or
// consumed without output by design).
func (m *meter) handled(n int) {
	now := m.done.Add(int64(n))
	if t := m.target.Load(); now >= t && now-int64(n) < t {
		m.end.Store(time.Now().UnixNano())
	}
}

// latency records one end-to-end latency sample.
func (m *meter) latency(d time.Duration) {
	m.mu.Lock()
	m.lat = append(m.lat, d)
	m.mu.Unlock()
}

// throughput is a count of records handled over a span of time, and the
// CPU time the whole process spent in the phase (with an external broker,
// the client's cost; with kfake, the broker's too).
type throughput struct {
	records int64
	span    time.Duration
	cpu     time.Duration
}

func (t throughput) perSecond() float64 { return float64(t.records) / t.span.Seconds() }

// cpuPerRecord is the process CPU time per record, in microseconds.
func (t throughput) cpuPerRecord() float64 { return float64(t.cpu.Microseconds()) / float64(t.records) }

func (t throughput) String() string {
	return fmt.Sprintf("%.0f records/s (%d records in %v; process CPU %.2f µs/record)",
		t.perSecond(), t.records, t.span.Round(time.Millisecond), t.cpuPerRecord())
}

// cpuTime returns the user plus system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// throughput returns the target over the time from the first fetch to the
// target's crossing; ok is false until the target is reached.
func (m *meter) throughput() (throughput, bool) {
	end := m.end.Load()
	if end == 0 {
		return throughput{}, false
	}
	return throughput{records: m.target.Load(), span: time.Duration(end - m.first.Load())}, true
}

// latencies summarizes latency samples.
type latencies struct {
	n        int
	p50, p99 time.Duration
}

func (l latencies) String() string {
	return fmt.Sprintf("p50 %v  p99 %v  (%d samples)", l.p50.Round(10*time.Microsecond), l.p99.Round(10*time.Microsecond), l.n)
}

// latencies returns the median and 99th percentile of the samples so far
// (nearest rank).
func (m *meter) latencies() latencies {
	m.mu.Lock()
	s := slices.Clone(m.lat)
	m.mu.Unlock()
	if len(s) == 0 {
		return latencies{}
	}
	slices.Sort(s)
	rank := func(p int) time.Duration { return s[max(0, (len(s)*p+99)/100-1)] }
	return latencies{n: len(s), p50: rank(50), p99: rank(99)}
}
