package pipeline

import "sort"

// Reasons of Observer.Skipped.
const (
	// SkipApplied is a reading its key had already taken before a restore.
	SkipApplied = "applied"
	// SkipRevoked is a record this process fetched (and counted in) but did
	// not settle before its partition was revoked or its worker failed, and
	// did not fetch again: another member settled it, or the group's
	// offset moved past it.
	SkipRevoked = "revoked"
)

// ledger makes the records counters of one partition count each input
// offset once per process, so that
//
//	records in = forecasts + warm-up steps + dead letters + skipped
//
// holds whenever nothing is in flight, through failures and rebalances:
//
//   - An offset counts in RecordsIn when it is fetched for the first time by
//     this process (at or past in); a fetch of an offset below in (the
//     partition restarted from its committed offset after a failure or a
//     rebalance) counts in RecordsRefetched instead.
//   - Its outcome (forecast, warm-up step, dead letter, skipped) counts at
//     its first settlement only: an offset settled (acknowledged) before a
//     failure and written again after it is not counted again.
//   - An offset counted in but never settled here, because the partition
//     moved to another member or the group's offset moved past it, counts
//     as skipped SkipRevoked, so the identity closes.
//
// A ledger lives across generations in Pipeline.ledgers; the worker of its
// partition uses it alone (handed over under Pipeline.mu, as is every
// access by the generation bookkeeping, which runs while no worker does).
type ledger struct {
	in int64 // one past the highest offset counted in; offsets are ≥ 0
	// open holds offsets counted in whose outcome is not counted yet and
	// that no running worker tracks (its pending offsets are its own).
	// It is small: what was in flight when a worker ended.
	open map[int64]struct{}
}

func newLedger() *ledger { return &ledger{open: map[int64]struct{}{}} }

// revoke counts every open offset as settled elsewhere.
func (l *ledger) revoke() int {
	n := len(l.open)
	clear(l.open)
	return n
}

// revokeBelow counts the open offsets below first as settled elsewhere: a
// worker whose first fetched offset is first will not fetch them.
func (l *ledger) revokeBelow(first int64) int {
	n := 0
	for o := range l.open {
		if o < first {
			delete(l.open, o)
			n++
		}
	}
	return n
}

// ledger returns partition's ledger, creating it on first use.
func (p *Pipeline) ledger(partition int) *ledger {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.ledgers[partition]
	if l == nil {
		l = newLedger()
		p.ledgers[partition] = l
	}
	return l
}

// first reports whether offset's outcome is counted when it settles now:
// it was first fetched by this worker, or counted in earlier and never
// settled.
func (w *worker) first(offset int64) bool {
	if offset >= w.newFrom {
		return true
	}
	_, ok := w.led.open[offset]
	return ok
}

// countIn counts the micro-batch's records: first fetches as records in,
// the others as re-fetched. On the worker's first batch, open offsets
// below its first offset are counted as revoked.
func (w *worker) countIn() {
	obs := w.obs
	if !w.fetched {
		w.fetched = true
		if n := w.led.revokeBelow(w.msgs[0].Offset); n > 0 {
			obs.Skipped(SkipRevoked, n)
		}
	}
	i := sort.Search(len(w.msgs), func(i int) bool { return w.msgs[i].Offset >= w.newFrom })
	if i > 0 {
		obs.RecordsRefetched(i)
	}
	obs.RecordsIn(len(w.msgs) - i)
}

// accounted follows an acknowledged micro-batch: it counts its skipped
// readings, closes the open offsets it settled and exports the lag.
func (w *worker) accounted() {
	if w.skips > 0 {
		w.obs.Skipped(SkipApplied, w.skips)
	}
	if len(w.led.open) > 0 {
		for _, o := range w.settled {
			if o < w.newFrom {
				delete(w.led.open, o)
			}
		}
	}
	w.reportLag()
}

// closeLedger hands the ledger back when the worker ends: the offsets it
// counted in and did not settle stay open for the partition's next worker.
func (w *worker) closeLedger() {
	w.report.handBack(func() {
		l := w.led
		for _, q := range w.pend.q[w.pend.head:] {
			if !q.settled && q.offset >= w.newFrom {
				l.open[q.offset] = struct{}{}
			}
		}
		l.in = max(l.in, w.pend.next)
	})
}

// reportLag exports the partition's lag: its high watermark as of the
// newest fetch minus its oldest unsettled offset.
func (w *worker) reportLag() {
	if pos, ok := w.pend.committable(); ok && w.hwm >= 0 {
		w.report.setLag(w.part, w.hwm, pos)
	}
}
