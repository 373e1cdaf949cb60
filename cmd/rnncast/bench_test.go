package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rnncast/rnncast/internal/kafkatest"
)

// TestBench runs a small bench on its embedded kfake and on the real broker
// and checks every figure is printed and positive, and that the ratio line
// is last and matches the two throughputs.
func TestBench(t *testing.T) {
	t.Run("kfake", func(t *testing.T) { testBench(t, "", hooksShipped) })
	t.Run("kfake-hooks-off", func(t *testing.T) { testBench(t, "", hooksOff) })
	t.Run("real", func(t *testing.T) { testBench(t, strings.Join(kafkatest.Real(t).Brokers, ","), hooksShipped) })
}

func testBench(t *testing.T, brokers, hooks string) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	o := benchOptions{brokers: brokers, records: 3000, sensors: 30, partition: 2, batch: 256, maxDelay: 10 * time.Millisecond,
		duration: 500 * time.Millisecond, timeout: 2 * time.Minute, state: true, hooks: hooks}
	var stdout, stderr bytes.Buffer
	r, err := bench(context.Background(), o, &stdout, &stderr)
	if err != nil {
		t.Fatalf("bench: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	t.Logf("output:\n%s", out)
	config := map[string]string{hooksShipped: `(?m)^pipeline: shipped configuration \(`, hooksOff: `(?m)^pipeline: hooks off \(`}[hooks]
	for _, re := range []string{
		config,
		`(?m)^throughput passthrough: +\d+ records/s \(3000 records in \S+; process CPU [0-9.]+ µs/record\)$`,
		`(?m)^throughput pipeline: +\d+ records/s \(3000 records in \S+; process CPU [0-9.]+ µs/record\)$`,
		`(?m)^latency at \d+ records/s offered for 500ms`,
		`(?m)^latency +passthrough: +p50 \S+ +p99 \S+ +\(\d+ samples\)`,
		`(?m)^latency +pipeline: +p50 \S+ +p99 \S+ +\(\d+ samples\)`,
		`(?m)^pipeline/passthrough process CPU per record: [0-9.]+$`,
		`pipeline/passthrough throughput ratio: [0-9.]+\n$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output does not match %s", re)
		}
	}
	observed := regexp.MustCompile(`(?m)^ +observed: (\d+) records in, \d+ forecasts out, live MAE [0-9.]+ \(scored true\), 30 sensors in the web hub$`)
	m := observed.FindStringSubmatch(out)
	if hooks == hooksOff && m != nil {
		t.Errorf("observed line %q with hooks off, want none", m[0])
	}
	if hooks == hooksShipped {
		if n := 0; m != nil {
			n, _ = strconv.Atoi(m[1])
			if n < 3000 {
				t.Errorf("shipped observers saw %d records in, want all 3000 (or more: the group may re-read a few)", n)
			}
		} else {
			t.Error("no observed line: want the shipped observers to see every record, score live and feed the hub")
		}
	}
	if r.passLat.n == 0 || r.pipeLat.n == 0 || r.pipeLat.p99 < r.pipeLat.p50 {
		t.Errorf("latencies passthrough %+v pipeline %+v, want samples with p99 ≥ p50", r.passLat, r.pipeLat)
	}
	m = regexp.MustCompile(`ratio: ([0-9.]+)`).FindStringSubmatch(out)
	if got, _ := strconv.ParseFloat(m[1], 64); got <= 0 || abs(got-r.Ratio()) > 1e-3 {
		t.Errorf("printed ratio %v, want %v > 0", got, r.Ratio())
	}
}

func abs(x float64) float64 { return max(x, -x) }

func TestMeterLatencies(t *testing.T) {
	f := func(samples []time.Duration, want latencies) {
		t.Helper()
		m := newMeter(0)
		for _, s := range samples {
			m.latency(s)
		}
		if got := m.latencies(); got != want {
			t.Errorf("latencies(%v) = %+v, want %+v", samples, got, want)
		}
	}
	ms := time.Millisecond
	f(nil, latencies{})
	f([]time.Duration{5 * ms}, latencies{n: 1, p50: 5 * ms, p99: 5 * ms})
	f([]time.Duration{4 * ms, 1 * ms, 3 * ms, 2 * ms}, latencies{n: 4, p50: 2 * ms, p99: 4 * ms})
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(100-i) * ms // 100ms down to 1ms
	}
	f(hundred, latencies{n: 100, p50: 50 * ms, p99: 99 * ms})
}

func TestMeterThroughput(t *testing.T) {
	m := newMeter(10)
	if _, ok := m.throughput(); ok {
		t.Fatal("throughput reported before anything was handled")
	}
	m.fetched()
	m.handled(6)
	if _, ok := m.throughput(); ok {
		t.Fatal("throughput reported at 6 of 10")
	}
	m.handled(6)
	tp, ok := m.throughput()
	if !ok || tp.records != 10 || tp.span <= 0 {
		t.Fatalf("throughput = %+v, %v; want 10 records over a positive span", tp, ok)
	}
	end := m.end.Load()
	m.handled(5)
	if m.end.Load() != end {
		t.Error("end time moved after the target was passed")
	}
}
