package metrics

import (
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rnncast/rnncast/record"
)

func newTest(t *testing.T) (*Observer, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	o, err := New(reg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return o, reg
}

// touchAll calls every Observer method once so that every vector has a series.
func touchAll(o *Observer) {
	o.RecordsIn(3)
	o.RecordsRefetched(1)
	o.ForecastsOut(2)
	o.DeadLetters(record.ReasonDecode, 1)
	o.PartitionAssigned(0)
	o.Lag(0, 7)
	o.BatchSize(3)
	o.ModelStep(time.Millisecond)
	o.EndToEnd(20 * time.Millisecond)
	o.Keys(2)
	o.Rebalance()
	liveError(o, 1, 0.5, 0.25)
	o.WarmupSteps(1)
	o.Skipped("revoked", 1)
	o.Refused("forecast", 1)
	o.Checkpoint(time.Millisecond)
	o.Restore(time.Millisecond)
	o.StateBytes(64)
	o.StateDropped("model", 1)
	o.ModelReload(true)
	o.SetModel("demo", "1", "gru", "abc")
}

// TestNamesMatchContract checks that the registered metric names are exactly
// those docs/contracts.md and the Observer's documentation fix, and that no
// metric has a per-key label.
func TestNamesMatchContract(t *testing.T) {
	o, reg := newTest(t)
	touchAll(o)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	allowed := []string{"reason", "partition", "step", "name", "version", "cell", "fingerprint", "result", "kind"}
	var got []string
	for _, f := range families {
		got = append(got, f.GetName())
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if !slices.Contains(allowed, l.GetName()) {
					t.Errorf("%s has label %q, not one of %q", f.GetName(), l.GetName(), allowed)
				}
			}
		}
	}
	var want []string
	for _, file := range []string{"../docs/contracts.md", "../pipeline/observer.go"} {
		doc, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range regexp.MustCompile(`rnncast_[a-z_]+\*?`).FindAllString(string(doc), -1) {
			if !strings.HasSuffix(name, "*") { // rnncast_live_* names a family
				want = append(want, name)
			}
		}
	}
	slices.Sort(want)
	want = slices.Compact(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("registered metrics\n got %q\nwant %q (docs/contracts.md, pipeline/observer.go)", got, want)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range got {
		if !regexp.MustCompile("\\| `" + name + "[{`]").Match(readme) {
			t.Errorf("README.md's metrics reference has no row for %s", name)
		}
	}
}

func TestNewRejectsDoubleRegistration(t *testing.T) {
	_, reg := newTest(t)
	if _, err := New(reg); err == nil {
		t.Fatal("second New on the same registry succeeded, want an error")
	}
}

func TestCounters(t *testing.T) {
	o, _ := newTest(t)
	f := func(name string, c prometheus.Collector, call func(), want float64) {
		t.Helper()
		call()
		if got := testutil.ToFloat64(c); got != want {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	f("records in", o.recordsIn, func() { o.RecordsIn(5); o.RecordsIn(2) }, 7)
	f("records refetched", o.recordsRefetched, func() { o.RecordsRefetched(3) }, 3)
	f("forecasts out", o.forecastsOut, func() { o.ForecastsOut(4) }, 4)
	f("dead letters decode", o.deadLetters.WithLabelValues("decode"), func() {
		o.DeadLetters(record.ReasonDecode, 2)
		o.DeadLetters(record.ReasonLate, 1)
	}, 2)
	f("dead letters late", o.deadLetters.WithLabelValues("late"), func() {}, 1)
	f("keys", o.keys, func() { o.Keys(10); o.Keys(-3) }, 7)
	f("state bytes", o.stateBytes, func() { o.StateBytes(100); o.StateBytes(-40) }, 60)
	f("rebalances", o.rebalances, func() { o.Rebalance(); o.Rebalance() }, 2)
	f("warm-up", o.warmup, func() { o.WarmupSteps(9) }, 9)
	f("skipped", o.skipped.WithLabelValues("revoked"), func() { o.Skipped("revoked", 3) }, 3)
	f("lag", o.lag.WithLabelValues("3"), func() { o.Lag(3, 10); o.Lag(3, 4) }, 4)
	f("state dropped", o.stateDropped.WithLabelValues("ttl"), func() { o.StateDropped("ttl", 2); o.StateDropped("cap", 1) }, 2)
	f("reloads ok", o.modelReloads.WithLabelValues("ok"), func() { o.ModelReload(true); o.ModelReload(false) }, 1)
	f("reloads rejected", o.modelReloads.WithLabelValues("rejected"), func() {}, 1)
	if s := o.Snapshot(); s.RecordsIn != 7 || s.ForecastsOut != 4 || s.DeadLetters != 3 || s.Scored {
		t.Errorf("Snapshot = %+v, want 7 in, 4 out, 3 dead letters, nothing scored", s)
	}
}

func TestPartitionReleasedDeletesLag(t *testing.T) {
	o, _ := newTest(t)
	o.Lag(0, 1)
	o.Lag(1, 2)
	o.PartitionReleased(0)
	if n := testutil.CollectAndCount(o.lag); n != 1 {
		t.Fatalf("lag series after releasing partition 0: %d, want 1", n)
	}
	if got := testutil.ToFloat64(o.lag.WithLabelValues("1")); got != 2 {
		t.Errorf("partition 1 lag = %v, want 2", got)
	}
}

// TestLagKeptAcrossGenerations checks that a new generation's assignment
// of a partition keeps its lag series (the pipeline releases a partition
// only when it leaves this instance).
func TestLagKeptAcrossGenerations(t *testing.T) {
	o, _ := newTest(t)
	o.PartitionAssigned(0)
	o.Lag(0, 481)
	o.PartitionAssigned(0) // the next generation
	if n := testutil.CollectAndCount(o.lag); n != 1 {
		t.Fatalf("lag series after a new generation: %d, want 1", n)
	}
	if got := testutil.ToFloat64(o.lag.WithLabelValues("0")); got != 481 {
		t.Errorf("partition 0 lag = %v, want 481", got)
	}
}

func TestHistograms(t *testing.T) {
	o, reg := newTest(t)
	o.BatchSize(3)
	o.BatchSize(5)
	o.ModelStep(2 * time.Millisecond)
	o.EndToEnd(1500 * time.Millisecond)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]float64{ // count, sum
		"rnncast_batch_size":                 {2, 8},
		"rnncast_model_step_seconds":         {1, 0.002},
		"rnncast_end_to_end_latency_seconds": {1, 1.5},
	}
	for _, f := range families {
		w, ok := want[f.GetName()]
		if !ok {
			continue
		}
		h := f.GetMetric()[0].GetHistogram()
		if float64(h.GetSampleCount()) != w[0] || math.Abs(h.GetSampleSum()-w[1]) > 1e-12 {
			t.Errorf("%s: count %d sum %v, want %v", f.GetName(), h.GetSampleCount(), h.GetSampleSum(), w)
		}
		delete(want, f.GetName())
	}
	if len(want) > 0 {
		t.Errorf("histograms not gathered: %v", want)
	}
}

func TestLiveError(t *testing.T) {
	f := func(name string, n int, wantMAE float64) {
		t.Helper()
		o, _ := newTest(t)
		for i := 1; i <= n; i++ {
			liveError(o, 2, float64(i), float64(i*i))
		}
		if got := testutil.ToFloat64(o.liveScored.WithLabelValues("2")); got != float64(n) {
			t.Errorf("%s: scored %v, want %d", name, got, n)
		}
		if got, want := testutil.ToFloat64(o.liveAbs.WithLabelValues("2")), float64(n*(n+1)/2); got != want {
			t.Errorf("%s: abs error sum %v, want %v", name, got, want)
		}
		if got := testutil.ToFloat64(o.liveMAE.WithLabelValues("2")); math.Abs(got-wantMAE) > 1e-9 {
			t.Errorf("%s: recent MAE %v, want %v", name, got, wantMAE)
		}
		if s := o.Snapshot(); !s.Scored || math.Abs(s.LiveMAE-wantMAE) > 1e-9 {
			t.Errorf("%s: Snapshot %+v, want LiveMAE %v", name, s, wantMAE)
		}
	}
	f("one score", 1, 1)
	f("ten scores", 10, 5.5)
	f("exactly full", RecentScores, float64(RecentScores+1)/2)
	// 300 scores 1..300: the recent window holds 45..300.
	f("wrapped", 300, float64(45+300)/2)
	f("wrapped twice", 3*RecentScores+5, float64(2*RecentScores+6+3*RecentScores+5)/2)
}

func TestSnapshotAveragesSteps(t *testing.T) {
	o, _ := newTest(t)
	liveError(o, 1, 1, 1)
	liveError(o, 2, 3, 9)
	liveError(o, 2, 5, 25)
	if s := o.Snapshot(); math.Abs(s.LiveMAE-2.5) > 1e-12 { // mean of 1 and 4
		t.Errorf("LiveMAE = %v, want 2.5", s.LiveMAE)
	}
}

func TestConcurrentUse(t *testing.T) {
	o, reg := newTest(t)
	var wg sync.WaitGroup
	for p := range 4 {
		wg.Go(func() {
			for i := range 200 {
				o.RecordsIn(1)
				o.Lag(p, int64(i))
				liveError(o, 1+i%3, 1, 1)
				_ = o.Snapshot()
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if _, err := reg.Gather(); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if got := o.Snapshot().RecordsIn; got != 800 {
		t.Errorf("records in = %d, want 800", got)
	}
}

type fakeHealth struct {
	ready bool
	err   error
}

func (f fakeHealth) Ready() bool    { return f.ready }
func (f fakeHealth) Healthy() error { return f.err }

func TestHandler(t *testing.T) {
	o, reg := newTest(t)
	o.RecordsIn(42)
	f := func(h fakeHealth, path string, wantCode int, wantBody string) {
		t.Helper()
		srv := httptest.NewServer(Handler(reg, h))
		defer srv.Close()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != wantCode || !strings.Contains(string(body), wantBody) {
			t.Errorf("GET %s with %+v: %d %q, want %d containing %q", path, h, resp.StatusCode, body, wantCode, wantBody)
		}
	}
	f(fakeHealth{}, "/metrics", 200, "rnncast_records_in_total 42")
	f(fakeHealth{ready: true}, "/readyz", 200, "ready")
	f(fakeHealth{}, "/readyz", 503, "not ready")
	f(fakeHealth{}, "/healthz", 200, "ok")
	f(fakeHealth{err: errors.New("pipeline: unhealthy: stalled")}, "/healthz", 503, "stalled")
	f(fakeHealth{}, "/nothing", 404, "")
}
