package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/rnncast/rnncast/checkpoint"
	"github.com/rnncast/rnncast/pipeline"
	"github.com/rnncast/rnncast/record"
)

// passthrough is the baseline: per input partition one kafka-go Reader, and
// micro-batches written unchanged to the output topic with acks=all. No
// consumer group, no commits, no decoding.
func (b *benchRun) passthrough(ctx context.Context, in, out string, m *meter) (ready func() bool, wait func() error) {
	tr := b.conn.Transport()
	w := &kafka.Writer{Addr: kafka.TCP(b.brokers...), Topic: out, Transport: tr, Balancer: &kafka.Hash{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: pipeline.DefaultWriterBatchTimeout, BatchSize: b.o.batch}
	var wg sync.WaitGroup
	errs := make([]error, b.o.partition)
	for p := range b.o.partition {
		wg.Go(func() { errs[p] = b.copyPartition(ctx, in, p, w, m) })
	}
	return func() bool { return true }, func() error {
		wg.Wait()
		err := errors.Join(append(errs, w.Close())...)
		tr.CloseIdleConnections()
		return err
	}
}

// copyPartition copies one partition until ctx ends.
func (b *benchRun) copyPartition(ctx context.Context, topic string, p int, w *kafka.Writer, m *meter) error {
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: b.brokers, Dialer: b.conn.Dialer(), Topic: topic, Partition: p,
		MinBytes: 1, MaxBytes: 10 << 20, MaxWait: 250 * time.Millisecond})
	defer r.Close()
	batch := make([]kafka.Message, 0, b.o.batch)
	for {
		batch = batch[:0]
		var err error
		if batch, err = b.fetchBatch(ctx, r, batch, m); err != nil {
			return nil // ctx ended
		}
		if err := w.WriteMessages(ctx, batch...); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("rnncast bench: passthrough cannot write: %w", err)
		}
		now := time.Now()
		for i := range batch {
			m.latency(now.Sub(batch[i].Time))
		}
		m.handled(len(batch))
	}
}

// fetchBatch blocks for one record, then takes more until the batch is
// full or max-delay has passed since the first; the pipeline batches alike.
func (b *benchRun) fetchBatch(ctx context.Context, r *kafka.Reader, batch []kafka.Message, m *meter) ([]kafka.Message, error) {
	msg, err := r.FetchMessage(ctx)
	if err != nil {
		return nil, err
	}
	m.fetched()
	batch = append(batch, kafka.Message{Key: msg.Key, Value: msg.Value, Time: msg.Time})
	bctx, cancel := context.WithTimeout(ctx, b.o.maxDelay)
	defer cancel()
	for len(batch) < cap(batch) {
		msg, err := r.FetchMessage(bctx)
		if err != nil {
			break
		}
		batch = append(batch, kafka.Message{Key: msg.Key, Value: msg.Value, Time: msg.Time})
	}
	return batch, ctx.Err()
}

// benchObserver feeds a meter from the pipeline's observations and passes
// every observation on to the observers it wraps (run's, or none).
type benchObserver struct {
	pipeline.Observer
	m *meter
}

func (o benchObserver) RecordsIn(n int) { o.m.fetched(); o.Observer.RecordsIn(n) }
func (o benchObserver) ForecastsOut(n int) {
	o.m.handled(n)
	o.Observer.ForecastsOut(n)
}
func (o benchObserver) DeadLetters(r record.Reason, n int) {
	o.m.handled(n)
	o.Observer.DeadLetters(r, n)
}
func (o benchObserver) WarmupSteps(n int) { o.m.handled(n); o.Observer.WarmupSteps(n) }
func (o benchObserver) EndToEnd(d time.Duration) {
	o.m.latency(d)
	o.Observer.EndToEnd(d)
}

// pipelineSystem runs the full pipeline from in to out in a group of its
// own, checkpointing to a state topic of its own unless --state=false. With
// --hooks=shipped (the default) it is observed as rnncast run observes it
// (newObservers: the Prometheus adapter, live scoring, the web view's Hub);
// with --hooks=off by no-op observers and no hooks.
func (b *benchRun) pipelineSystem(ctx context.Context, in, out string, m *meter) (ready func() bool, wait func() error) {
	cfg := pipeline.Config{Brokers: b.brokers, Kafka: b.conn, InputTopic: in, OutputTopic: out, DeadLetterTopic: b.scratch + "-dead",
		Group: out + "-group", StartFirst: true, Warmup: 1, MaxBatch: b.o.batch, MaxDelay: b.o.maxDelay}
	failed := func(err error) (func() bool, func() error) {
		return func() bool { return false }, func() error { return err }
	}
	var shipped, storeObs pipeline.Observer = pipeline.NopObserver{}, pipeline.NopObserver{}
	if b.o.hooks == hooksShipped {
		o, err := newObservers(b.m, &cfg, b.m.Meta.Interval)
		if err != nil {
			return failed(err)
		}
		shipped, storeObs = o.view.obs, o.metrics
		b.observed = o
	}
	obs := benchObserver{Observer: shipped, m: m}
	var store *checkpoint.Store
	if b.o.state {
		topic := out + "-state"
		b.topics = append(b.topics, topic) // created by checkpoint.New
		var err error
		if store, err = checkpoint.New(ctx, checkpoint.Config{Brokers: b.brokers, Kafka: b.conn, InputTopic: in,
			Topic: topic, Mode: b.m.Meta.Mode}, b.m, storeObs); err != nil {
			return failed(err)
		}
		cfg.Checkpointer, cfg.Restorer = store, store
	}
	p, err := pipeline.New(cfg, b.m, obs, b.log)
	if err != nil {
		return failed(errors.Join(err, closeStore(store)))
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return p.Ready, func() error { return errors.Join(<-done, closeStore(store)) }
}

func closeStore(s *checkpoint.Store) error {
	if s == nil {
		return nil
	}
	return s.Close()
}
