package metrics

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rnncast/rnncast/pipeline"
)

// liveError reports a micro-batch that scored one value at step.
func liveError(o pipeline.Observer, step int, absErr, sqErr float64) {
	s := pipeline.LiveScores{Steps: make([]pipeline.LiveStep, step)}
	s.Steps[step-1] = pipeline.LiveStep{AbsSum: absErr, SqSum: sqErr, Abs: []float64{absErr}}
	o.LiveErrors(&s)
}

// TestLiveErrorsPerBatch checks that micro-batches of scores give the
// metrics that the same scores reported one at a time give: the same
// counts, error sums equal to within rounding (relative 1e-12: a batch's
// sum is added to the counter once), and the same recent MAE.
func TestLiveErrorsPerBatch(t *testing.T) {
	const h = 5
	rng := rand.New(rand.NewPCG(3, 4))
	batched, _ := newTest(t)
	single, _ := newTest(t)
	for batch := range 20 {
		s := pipeline.LiveScores{Steps: make([]pipeline.LiveStep, h)}
		for range 1 + batch*37 {
			k := 1 + rng.IntN(h)
			d := rng.NormFloat64() * 4
			st := &s.Steps[k-1]
			st.AbsSum += math.Abs(d)
			st.SqSum += d * d
			st.Abs = append(st.Abs, math.Abs(d))
			liveError(single, k, math.Abs(d), d*d)
		}
		batched.LiveErrors(&s)
	}
	close := func(got, want float64) bool { return math.Abs(got-want) <= 1e-12*math.Abs(want) }
	for k := 1; k <= h; k++ {
		l := strconv.Itoa(k)
		if got, want := testutil.ToFloat64(batched.liveScored.WithLabelValues(l)), testutil.ToFloat64(single.liveScored.WithLabelValues(l)); got != want || got == 0 {
			t.Errorf("step %d: scored %v per batch, %v one by one", k, got, want)
		}
		if got, want := testutil.ToFloat64(batched.liveAbs.WithLabelValues(l)), testutil.ToFloat64(single.liveAbs.WithLabelValues(l)); !close(got, want) {
			t.Errorf("step %d: abs error sum %v per batch, %v one by one", k, got, want)
		}
		if got, want := testutil.ToFloat64(batched.liveSq.WithLabelValues(l)), testutil.ToFloat64(single.liveSq.WithLabelValues(l)); !close(got, want) {
			t.Errorf("step %d: squared error sum %v per batch, %v one by one", k, got, want)
		}
		if got, want := testutil.ToFloat64(batched.liveMAE.WithLabelValues(l)), testutil.ToFloat64(single.liveMAE.WithLabelValues(l)); got != want {
			t.Errorf("step %d: recent MAE %v per batch, %v one by one", k, got, want)
		}
	}
	if got, want := batched.Snapshot(), single.Snapshot(); got != want {
		t.Errorf("Snapshot %+v per batch, %+v one by one", got, want)
	}
}

// BenchmarkLiveErrors reports one micro-batch of 512 readings scored at 24
// horizon steps each (the demo model), as a partition worker does.
func BenchmarkLiveErrors(b *testing.B) {
	o := newObserver()
	s := pipeline.LiveScores{Steps: make([]pipeline.LiveStep, 24)}
	for k := range s.Steps {
		for i := range 512 {
			v := float64(i%7) * 0.25
			s.Steps[k].AbsSum += v
			s.Steps[k].SqSum += v * v
			s.Steps[k].Abs = append(s.Steps[k].Abs, v)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		o.LiveErrors(&s)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*512*24), "ns/value")
}
