package metrics

import (
	"strconv"
)

// ring holds the latest RecentScores absolute errors of one horizon step
// and their running sum.
type ring struct {
	vals [RecentScores]float64
	next int // index the next score overwrites
	n    int // scores held, at most RecentScores
	sum  float64
}

// add stores v, evicting the oldest score when full, and returns the mean.
func (r *ring) add(v float64) float64 {
	if r.n == len(r.vals) {
		r.sum -= r.vals[r.next]
	} else {
		r.n++
	}
	r.vals[r.next] = v
	r.sum += v
	r.next = (r.next + 1) % len(r.vals)
	if r.next == 0 {
		r.resum() // bound floating-point drift of the running sum
	}
	return r.sum / float64(r.n)
}

func (r *ring) resum() {
	r.sum = 0
	for _, v := range r.vals[:r.n] {
		r.sum += v
	}
}

// LiveError implements pipeline.Observer: it adds to the step's error sums
// and updates its recent mean absolute error.
func (o *Observer) LiveError(step int, absErr, sqErr float64) {
	label := strconv.Itoa(step)
	o.liveAbs.WithLabelValues(label).Add(absErr)
	o.liveSq.WithLabelValues(label).Add(sqErr)
	o.liveScored.WithLabelValues(label).Inc()
	o.mu.Lock()
	r := o.recent[step]
	if r == nil {
		r = new(ring)
		o.recent[step] = r
	}
	mae := r.add(absErr)
	o.mu.Unlock()
	o.liveMAE.WithLabelValues(label).Set(mae)
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
	for _, r := range o.recent {
		s.LiveMAE += r.sum / float64(r.n)
	}
	if len(o.recent) > 0 {
		s.LiveMAE /= float64(len(o.recent))
		s.Scored = true
	}
	return s
}
