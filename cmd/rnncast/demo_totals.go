package main

import (
	"fmt"
	"sync/atomic"

	"github.com/rnncast/rnncast/pipeline"
	"github.com/rnncast/rnncast/record"
)

// demoTotals counts what became of the demo's readings, passing every
// measurement on to the observer it wraps: each input record is a
// forecast, a warm-up step, a dead letter or a skipped record. Safe for
// concurrent use.
type demoTotals struct {
	pipeline.Observer
	in, out, warm, dead, skipped atomic.Int64
}

func (d *demoTotals) RecordsIn(n int) {
	d.in.Add(int64(n))
	d.Observer.RecordsIn(n)
}

func (d *demoTotals) ForecastsOut(n int) {
	d.out.Add(int64(n))
	d.Observer.ForecastsOut(n)
}

func (d *demoTotals) WarmupSteps(n int) {
	d.warm.Add(int64(n))
	d.Observer.WarmupSteps(n)
}

func (d *demoTotals) DeadLetters(r record.Reason, n int) {
	d.dead.Add(int64(n))
	d.Observer.DeadLetters(r, n)
}

func (d *demoTotals) Skipped(reason string, n int) {
	d.skipped.Add(int64(n))
	d.Observer.Skipped(reason, n)
}

// line is the accounting of every reading: readings in = forecasts +
// warm-ups + dead letters (+ skipped, when any; + the records not accounted
// for, when the stop left some in flight).
func (d *demoTotals) line() string {
	in, out, warm, dead, skipped := d.in.Load(), d.out.Load(), d.warm.Load(), d.dead.Load(), d.skipped.Load()
	s := fmt.Sprintf("readings in %d = forecasts out %d + warm-ups %d + dead letters %d", in, out, warm, dead)
	if skipped > 0 {
		s += fmt.Sprintf(" + skipped %d", skipped)
	}
	if rest := in - out - warm - dead - skipped; rest != 0 {
		s += fmt.Sprintf(" + %d not accounted for (in flight at the stop)", rest)
	}
	return s
}
