package pipeline

import (
	"context"
	"time"

	"github.com/rnncast/rnncast/forecast"
	"github.com/rnncast/rnncast/record"
)

// Observer receives the pipeline's measurements. The metrics package adapts
// it to Prometheus (metric names in docs/contracts.md); tests record it.
//
// Methods are called from partition workers, concurrently for different
// partitions, on the hot path: they must be safe for concurrent use, cheap,
// and must not block. No method carries a per-key label. Implementations
// should embed NopObserver so that methods added later have a default.
type Observer interface {
	// RecordsIn counts input offsets fetched for the first time by this
	// process (rnncast_records_in_total).
	RecordsIn(n int)
	// RecordsRefetched counts fetches of input offsets this process had
	// fetched before: the partition restarted from its committed offset
	// after a failure or a rebalance (rnncast_records_refetched_total).
	RecordsRefetched(n int)
	// ForecastsOut counts forecasts acknowledged by Kafka, each input
	// offset's once: a forecast written again after a failure is not
	// counted again (rnncast_forecasts_out_total).
	ForecastsOut(n int)
	// DeadLetters counts records acknowledged on the dead-letter topic,
	// each input offset's once (rnncast_dead_letters_total{reason}).
	DeadLetters(reason record.Reason, n int)
	// Lag reports a partition's consumer lag: its high watermark (as of
	// the newest fetch) minus its oldest offset not yet settled
	// (rnncast_consumer_lag{partition}). It is reported when the partition
	// is assigned and after every fetch and acknowledged write, and keeps
	// its value between generations.
	Lag(partition int, lag int64)
	// PartitionAssigned is called for every partition of each new
	// generation, and PartitionReleased once a generation no longer
	// assigns the partition to this instance (or Run ends); an adapter
	// deletes the partition's lag series on release.
	PartitionAssigned(partition int)
	// PartitionReleased: see PartitionAssigned.
	PartitionReleased(partition int)
	// BatchSize observes the records of one micro-batch (rnncast_batch_size).
	BatchSize(n int)
	// ModelStep observes the duration of one model call (one round in
	// stateful mode, one micro-batch in window mode)
	// (rnncast_model_step_seconds).
	ModelStep(d time.Duration)
	// EndToEnd observes a forecast's acknowledgement time minus its input
	// record's Kafka timestamp (rnncast_end_to_end_latency_seconds).
	EndToEnd(d time.Duration)
	// Keys adds delta to the number of keys held (rnncast_keys).
	Keys(delta int)
	// Rebalance counts a new consumer group generation
	// (rnncast_rebalances_total).
	Rebalance()
	// LiveErrors reports one micro-batch's live scoring: the errors of the
	// earlier forecasts whose actual values arrived in it, by horizon step
	// (rnncast_live_*{step}). It is called once per micro-batch that scored
	// anything; s is only valid during the call.
	LiveErrors(s *LiveScores)
	// WarmupSteps counts reading steps that produced no forecast because
	// their key was warming up, each input offset's once
	// (rnncast_warmup_steps_total).
	WarmupSteps(n int)
	// Skipped counts records settled without a forecast or a dead letter,
	// each input offset once, by reason: SkipApplied, SkipRevoked
	// (rnncast_skipped_total{reason}).
	Skipped(reason string, n int)
	// Refused counts messages the broker refused for what they held (too
	// large, invalid), by kind: RefusedForecast or RefusedDeadLetter
	// (rnncast_refused_total{kind}). Each is replaced by a dead letter of
	// reason forecast-refused or dead-letter-refused, or, when that is
	// refused too, skipped ("refused").
	Refused(kind string, n int)
	// Checkpoint observes the duration of one partition checkpoint
	// (rnncast_checkpoint_seconds).
	Checkpoint(d time.Duration)
	// Restore observes the duration of one partition restore
	// (rnncast_restore_seconds).
	Restore(d time.Duration)
	// StateBytes adds delta to the bytes of state held (rnncast_state_bytes).
	StateBytes(delta int)
	// StateDropped counts key states dropped, by reason: DropCorrupt,
	// DropModel, DropInvalid on restore, DropTTL and DropCap for keys
	// forgotten while held (rnncast_state_dropped_total{reason}).
	StateDropped(reason string, n int)
	// ModelReload counts model reloads, accepted or rejected
	// (rnncast_model_reloads_total{result}).
	ModelReload(ok bool)
}

// NopObserver is an Observer that discards everything. Embed it to
// implement only some methods.
type NopObserver struct{}

// RecordsIn implements Observer.
func (NopObserver) RecordsIn(int) {}

// RecordsRefetched implements Observer.
func (NopObserver) RecordsRefetched(int) {}

// ForecastsOut implements Observer.
func (NopObserver) ForecastsOut(int) {}

// DeadLetters implements Observer.
func (NopObserver) DeadLetters(record.Reason, int) {}

// Lag implements Observer.
func (NopObserver) Lag(int, int64) {}

// PartitionAssigned implements Observer.
func (NopObserver) PartitionAssigned(int) {}

// PartitionReleased implements Observer.
func (NopObserver) PartitionReleased(int) {}

// BatchSize implements Observer.
func (NopObserver) BatchSize(int) {}

// ModelStep implements Observer.
func (NopObserver) ModelStep(time.Duration) {}

// EndToEnd implements Observer.
func (NopObserver) EndToEnd(time.Duration) {}

// Keys implements Observer.
func (NopObserver) Keys(int) {}

// Rebalance implements Observer.
func (NopObserver) Rebalance() {}

// LiveErrors implements Observer.
func (NopObserver) LiveErrors(*LiveScores) {}

// WarmupSteps implements Observer.
func (NopObserver) WarmupSteps(int) {}

// Skipped implements Observer.
func (NopObserver) Skipped(string, int) {}

// Refused implements Observer.
func (NopObserver) Refused(string, int) {}

// Checkpoint implements Observer.
func (NopObserver) Checkpoint(time.Duration) {}

// Restore implements Observer.
func (NopObserver) Restore(time.Duration) {}

// StateBytes implements Observer.
func (NopObserver) StateBytes(int) {}

// Checkpointer persists a partition's changed key states. The pipeline
// calls it from the partition's worker after the forecasts of a micro-batch
// are acknowledged and before the offsets they cover are committed, so a
// committed offset never passes a durable checkpoint. The state topic's
// implementation is checkpoint.Store (pipeline does not import it: cmd
// wires it in); nil means no checkpoint.
type Checkpointer interface {
	// Checkpoint makes the states of the keys changed since the
	// partition's last checkpoint durable; nextOffset is the offset that
	// will be committed next. changed and its slices are only valid
	// during the call.
	Checkpoint(ctx context.Context, partition int, changed []KeyState, nextOffset int64) error
}

// Restorer loads checkpointed key states. The pipeline calls it from a
// partition's worker before the worker's first fetch; Ready is false until
// every assigned partition is restored.
type Restorer interface {
	// Restore calls apply for each key state checkpointed for partition
	// (the last checkpoint's, from a model with the same fingerprint).
	// apply copies what it needs; it returns an error for a state that does
	// not fit the pipeline's model or window, which the Restorer may skip
	// (the key then warms up) or return.
	Restore(ctx context.Context, partition int, apply func(*KeyState) error) error
}

// KeyState is one key's carried state as the worker holds it; see
// forecast.KeyState.
type KeyState = forecast.KeyState
