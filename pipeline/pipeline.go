package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rnncast/rnncast/ingest"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/sink"
)

// Pipeline is rnncast's streaming forecaster for one consumer group member.
type Pipeline struct {
	cfg    Config
	m      *model.Model
	obs    Observer
	log    *slog.Logger
	writer *sink.Writer // set by Run; shared by the workers
	// wrapWriter, when set (by tests), wraps the writer the workers use.
	wrapWriter func(BatchWriter) BatchWriter
	retry      *backoff // paces failed generations
	// sleepUntil waits for a failed generation's pause (a test hook).
	sleepUntil func(ctx context.Context, t time.Time)

	ready     atomic.Bool
	swapped   atomic.Pointer[model.Model] // the model SwapModel installed, if any
	restoring atomic.Int32                // workers of the current generation not yet restored

	now func() time.Time // the clock of Healthy and its bookkeeping; time.Now

	mu       sync.Mutex // guards the fields below
	parked   map[int]*partState
	parts    map[int]*partStatus // partitions assigned here: lag and progress (health.go)
	failures map[int]failure     // latest failure per partition, and groupFailure
	ledgers  map[int]*ledger     // records counted per partition, for the process's life
}

// New validates cfg against m and returns a Pipeline; it connects to
// nothing until Run. obs may be nil (NopObserver) and log nil
// (slog.Default). m must be prepared (model.Decode or Prepare).
func New(cfg Config, m *model.Model, obs Observer, log *slog.Logger) (*Pipeline, error) {
	if m == nil {
		return nil, errors.New("pipeline: cannot create: nil model")
	}
	cfg = cfg.withDefaults(metaOf(m))
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkModel(cfg, m); err != nil {
		return nil, err
	}
	if obs == nil {
		obs = NopObserver{}
	}
	if log == nil {
		log = slog.Default()
	}
	return &Pipeline{cfg: cfg, m: m, obs: obs, log: log, now: time.Now, retry: newBackoff(), sleepUntil: sleepUntil,
		parked: map[int]*partState{}, parts: map[int]*partStatus{}, failures: map[int]failure{},
		ledgers: map[int]*ledger{}}, nil
}

func metaOf(m *model.Model) modelMeta {
	return modelMeta{interval: m.Meta.Interval, window: m.Meta.Window, inputs: m.Meta.Inputs, mode: m.Meta.Mode}
}

// checkModel rejects a config the model cannot serve.
func checkModel(cfg Config, m *model.Model) error {
	if cfg.Window.Features != m.Meta.Inputs || cfg.Decoder.Features != m.Meta.Inputs {
		return fmt.Errorf("pipeline: invalid config: %d features, model takes %d", cfg.Window.Features, m.Meta.Inputs)
	}
	if cfg.Mode == ModeWindow && cfg.Window.Window != m.Meta.Window {
		return fmt.Errorf("pipeline: invalid config: window mode needs window %d, the model's, not %d", m.Meta.Window, cfg.Window.Window)
	}
	if m.Meta.Horizon < 1 || m.Meta.Target < 0 || m.Meta.Target >= m.Meta.Inputs {
		return fmt.Errorf("pipeline: invalid model: horizon %d, target %d of %d inputs", m.Meta.Horizon, m.Meta.Target, m.Meta.Inputs)
	}
	return nil
}

// Config returns the configuration with its defaults applied.
func (p *Pipeline) Config() Config { return p.cfg }

func (p *Pipeline) ingestConfig() ingest.Config {
	c := p.cfg
	return ingest.Config{Brokers: c.Brokers, Topic: c.InputTopic, Group: c.Group, StartFirst: c.StartFirst,
		SessionTimeout: c.SessionTimeout, RebalanceTimeout: c.RebalanceTimeout,
		HeartbeatInterval: c.HeartbeatInterval, JoinBackoff: c.JoinBackoff, Dialer: c.Kafka.Dialer()}
}

// Run joins the consumer group and processes the assigned partitions until
// ctx is cancelled; then it stops fetching, finishes and commits the work
// in hand (bounded by ShutdownTimeout), leaves the group and returns nil.
// It returns an error only when it cannot start: a topic is missing or the
// brokers cannot be reached. Run may be called once.
func (p *Pipeline) Run(ctx context.Context) error {
	if err := p.checkTopics(ctx); err != nil {
		return err
	}
	w, err := sink.NewWriter(sink.WriterConfig{Brokers: p.cfg.Brokers, Dialer: p.cfg.Kafka.Dialer(),
		BatchTimeout: p.cfg.WriterBatchTimeout, BatchSize: p.cfg.MaxBatch, BatchBytes: writerBatchBytes(p.cfg.DeadLetter)})
	if err != nil {
		return fmt.Errorf("pipeline: cannot start: %w", err)
	}
	defer w.Close()
	p.writer = w
	g, err := ingest.NewGroup(p.ingestConfig())
	if err != nil {
		return fmt.Errorf("pipeline: cannot start: %w", err)
	}
	// Closing the group ends the current generation: its workers see their
	// ctx end, drain and commit, and Close waits for them.
	stop := context.AfterFunc(ctx, func() { g.Close() })
	defer stop()
	p.generations(ctx, g)
	g.Close()
	p.ready.Store(false)
	p.dropParked(nil)
	p.unassignAll()
	return nil
}

// writerBatchBytes is the writer's BatchBytes: kafka-go's 1 MiB default,
// or more when a dead letter may be larger (with its framing).
func writerBatchBytes(l sink.DeadLetterLimits) int64 {
	return max(1<<20, int64(l.MaxBytes)+64<<10)
}

// checkTopics fails the start when a topic is missing, and warns when the
// output topics cannot be co-partitioned with the input.
func (p *Pipeline) checkTopics(ctx context.Context) error {
	c := p.cfg
	n, err := ingest.TopicPartitions(ctx, c.Brokers, c.Kafka.Dialer(), c.InputTopic, c.OutputTopic, c.DeadLetterTopic)
	if err != nil {
		return fmt.Errorf("pipeline: cannot start: %w", err)
	}
	for _, t := range []string{c.OutputTopic, c.DeadLetterTopic} {
		if n[t] < n[c.InputTopic] {
			p.log.Warn("pipeline: topic has fewer partitions than the input; its records are partitioned by key, not co-partitioned",
				"topic", t, "partitions", n[t], "input", c.InputTopic, "input_partitions", n[c.InputTopic])
		}
	}
	return nil
}

// generations starts the workers of each generation until ctx ends.
func (p *Pipeline) generations(ctx context.Context, g *ingest.Group) {
	for {
		gen, err := g.Next(ctx)
		if ctx.Err() != nil || errors.Is(err, ingest.ErrClosed) {
			return
		}
		if err != nil { // the group retries the join itself
			p.log.Warn("pipeline: group join failed", "err", err)
			p.failed(groupFailure, err)
			continue
		}
		p.startGeneration(gen)
	}
}

// startGeneration starts one worker per assigned partition.
func (p *Pipeline) startGeneration(gen *ingest.Generation) {
	p.obs.Rebalance()
	as := gen.Assignments()
	owned := make(map[int]bool, len(as))
	for _, a := range as {
		owned[a.Partition] = true
	}
	p.dropParked(owned)
	p.assign(as)
	p.log.Info("pipeline: generation started", "generation", gen.ID(), "partitions", len(as))
	p.restoring.Store(int32(len(as)))
	for _, a := range as {
		gen.Start(func(ctx context.Context) { p.work(ctx, gen, a) })
	}
	p.ready.Store(true)
}

// work runs one partition's worker and records its failure. A failed
// worker ends the generation (kafka-go's Start), so the member rejoins and
// the partition restarts from its committed offset; the pause before it
// returns (p.retry: 100ms doubling to 30s while generations fail without
// progress) keeps a persistent failure from spinning. Only the cluster's
// failures get here: a record the broker refuses is a dead letter.
func (p *Pipeline) work(ctx context.Context, gen *ingest.Generation, a ingest.Assignment) {
	err := p.runWorker(ctx, gen, a)
	if err == nil {
		return
	}
	until, pause := p.retry.failed(gen.ID(), a.Partition)
	p.log.Error("pipeline: partition worker failed; the generation ends after a pause", "partition", a.Partition,
		"pause", pause, "err", err)
	p.failed(a.Partition, err)
	p.sleepUntil(ctx, until)
}

// batchWriter returns the writer of the live workers.
func (p *Pipeline) batchWriter() BatchWriter {
	if p.wrapWriter != nil {
		return p.wrapWriter(p.writer)
	}
	return p.writer
}

// acquire returns the parked state of partition a if it was released at
// exactly a.Offset (nothing was consumed since), else a fresh one (fresh
// is then true).
func (p *Pipeline) acquire(a ingest.Assignment) (st *partState, fresh bool, err error) {
	p.mu.Lock()
	st = p.parked[a.Partition]
	delete(p.parked, a.Partition)
	p.mu.Unlock()
	if st != nil && st.next == a.Offset {
		return st, false, nil
	}
	if st != nil {
		p.dropState(st)
	}
	st, err = p.newPartState()
	return st, true, err
}

// release parks a worker's state when everything it fetched is committed,
// and drops it otherwise.
func (p *Pipeline) release(w *worker, err error) {
	next, ok := w.pend.committable()
	if err != nil || !ok || next != w.committed || w.pend.held() > 0 {
		p.dropState(w.st)
		return
	}
	w.st.next = w.committed
	p.mu.Lock()
	p.parked[w.part] = w.st
	p.mu.Unlock()
}

// dropParked drops the parked states of partitions not in keep (all when
// keep is nil).
func (p *Pipeline) dropParked(keep map[int]bool) {
	p.mu.Lock()
	var drop []*partState
	for part, st := range p.parked {
		if !keep[part] {
			drop = append(drop, st)
			delete(p.parked, part)
		}
	}
	p.mu.Unlock()
	for _, st := range drop {
		p.dropState(st)
	}
}

// dropState forgets a partition's keys and frees its window.
func (p *Pipeline) dropState(st *partState) {
	st.stage.DropAll()
	st.win.Release()
}

// Ready reports whether the pipeline has joined its group and the workers
// of its assigned partitions have restored their states (for /readyz).
func (p *Pipeline) Ready() bool { return p.ready.Load() && p.restoring.Load() <= 0 }
