package metrics

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rnncast/rnncast/pipeline"
	"github.com/rnncast/rnncast/record"
)

// RecentScores is how many of the latest scores per horizon step
// rnncast_live_mae averages.
const RecentScores = 256

// Observer implements pipeline.Observer with Prometheus metrics. Create it
// with New.
type Observer struct {
	recordsIn, forecastsOut, rebalances, warmup prometheus.Counter
	recordsRefetched                            prometheus.Counter
	deadLetters, skipped                        *prometheus.CounterVec
	refused                                     *prometheus.CounterVec
	stateDropped, modelReloads                  *prometheus.CounterVec
	lag                                         *prometheus.GaugeVec
	keys, stateBytes                            prometheus.Gauge
	batchSize, modelStep, endToEnd              prometheus.Histogram
	checkpoint, restore                         prometheus.Histogram
	liveAbs, liveSq, liveScored                 *prometheus.CounterVec
	liveMAE                                     *prometheus.GaugeVec
	modelInfo                                   *prometheus.GaugeVec

	// Plain totals for Snapshot, so the demo needs no Prometheus parsing.
	nIn, nOut, nDead atomic.Int64

	mu   sync.Mutex  // guards live
	live []*liveStep // by horizon step - 1; nil until the step's first score
}

var _ pipeline.Observer = (*Observer)(nil)

// New creates the metrics and registers them on reg. It fails if a metric of
// the same name is already registered there.
func New(reg *prometheus.Registry) (*Observer, error) {
	o := newObserver()
	for _, c := range o.collectors() {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: cannot register: %w", err)
		}
	}
	return o, nil
}

func newObserver() *Observer {
	return &Observer{
		recordsIn: counter("rnncast_records_in_total", "Input offsets fetched for the first time by this process."),
		recordsRefetched: counter("rnncast_records_refetched_total",
			"Input offsets fetched again after a failure or rebalance (not in rnncast_records_in_total)."),
		forecastsOut: counter("rnncast_forecasts_out_total", "Forecasts acknowledged by Kafka, one per input offset (rewrites not counted)."),
		rebalances:   counter("rnncast_rebalances_total", "Consumer group generations joined."),
		warmup:       counter("rnncast_warmup_steps_total", "Reading steps that produced no forecast because their key was warming up."),
		deadLetters:  counterVec("rnncast_dead_letters_total", "Records written to the dead-letter topic, one per input offset, by reason.", "reason"),
		skipped:      counterVec("rnncast_skipped_total", "Records settled without a forecast or dead letter, by reason (applied, revoked).", "reason"),
		refused:      counterVec("rnncast_refused_total", "Messages the broker refused for what they held (each replaced by a dead letter), by kind (forecast, dead-letter).", "kind"),
		stateDropped: counterVec("rnncast_state_dropped_total", "Key states dropped: on restore (corrupt, model, invalid) or while held (ttl, cap).", "reason"),
		modelReloads: counterVec("rnncast_model_reloads_total", "Model reloads, by result (ok, rejected).", "result"),
		lag:          gaugeVec("rnncast_consumer_lag", "High watermark minus the oldest unsettled offset, per assigned partition.", "partition"),
		keys:         gauge("rnncast_keys", "Keys (sensors) held."),
		stateBytes:   gauge("rnncast_state_bytes", "Bytes of per-key state held."),
		batchSize:    histogram("rnncast_batch_size", "Records per micro-batch.", prometheus.ExponentialBuckets(1, 2, 12)),
		modelStep:    histogram("rnncast_model_step_seconds", "Duration of one model call.", prometheus.ExponentialBuckets(10e-6, 2.5, 12)),
		endToEnd:     histogram("rnncast_end_to_end_latency_seconds", "Forecast acknowledged minus its input record's timestamp.", prometheus.ExponentialBuckets(0.001, 2, 16)),
		checkpoint:   histogram("rnncast_checkpoint_seconds", "Duration of one partition checkpoint.", prometheus.ExponentialBuckets(0.001, 2, 14)),
		restore:      histogram("rnncast_restore_seconds", "Duration of one partition restore.", prometheus.ExponentialBuckets(0.001, 2, 16)),
		liveAbs:      counterVec("rnncast_live_abs_error_sum", "Sum of absolute forecast errors, per horizon step, in original units.", "step"),
		liveSq:       counterVec("rnncast_live_sq_error_sum", "Sum of squared forecast errors, per horizon step, in original units.", "step"),
		liveScored:   counterVec("rnncast_live_scored_total", "Forecast values scored against their actuals, per horizon step.", "step"),
		liveMAE:      gaugeVec("rnncast_live_mae", fmt.Sprintf("Mean absolute error of the last %d scores, per horizon step.", RecentScores), "step"),
		modelInfo:    gaugeVec("rnncast_model_info", "The model served; always 1.", "name", "version", "cell", "fingerprint"),
	}
}

func (o *Observer) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		o.recordsIn, o.recordsRefetched, o.forecastsOut, o.rebalances, o.warmup, o.deadLetters, o.skipped, o.refused, o.stateDropped, o.modelReloads,
		o.lag, o.keys, o.stateBytes, o.batchSize, o.modelStep, o.endToEnd,
		o.checkpoint, o.restore, o.liveAbs, o.liveSq, o.liveScored, o.liveMAE, o.modelInfo,
	}
}

// SetModel sets rnncast_model_info{name,version,cell,fingerprint} to 1 for
// the model served, replacing any earlier one.
func (o *Observer) SetModel(name, version, cell, fingerprint string) {
	o.modelInfo.Reset()
	o.modelInfo.WithLabelValues(name, version, cell, fingerprint).Set(1)
}

// RecordsIn implements pipeline.Observer.
func (o *Observer) RecordsIn(n int) { o.recordsIn.Add(float64(n)); o.nIn.Add(int64(n)) }

// RecordsRefetched implements pipeline.Observer.
func (o *Observer) RecordsRefetched(n int) { o.recordsRefetched.Add(float64(n)) }

// ForecastsOut implements pipeline.Observer.
func (o *Observer) ForecastsOut(n int) { o.forecastsOut.Add(float64(n)); o.nOut.Add(int64(n)) }

// DeadLetters implements pipeline.Observer.
func (o *Observer) DeadLetters(reason record.Reason, n int) {
	o.deadLetters.WithLabelValues(string(reason)).Add(float64(n))
	o.nDead.Add(int64(n))
}

// Lag implements pipeline.Observer.
func (o *Observer) Lag(partition int, lag int64) {
	o.lag.WithLabelValues(strconv.Itoa(partition)).Set(float64(lag))
}

// PartitionAssigned implements pipeline.Observer. The lag series appears
// with the partition's first Lag report (at assignment when its lag is
// known) and stays until PartitionReleased, across generations.
func (o *Observer) PartitionAssigned(int) {}

// PartitionReleased implements pipeline.Observer: the partition's lag series
// is deleted, so a released partition does not report a stale lag.
func (o *Observer) PartitionReleased(partition int) {
	o.lag.DeleteLabelValues(strconv.Itoa(partition))
}

// BatchSize implements pipeline.Observer.
func (o *Observer) BatchSize(n int) { o.batchSize.Observe(float64(n)) }

// ModelStep implements pipeline.Observer.
func (o *Observer) ModelStep(d time.Duration) { o.modelStep.Observe(d.Seconds()) }

// EndToEnd implements pipeline.Observer.
func (o *Observer) EndToEnd(d time.Duration) { o.endToEnd.Observe(d.Seconds()) }

// Keys implements pipeline.Observer.
func (o *Observer) Keys(delta int) { o.keys.Add(float64(delta)) }

// Rebalance implements pipeline.Observer.
func (o *Observer) Rebalance() { o.rebalances.Inc() }

// WarmupSteps implements pipeline.Observer.
func (o *Observer) WarmupSteps(n int) { o.warmup.Add(float64(n)) }

// Skipped implements pipeline.Observer.
func (o *Observer) Skipped(reason string, n int) { o.skipped.WithLabelValues(reason).Add(float64(n)) }

// Refused implements pipeline.Observer.
func (o *Observer) Refused(kind string, n int) { o.refused.WithLabelValues(kind).Add(float64(n)) }

// Checkpoint implements pipeline.Observer.
func (o *Observer) Checkpoint(d time.Duration) { o.checkpoint.Observe(d.Seconds()) }

// Restore implements pipeline.Observer.
func (o *Observer) Restore(d time.Duration) { o.restore.Observe(d.Seconds()) }

// StateBytes implements pipeline.Observer.
func (o *Observer) StateBytes(delta int) { o.stateBytes.Add(float64(delta)) }

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
}

func gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
}

func histogram(name, help string, buckets []float64) prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets})
}
