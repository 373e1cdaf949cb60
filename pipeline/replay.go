package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/rnncast/rnncast/ingest"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/record"
	"github.com/rnncast/rnncast/sink"
)

// BatchWriter writes one micro-batch's forecasts and dead letters and
// returns once they are durable. *sink.Writer is the live one; a replay may
// collect batches in memory instead. Write must not keep b after it
// returns.
type BatchWriter interface {
	Write(ctx context.Context, b *sink.Batch) error
}

// Source is one partition's records in offset order, for Replay:
// ingest.RangeReader reads a topic range without a consumer group.
type Source interface {
	Partition() int
	// Next returns the next record, or io.EOF after the last.
	Next(ctx context.Context, m *ingest.Message) error
}

// ReplayOptions configure Replay beyond the pipeline's Config.
type ReplayOptions struct {
	// Speed, when positive, paces the replay so that the readings' event
	// time advances Speed times faster than wall time, on one clock for
	// all partitions that starts at the first reading any partition
	// decodes (a partition whose readings are older runs unpaced until it
	// catches up). Default 0: as fast as possible.
	Speed float64
	// WriteDeadLetters sends dead letters to Config.DeadLetterTopic through
	// the BatchWriter. Default false: they are counted (ReplayStats) and
	// dropped.
	WriteDeadLetters bool
	// Observer, when set, receives the replay's measurements as a live
	// pipeline's would. Default: none.
	Observer Observer
}

// ReplayStats counts what a replay did.
type ReplayStats struct {
	Records, Forecasts, Warmups int
	DeadLetters                 map[record.Reason]int
}

// Replay runs each source's records through exactly the code path of a
// live partition worker (record.Decoder, window.Windows, the model stage,
// the forecast encoding: worker.process), one goroutine per source, and
// writes each micro-batch to out. It joins no consumer group and commits
// nothing; keys start cold (no Restorer), and KeyTTL and MaxKeys are not
// applied (the live pipeline applies them at commits, whose timing a replay
// cannot know). Same records, same model and same Config → the same
// forecast bytes as rnncast run wrote (the model stage is batch-independent,
// so micro-batch boundaries do not matter). cfg's Brokers and Group are not
// used; InputTopic is required (forecasts name it), OutputTopic names the
// topic of the forecasts given to out: when it is empty, forecasts are made
// and counted but none reaches out (nor do dead letters when
// DeadLetterTopic is empty). cfg.OnReading and cfg.OnForecast are
// called as in a live run, concurrently for different sources.
func Replay(ctx context.Context, cfg Config, m *model.Model, srcs []Source, out BatchWriter, opt ReplayOptions) (ReplayStats, error) {
	p, err := newReplayPipeline(cfg, m, opt.Observer)
	if err != nil {
		return ReplayStats{}, err
	}
	obs := p.obs.(*countObserver)
	if !opt.WriteDeadLetters || cfg.DeadLetterTopic == "" {
		out = dropTopic{out: out, topic: p.cfg.DeadLetterTopic}
	}
	if cfg.OutputTopic == "" {
		out = dropTopic{out: out, topic: p.cfg.OutputTopic}
	}
	var clock *eventClock
	if opt.Speed > 0 {
		clock = &eventClock{speed: opt.Speed}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(srcs))
	for i, src := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = p.replayPartition(ctx, src, out, clock); errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	return obs.stats(), errors.Join(errs...)
}

// newReplayPipeline validates cfg as New does, with placeholders for the
// settings a replay does not use.
func newReplayPipeline(cfg Config, m *model.Model, obs Observer) (*Pipeline, error) {
	if cfg.InputTopic == "" {
		return nil, errors.New("pipeline: cannot replay: empty input topic")
	}
	setStr := func(s *string, def string) {
		if *s == "" {
			*s = def
		}
	}
	// Placeholders for topics not given; Replay drops their messages. They
	// are not valid Kafka topic names, so no record can reach a real topic.
	setStr(&cfg.OutputTopic, "(forecasts not written)")
	setStr(&cfg.DeadLetterTopic, "(dead letters not written)")
	setStr(&cfg.Group, "replay")
	if len(cfg.Brokers) == 0 {
		cfg.Brokers = []string{"replay"}
	}
	cfg.Checkpointer, cfg.Restorer, cfg.KeyTTL, cfg.MaxKeys = nil, nil, 0, 0
	if obs == nil {
		obs = NopObserver{}
	}
	p, err := New(cfg, m, &countObserver{Observer: obs, dead: map[record.Reason]int{}}, slog.Default())
	if err != nil {
		return nil, fmt.Errorf("pipeline: cannot replay: %w", err)
	}
	return p, nil
}

// replayPartition is one source's worker: fetch a micro-batch, process it
// (the live worker's process), until the source ends.
func (p *Pipeline) replayPartition(ctx context.Context, src Source, out BatchWriter, clock *eventClock) error {
	dec, err := record.NewDecoder(p.cfg.Decoder)
	if err != nil {
		return fmt.Errorf("pipeline: cannot create decoder: %w", err)
	}
	st, err := p.newPartState()
	if err != nil {
		return err
	}
	defer p.dropState(st)
	part := src.Partition()
	w := p.baseWorker(part, dec, st, out, -1)
	g := &gatherer{src: src, max: p.cfg.MaxBatch}
	if clock != nil {
		if g.pace, err = newPacer(p.cfg.Decoder, clock); err != nil {
			return err
		}
	}
	for {
		err := g.gather(ctx, w)
		if len(w.msgs) > 0 {
			if perr := w.process(ctx); perr != nil {
				return fmt.Errorf("pipeline: cannot replay partition %d: %w", part, perr)
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("pipeline: cannot replay partition %d: %w", part, err)
		}
	}
}

// gatherer fills a worker's micro-batch from a Source: up to max records,
// ending a batch early where pacing must wait, so that the forecasts before
// the wait are written before it.
type gatherer struct {
	src    Source
	max    int
	pace   *pacer
	peek   ingest.Message
	peeked bool
}

func (g *gatherer) gather(ctx context.Context, w *worker) error {
	w.msgs = w.msgs[:0]
	var m ingest.Message
	for len(w.msgs) < g.max {
		if g.peeked {
			m, g.peeked = g.peek, false
		} else if err := g.src.Next(ctx, &m); err != nil {
			return err
		}
		if d := g.pace.delay(&m); d > 0 {
			if len(w.msgs) > 0 {
				g.peek, g.peeked = m, true
				return nil
			}
			if err := sleep(ctx, d); err != nil {
				return err
			}
		}
		w.msgs = append(w.msgs, m)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// eventClock maps event time to wall time for every partition of a
// replay: it starts at the first reading any partition decodes, and event
// time then advances speed times faster than wall time. Safe for
// concurrent use.
type eventClock struct {
	speed      float64
	mu         sync.Mutex
	wall0, ev0 time.Time
}

// due returns the wall time at which a reading of event time ev is due.
func (c *eventClock) due(ev time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wall0.IsZero() {
		c.wall0, c.ev0 = time.Now(), ev
	}
	return c.wall0.Add(time.Duration(float64(ev.Sub(c.ev0)) / c.speed))
}

// pacer is one partition's view of the eventClock. It decodes with a
// decoder of its own (the worker's is not touched), so a record it cannot
// decode is not delayed.
type pacer struct {
	clock *eventClock
	dec   *record.Decoder
	rd    record.Reading
}

func newPacer(cfg record.DecoderConfig, clock *eventClock) (*pacer, error) {
	dec, err := record.NewDecoder(cfg)
	if err != nil {
		return nil, fmt.Errorf("pipeline: cannot create decoder: %w", err)
	}
	return &pacer{clock: clock, dec: dec}, nil
}

// delay returns how long to wait before m is due (0 for a nil pacer).
func (p *pacer) delay(m *ingest.Message) time.Duration {
	if p == nil || p.dec.Decode(m.Key, m.Value, m.Time, &p.rd) != nil {
		return 0
	}
	return time.Until(p.clock.due(p.rd.Time))
}

// dropTopic is a BatchWriter that removes the messages to one topic (dead
// letters a replay only counts) before writing.
type dropTopic struct {
	out   BatchWriter
	topic string
}

func (d dropTopic) Write(ctx context.Context, b *sink.Batch) error {
	b.DropTopic(d.topic)
	return d.out.Write(ctx, b)
}

// countObserver counts a replay's records, forecasts, warm-ups and dead
// letters, and passes every measurement on.
type countObserver struct {
	Observer
	mu   sync.Mutex
	s    ReplayStats
	dead map[record.Reason]int
}

func (o *countObserver) RecordsIn(n int) {
	o.add(&o.s.Records, n)
	o.Observer.RecordsIn(n)
}

func (o *countObserver) ForecastsOut(n int) {
	o.add(&o.s.Forecasts, n)
	o.Observer.ForecastsOut(n)
}

func (o *countObserver) WarmupSteps(n int) {
	o.add(&o.s.Warmups, n)
	o.Observer.WarmupSteps(n)
}

func (o *countObserver) DeadLetters(r record.Reason, n int) {
	o.mu.Lock()
	o.dead[r] += n
	o.mu.Unlock()
	o.Observer.DeadLetters(r, n)
}

func (o *countObserver) add(f *int, n int) {
	o.mu.Lock()
	*f += n
	o.mu.Unlock()
}

func (o *countObserver) stats() ReplayStats {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.s
	s.DeadLetters = make(map[record.Reason]int, len(o.dead))
	for r, n := range o.dead {
		s.DeadLetters[r] = n
	}
	return s
}
