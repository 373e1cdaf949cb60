package web

import (
	"math"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rnncast/rnncast/pipeline"
	"github.com/rnncast/rnncast/record"
)

// recorder is the wrapped observer: it counts what reaches it.
type recorder struct {
	pipeline.NopObserver
	in, out, dead, keys, live, released, step int
	lag                                       int64
}

func (r *recorder) RecordsIn(n int)                    { r.in += n }
func (r *recorder) ForecastsOut(n int)                 { r.out += n }
func (r *recorder) DeadLetters(_ record.Reason, n int) { r.dead += n }
func (r *recorder) Keys(d int)                         { r.keys += d }
func (r *recorder) Lag(_ int, l int64)                 { r.lag = l }
func (r *recorder) PartitionReleased(int)              { r.released++ }
func (r *recorder) LiveErrors(s *pipeline.LiveScores)  { r.live += s.Len() }
func (r *recorder) ModelStep(time.Duration)            { r.step++ }

// liveError reports a micro-batch that scored one value at step.
func liveError(o pipeline.Observer, step int, absErr, sqErr float64) {
	s := pipeline.LiveScores{Steps: make([]pipeline.LiveStep, step)}
	s.Steps[step-1] = pipeline.LiveStep{AbsSum: absErr, SqSum: sqErr, Abs: []float64{absErr}}
	o.LiveErrors(&s)
}

// TestObserverLiveBatch checks that one micro-batch of scores gives the
// page the live MAE the same scores give one at a time.
func TestObserverLiveBatch(t *testing.T) {
	batched, single := NewObserver(nil, ""), NewObserver(nil, "")
	s := pipeline.LiveScores{Steps: make([]pipeline.LiveStep, 2)}
	for i := range 3*liveWindow + 7 {
		k, v := 1+i%2, float64(i%11)*0.3
		s.Steps[k-1].Abs = append(s.Steps[k-1].Abs, v)
		liveError(single, k, v, v*v)
	}
	batched.LiveErrors(&s)
	got, want := batched.Stats().LiveMAE, single.Stats().LiveMAE
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("live MAE %v per batch, %v one by one", got, want)
	}
}

func TestObserver(t *testing.T) {
	rec := &recorder{}
	o := NewObserver(rec, "m v2")
	o.RecordsIn(10)
	o.RecordsIn(5)
	o.ForecastsOut(7)
	o.DeadLetters(record.ReasonDecode, 2)
	o.Keys(3)
	o.Keys(-1)
	o.Lag(0, 100)
	o.Lag(1, 20)
	o.Lag(1, 30)
	o.Lag(2, 5)
	o.PartitionReleased(2)
	o.ModelStep(time.Millisecond) // not counted here: must still reach rec
	liveError(o, 1, 1.0, 1.0)
	liveError(o, 1, 3.0, 9.0)
	liveError(o, 3, 0.5, 0.25)
	liveError(o, 3, math.NaN(), math.NaN()) // not finite: passed on, not kept

	st := o.Stats()
	if st.ReadingsIn != 15 || st.ForecastsOut != 7 || st.DeadLetters != 2 || st.Keys != 2 || st.Lag != 130 || st.Model != "m v2" {
		t.Errorf("got %+v, want readings 15, forecasts 7, dead 2, keys 2, lag 130, model m v2", st)
	}
	if len(st.LiveMAE) != 3 || st.LiveMAE[0] != 2 || !math.IsNaN(st.LiveMAE[1]) || st.LiveMAE[2] != 0.5 {
		t.Errorf("got live MAE %v, want [2 NaN 0.5]", st.LiveMAE)
	}
	if rec.in != 15 || rec.out != 7 || rec.dead != 2 || rec.keys != 2 || rec.lag != 5 || rec.released != 1 || rec.live != 4 || rec.step != 1 {
		t.Errorf("wrapped observer got %+v, want every call passed on", *rec)
	}
}

func TestObserverLiveWindow(t *testing.T) {
	o := NewObserver(nil, "")
	for i := range 3 * liveWindow {
		v := 100.0 // the first window's errors must be forgotten
		if i >= 2*liveWindow {
			v = float64(i % 4) // mean 1.5
		}
		liveError(o, 1, v, v*v)
	}
	if got := o.Stats().LiveMAE[0]; math.Abs(got-1.5) > 1e-9 {
		t.Errorf("got live MAE %v, want 1.5 (mean of the last %d errors)", got, liveWindow)
	}
}

// TestHubStatsSource checks that Config.Stats feeds the summary.
func TestHubStatsSource(t *testing.T) {
	o := NewObserver(nil, "src")
	o.RecordsIn(42)
	h := New(Config{Stats: o.Stats})
	h.SetStats(Stats{ReadingsIn: 1}) // overridden by the source
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	var got summaryView
	getJSON(t, srv, "/api/summary", &got)
	if got.Stats.ReadingsIn != 42 || got.Stats.Model != "src" {
		t.Errorf("got stats %+v, want readings 42 from the source", got.Stats.Stats)
	}
}
