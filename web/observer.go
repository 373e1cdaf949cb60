package web

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/rnncast/rnncast/pipeline"
	"github.com/rnncast/rnncast/record"
)

// liveWindow is how many recent scored errors per horizon step the
// Observer's live MAE averages.
const liveWindow = 256

// maxSteps bounds the horizon steps the Observer keeps errors of.
const maxSteps = 4096

// Observer is a pipeline.Observer that passes every measurement on to the
// observer it wraps (normally the Prometheus adapter) and keeps the totals
// the page shows. Its Stats method is meant for Config.Stats. It is safe
// for concurrent use and as cheap as the pipeline requires: atomic adds,
// and one short mutex section per lag report and per micro-batch's live
// scores.
type Observer struct {
	pipeline.Observer // the wrapped observer: every method not below goes straight to it

	model                                 string
	readingsIn, forecastsOut, deadLetters atomic.Int64
	keys                                  atomic.Int64

	mu   sync.Mutex
	lag  map[int]int64 // by partition
	live []errRing     // by horizon step - 1
}

// errRing is the recent absolute errors of one horizon step.
type errRing struct {
	vals []float64
	next int
	sum  float64
}

// NewObserver wraps next (pipeline.NopObserver{} when there is nothing to
// wrap); model names the model served, for the page's header.
func NewObserver(next pipeline.Observer, model string) *Observer {
	if next == nil {
		next = pipeline.NopObserver{}
	}
	return &Observer{Observer: next, model: model, lag: map[int]int64{}}
}

// RecordsIn implements pipeline.Observer.
func (o *Observer) RecordsIn(n int) {
	o.readingsIn.Add(int64(n))
	o.Observer.RecordsIn(n)
}

// ForecastsOut implements pipeline.Observer.
func (o *Observer) ForecastsOut(n int) {
	o.forecastsOut.Add(int64(n))
	o.Observer.ForecastsOut(n)
}

// DeadLetters implements pipeline.Observer.
func (o *Observer) DeadLetters(reason record.Reason, n int) {
	o.deadLetters.Add(int64(n))
	o.Observer.DeadLetters(reason, n)
}

// Keys implements pipeline.Observer.
func (o *Observer) Keys(delta int) {
	o.keys.Add(int64(delta))
	o.Observer.Keys(delta)
}

// Lag implements pipeline.Observer.
func (o *Observer) Lag(partition int, lag int64) {
	o.mu.Lock()
	o.lag[partition] = lag
	o.mu.Unlock()
	o.Observer.Lag(partition, lag)
}

// PartitionReleased implements pipeline.Observer: a released partition's
// lag is no longer this instance's.
func (o *Observer) PartitionReleased(partition int) {
	o.mu.Lock()
	delete(o.lag, partition)
	o.mu.Unlock()
	o.Observer.PartitionReleased(partition)
}

// LiveErrors implements pipeline.Observer: one lock per micro-batch.
// Non-finite errors are not kept.
func (o *Observer) LiveErrors(s *pipeline.LiveScores) {
	o.mu.Lock()
	for i := range min(len(s.Steps), maxSteps) {
		if len(s.Steps[i].Abs) == 0 {
			continue
		}
		for len(o.live) <= i {
			o.live = append(o.live, errRing{})
		}
		o.live[i].addAll(s.Steps[i].Abs)
	}
	o.mu.Unlock()
	o.Observer.LiveErrors(s)
}

// addAll adds the finite values of vs in order, as add one by one would.
func (r *errRing) addAll(vs []float64) {
	for len(r.vals) < liveWindow && len(vs) > 0 {
		r.add(vs[0])
		vs = vs[1:]
	}
	if len(vs) == 0 {
		return
	}
	sum, next, vals := r.sum, r.next, r.vals[:liveWindow]
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		sum += v - vals[next]
		vals[next] = v
		next = (next + 1) % liveWindow
		if next == 0 { // re-add from scratch now and then: no drift from rounding
			sum = 0
			for _, x := range vals {
				sum += x
			}
		}
	}
	r.sum, r.next = sum, next
}

// add adds v, when finite.
func (r *errRing) add(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	if len(r.vals) < liveWindow {
		r.vals = append(r.vals, v)
		r.sum += v
		return
	}
	r.sum += v - r.vals[r.next]
	r.vals[r.next] = v
	r.next = (r.next + 1) % liveWindow
	if r.next == 0 { // re-add from scratch now and then: no drift from rounding
		r.sum = 0
		for _, x := range r.vals {
			r.sum += x
		}
	}
}

// Stats returns the totals so far: a Config.Stats source.
func (o *Observer) Stats() Stats {
	st := Stats{
		ReadingsIn: o.readingsIn.Load(), ForecastsOut: o.forecastsOut.Load(),
		DeadLetters: o.deadLetters.Load(), Keys: o.keys.Load(), Model: o.model,
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, l := range o.lag {
		st.Lag += l
	}
	st.LiveMAE = make([]float64, len(o.live))
	for i, r := range o.live {
		st.LiveMAE[i] = math.NaN()
		if len(r.vals) > 0 {
			st.LiveMAE[i] = r.sum / float64(len(r.vals))
		}
	}
	return st
}
