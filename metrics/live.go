package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rnncast/rnncast/pipeline"
)

// ring holds the latest RecentScores absolute errors of one horizon step
// and their running sum.
type ring struct {
	vals [RecentScores]float64
	next int // index the next score overwrites
	n    int // scores held, at most RecentScores
	sum  float64
}

// add stores the scores vs in order, evicting the oldest when full, and
// returns the mean of the scores held. vs must not be empty. The running
// sum takes the same additions in the same order as storing the scores one
// by one would, so a batch's mean equals the one-by-one mean exactly.
func (r *ring) add(vs []float64) float64 {
	sum, next, n := r.sum, r.next, r.n
	for _, v := range vs {
		if n == len(r.vals) {
			sum -= r.vals[next]
		} else {
			n++
		}
		r.vals[next] = v
		sum += v
		next = (next + 1) % len(r.vals)
		if next == 0 {
			sum = r.resum(n) // bound floating-point drift of the running sum
		}
	}
	r.sum, r.next, r.n = sum, next, n
	return sum / float64(n)
}

// resum returns the sum of the first n scores held.
func (r *ring) resum(n int) float64 {
	sum := 0.0
	for _, v := range r.vals[:n] {
		sum += v
	}
	return sum
}

// liveStep is one horizon step's series, resolved once (no label lookup
// per batch), and its recent scores.
type liveStep struct {
	abs, sq, scored prometheus.Counter
	mae             prometheus.Gauge
	recent          ring
}

// LiveErrors implements pipeline.Observer: per horizon step it adds the
// micro-batch's error sums and count, and updates the step's recent mean
// absolute error with the batch's errors in order. One lock per batch.
func (o *Observer) LiveErrors(s *pipeline.LiveScores) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := range s.Steps {
		st := &s.Steps[i]
		if len(st.Abs) == 0 {
			continue
		}
		l := o.liveStep(i + 1)
		l.abs.Add(st.AbsSum)
		l.sq.Add(st.SqSum)
		l.scored.Add(float64(len(st.Abs)))
		l.mae.Set(l.recent.add(st.Abs))
	}
}

// liveStep returns step's series, resolving them on the step's first
// score. o.mu must be held.
func (o *Observer) liveStep(step int) *liveStep {
	for len(o.live) < step {
		o.live = append(o.live, nil)
	}
	l := o.live[step-1]
	if l == nil {
		label := strconv.Itoa(step)
		l = &liveStep{abs: o.liveAbs.WithLabelValues(label), sq: o.liveSq.WithLabelValues(label),
			scored: o.liveScored.WithLabelValues(label), mae: o.liveMAE.WithLabelValues(label)}
		o.live[step-1] = l
	}
	return l
}

// Snapshot is a summary of an Observer's totals for status lines.
type Snapshot struct {
	RecordsIn, ForecastsOut, DeadLetters int64
	// LiveMAE is the mean over horizon steps of each step's recent mean
	// absolute error; NaN-free: 0 with Scored false when nothing is scored.
	LiveMAE float64
	// Scored reports whether any forecast has been scored yet.
	Scored bool
}

// Snapshot returns the totals counted so far and the recent live error.
func (o *Observer) Snapshot() Snapshot {
	s := Snapshot{RecordsIn: o.nIn.Load(), ForecastsOut: o.nOut.Load(), DeadLetters: o.nDead.Load()}
	o.mu.Lock()
	defer o.mu.Unlock()
	steps := 0
	for _, l := range o.live {
		if l != nil {
			s.LiveMAE += l.recent.sum / float64(l.recent.n)
			steps++
		}
	}
	if steps > 0 {
		s.LiveMAE /= float64(steps)
		s.Scored = true
	}
	return s
}
