package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/rnncast/rnncast/kafkaconn"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/simulate"
)

// system starts a system under test reading in and writing out, feeding m,
// until ctx ends; ready reports that it may be offered records, and wait
// returns once it has stopped.
type system func(ctx context.Context, in, out string, m *meter) (ready func() bool, wait func() error)

// benchRun is one bench invocation.
type benchRun struct {
	o       benchOptions
	m       *model.Model
	brokers []string
	conn    *kafkaconn.Conn // TLS and SASL of every client
	log     *slog.Logger
	scratch string   // prefix of every scratch topic and group
	topics  []string // scratch topics created
	// observed is the shipped observers of the last pipeline started (nil
	// with --hooks=off), for the line that shows they saw the records.
	observed *observers
}

func (b *benchRun) run(ctx context.Context, stdout io.Writer) (benchResult, error) {
	var r benchResult
	in := b.scratch + "-in"
	if err := b.createTopics(ctx, in, b.scratch+"-dead"); err != nil {
		return r, err
	}
	if err := b.preload(ctx, in); err != nil {
		return r, err
	}
	var err error
	if r.pass, err = b.throughput(ctx, "passthrough", b.passthrough, in, stdout); err != nil {
		return r, err
	}
	stopProfile, err := startProfile(b.o.cpuProfile)
	if err != nil {
		return r, err
	}
	r.pipe, err = b.throughput(ctx, "pipeline", b.pipelineSystem, in, stdout)
	if err = errors.Join(err, stopProfile()); err != nil {
		return r, err
	}
	r.rate = b.o.rate
	if r.rate == 0 {
		r.rate = min(r.pass.perSecond(), r.pipe.perSecond()) / 2
	}
	fmt.Fprintf(stdout, "latency at %.0f records/s offered for %v (output acknowledged minus input record timestamp):\n", r.rate, b.o.duration)
	if r.passLat, err = b.latency(ctx, "passthrough", b.passthrough, r.rate, stdout); err != nil {
		return r, err
	}
	if r.pipeLat, err = b.latency(ctx, "pipeline", b.pipelineSystem, r.rate, stdout); err != nil {
		return r, err
	}
	fmt.Fprintf(stdout, "pipeline/passthrough process CPU per record: %.2f\n", r.pipe.cpuPerRecord()/r.pass.cpuPerRecord())
	fmt.Fprintf(stdout, "pipeline/passthrough throughput ratio: %.3f\n", r.Ratio())
	return r, nil
}

// startProfile starts a CPU profile into path ("" for none) and returns the
// function that stops it and closes the file.
func startProfile(path string) (func() error, error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("rnncast bench: cannot create profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("rnncast bench: cannot start profile: %w", err)
	}
	return func() error { pprof.StopCPUProfile(); return f.Close() }, nil
}

func (b *benchRun) createTopics(ctx context.Context, topics ...string) error {
	if err := createTopics(ctx, b.conn, b.brokers, b.o.partition, topics...); err != nil {
		return err
	}
	b.topics = append(b.topics, topics...)
	return nil
}

// deleteTopics removes the scratch topics; failures only leave them behind.
func (b *benchRun) deleteTopics() {
	if len(b.topics) == 0 {
		return
	}
	tr := b.conn.Transport()
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(b.brokers...), Timeout: 30 * time.Second, Transport: tr}
	if _, err := cl.DeleteTopics(context.Background(), &kafka.DeleteTopicsRequest{Topics: b.topics}); err != nil {
		b.log.Warn("rnncast bench: cannot delete scratch topics", "topics", b.topics, "err", err)
	}
}

// preload writes the throughput records as fast as the broker takes them.
func (b *benchRun) preload(ctx context.Context, topic string) error {
	g, err := simulate.New(b.simConfig())
	if err != nil {
		return err
	}
	w := newProducer(b.conn, b.brokers, topic)
	defer w.Close()
	msgs := make([]kafka.Message, 0, 5000)
	for sent := 0; sent < b.o.records; sent += len(msgs) {
		msgs = msgs[:0]
		now := time.Now()
		for len(msgs) < cap(msgs) && sent+len(msgs) < b.o.records {
			msgs = append(msgs, message(g.Next(), now))
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			return fmt.Errorf("rnncast bench: cannot preload (ctx %v): %w", ctx.Err(), err)
		}
	}
	return nil
}

// throughput runs sys over the preloaded records until all are handled.
func (b *benchRun) throughput(ctx context.Context, name string, sys system, in string, stdout io.Writer) (throughput, error) {
	m := newMeter(int64(b.o.records))
	out := b.scratch + "-" + name + "-out"
	if err := b.createTopics(ctx, out); err != nil {
		return throughput{}, err
	}
	cpu0 := cpuTime()
	err := b.runSystem(ctx, sys, in, out, m, func() bool { _, ok := m.throughput(); return ok }, nil)
	if err != nil {
		return throughput{}, fmt.Errorf("rnncast bench: %s throughput: %w", name, err)
	}
	t, _ := m.throughput()
	t.cpu = cpuTime() - cpu0
	fmt.Fprintf(stdout, "throughput %-12s %v\n", name+":", t)
	if o := b.observed; o != nil {
		s := o.metrics.Snapshot()
		fmt.Fprintf(stdout, "           observed: %d records in, %d forecasts out, live MAE %.3f (scored %v), %d sensors in the web hub\n",
			s.RecordsIn, s.ForecastsOut, s.LiveMAE, s.Scored, o.view.hub.Len())
		b.observed = nil
	}
	return t, nil
}

// latency offers records to sys at rate for the configured duration, on a
// fresh input topic, and reports the end-to-end latencies.
func (b *benchRun) latency(ctx context.Context, name string, sys system, rate float64, stdout io.Writer) (latencies, error) {
	in, out := b.scratch+"-"+name+"-lat-in", b.scratch+"-"+name+"-lat-out"
	if err := b.createTopics(ctx, in, out); err != nil {
		return latencies{}, err
	}
	m := newMeter(1 << 62)
	offered := -1
	offer := func(ctx context.Context) error {
		n, err := b.offer(ctx, in, rate)
		offered = n
		return err
	}
	done := func() bool { return offered >= 0 && m.done.Load() >= int64(offered) }
	if err := b.runSystem(ctx, sys, in, out, m, done, offer); err != nil {
		return latencies{}, fmt.Errorf("rnncast bench: %s latency: %w", name, err)
	}
	l := m.latencies()
	fmt.Fprintf(stdout, "latency    %-12s %v\n", name+":", l)
	return l, nil
}

// offer produces simulated records at rate for the configured duration.
func (b *benchRun) offer(ctx context.Context, topic string, rate float64) (int, error) {
	g, err := simulate.New(b.simConfig())
	if err != nil {
		return 0, err
	}
	w := newProducer(b.conn, b.brokers, topic)
	defer w.Close()
	octx, cancel := context.WithTimeout(ctx, b.o.duration)
	defer cancel()
	return produceAtRate(octx, w, g, rate, nil)
}

// runSystem starts sys, waits until it is ready, runs offer (if any), waits
// for finished, and stops sys. It fails after the configured timeout.
func (b *benchRun) runSystem(ctx context.Context, sys system, in, out string, m *meter, finished func() bool, offer func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, b.o.timeout)
	defer cancel()
	sctx, stop := context.WithCancel(ctx)
	ready, wait := sys(sctx, in, out, m)
	err := b.drive(ctx, ready, finished, offer)
	stop()
	if werr := wait(); err == nil {
		err = werr
	}
	return err
}

func (b *benchRun) drive(ctx context.Context, ready, finished func() bool, offer func(context.Context) error) error {
	if err := poll(ctx, ready); err != nil {
		return fmt.Errorf("not ready: %w", err)
	}
	if offer != nil {
		if err := offer(ctx); err != nil {
			return err
		}
	}
	return poll(ctx, finished)
}

// poll waits until cond holds or ctx ends.
func poll(ctx context.Context, cond func() bool) error {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
