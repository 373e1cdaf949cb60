package pipeline

import (
	"context"
	"fmt"

	"github.com/rnncast/rnncast/record"
	"github.com/rnncast/rnncast/sink"
)

// Kinds of refused messages (Observer.Refused).
const (
	RefusedForecast   = "forecast"
	RefusedDeadLetter = "dead-letter"
)

// replaceRefused writes a dead letter in place of each message of the
// micro-batch just written that the broker refused for what it held
// (sink.Refused: too large, invalid, corrupt). The record's offset is then
// settled by that dead letter, of reason record.ReasonForecastRefused or
// record.ReasonDeadLetterRefused, and the partition goes on: one record
// cannot stop it. The replacement keeps the refused message's key and at
// most the value prefix (sink.DeadLetter.Refused). A replacement refused in
// its turn is logged and its offset settled without a dead letter
// (Skipped "refused"): nothing smaller could be written. An error is a
// failure of the cluster, and ends the generation as any failed write does.
func (w *worker) replaceRefused(ctx context.Context) error {
	rs := w.out.Refused()
	if len(rs) == 0 {
		return nil
	}
	w.retry.Reset()
	for _, r := range rs {
		// Outcomes count at an offset's first settlement only (ledger.go):
		// a refused record fetched again after a failure is not counted twice.
		counted := w.first(r.Offset)
		reason, kind, what := record.ReasonDeadLetterRefused, RefusedDeadLetter, "dead letter (reason "+string(r.Reason)+")"
		if r.Kind == sink.KindForecast {
			reason, kind, what = record.ReasonForecastRefused, RefusedForecast, "forecast"
			w.dropEmitted(r.Offset)
		} else if counted {
			w.reasons[r.Reason]--
		}
		w.obs.Refused(kind, 1)
		w.log.Warn("pipeline: the broker refused a record's "+what+"; a dead letter takes its place",
			"partition", w.part, "offset", r.Offset, "reason", reason, "err", r.Err)
		key, value := w.out.KeyValue(r.Index)
		t, _ := w.pend.timeOf(r.Offset)
		w.dead = sink.DeadLetter{Key: key, Value: value, Time: t, Reason: reason,
			Err:   fmt.Errorf("the broker refused its %s: %w", what, r.Err),
			Topic: w.cfg.InputTopic, Partition: w.part, Offset: r.Offset, Refused: true}
		w.retry.AddDeadLetter(w.cfg.DeadLetterTopic, &w.dead, w.cfg.DeadLetter)
		if counted {
			w.reasons[reason]++
		}
	}
	if err := w.sink.Write(ctx, &w.retry); err != nil {
		w.retry = sink.Batch{} // kafka-go may still read the abandoned messages
		return err
	}
	for _, r := range w.retry.Refused() {
		w.obs.Refused(RefusedDeadLetter, 1)
		if w.first(r.Offset) {
			w.reasons[r.Reason]--
			w.obs.Skipped("refused", 1)
		}
		w.log.Error("pipeline: the broker refused the dead letter of a refused record too; its offset is settled without one",
			"partition", w.part, "offset", r.Offset, "reason", r.Reason, "err", r.Err)
	}
	return nil
}

// dropEmitted marks the forecast of input offset as not written: it is not
// counted, and OnForecast does not see it.
func (w *worker) dropEmitted(offset int64) {
	for i := range w.emitted {
		if w.emitted[i].offset == offset {
			w.emitted[i].refused = true
		}
	}
}
