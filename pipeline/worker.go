package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/rnncast/rnncast/ingest"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/record"
	"github.com/rnncast/rnncast/sink"
	"github.com/rnncast/rnncast/window"
)

// errIdle ends a wait for the first record of a micro-batch when a commit
// is due.
var errIdle = errors.New("pipeline: idle")

// partState is what a partition's worker holds across micro-batches; it is
// parked when the partition is released with everything committed, and
// reused if the next generation assigns the partition back at that offset.
type partState struct {
	win   *windows
	stage *stage
	next  int64 // the committed offset at release
}

func (p *Pipeline) newPartState() (*partState, error) {
	win, err := window.New[keyState](p.cfg.Window, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("pipeline: cannot create window: %w", err)
	}
	return &partState{win: win, stage: newStage(p.cfg, p.model(), p.obs, win)}, nil
}

// modelSource gives a worker the model to serve: the Pipeline's, which
// SwapModel may replace while workers run. Safe for concurrent use.
type modelSource interface {
	model() *model.Model
}

// partitionReporter is what a worker tells the Pipeline that runs it about
// its partition: health (commits, lag), the failure backoff (progress) and
// the hand-back of its records ledger. *Pipeline implements it; its
// methods are safe for concurrent use by the workers, and take Pipeline.mu
// (so they must not be called with it held).
type partitionReporter interface {
	// committed records a successful commit of partition (Healthy).
	committed(partition int)
	// progressed tells the failure backoff that partition moved on.
	progressed(partition int)
	// setLag records partition's high watermark and oldest unsettled
	// offset, and exports the lag.
	setLag(partition int, hwm, position int64)
	// handBack runs fn under the lock that guards the records ledgers,
	// which outlive a worker (ledger.go).
	handBack(fn func())
}

// worker processes one partition for one generation. Everything in it is
// owned by the worker's goroutine. It sees the Pipeline only through the
// narrow dependencies below: the configuration (read only), the Observer,
// the log, the model source and the partition reporter, and writes through
// sink.
type worker struct {
	cfg    *Config // the Pipeline's, never changed while workers run
	obs    Observer
	log    *slog.Logger
	models modelSource
	report partitionReporter

	gen   *ingest.Generation
	part  int
	fetch *ingest.Fetcher
	dec   *record.Decoder
	st    *partState
	pend  *pending
	sink  BatchWriter // where process writes: the Pipeline's writer, or a replay's

	msgs    []ingest.Message
	rd      record.Reading
	out     sink.Batch
	retry   sink.Batch // dead letters in place of refused messages of out
	dead    sink.DeadLetter
	fc      sink.Forecast
	settled []int64 // offsets accounted for by the batch being written
	emitted []emitted
	flat    []float64 // forecast values of emitted, back to back
	vals    []float64 // reading values of OnReading and OnReadings, back to back
	reads   []Sample  // OnReadings' samples
	fcs     []Sample  // OnForecasts' samples
	reasons map[record.Reason]int
	warmups int
	ckpt    []KeyState
	tomb    []KeyState // keys forgotten at this checkpoint (TTL, MaxKeys)

	led     *ledger // the partition's records ledger (ledger.go)
	newFrom int64   // led.in at the start: offsets from here on are first fetches
	fetched bool    // a micro-batch was processed
	skips   int     // readings of the batch skipped as applied (SkipApplied)
	hwm     int64   // the partition's high watermark as of the newest fetch; -1 unknown

	committed  int64 // last committed offset (the assignment's, possibly negative, at start)
	lastCommit time.Time
	sinceCkpt  int // records processed since the last commit (CheckpointRecords)
}

// now reads the pipeline's clock (Config.Now).
func (w *worker) now() time.Time { return w.cfg.clock()() }

// emitted is a forecast waiting for its write's acknowledgement.
type emitted struct {
	key     string
	ts      time.Time
	offset  int64
	lo, hi  int  // its values in worker.flat
	refused bool // the broker refused it (replaceRefused)
}

// runWorker is the body of one partition's goroutine: it lives as long as
// the generation owns the partition (ctx), then drains and commits.
func (p *Pipeline) runWorker(ctx context.Context, gen *ingest.Generation, a ingest.Assignment) error {
	p.readLag(ctx, a)
	w, err := p.newWorker(ctx, gen, a)
	p.restoring.Add(-1)
	if err != nil {
		return err
	}
	dctx, stop := drainContext(ctx, p.cfg.ShutdownTimeout)
	err = w.loop(ctx, dctx)
	stop()
	w.fetch.Close()
	w.closeLedger()
	p.release(w, err)
	return err
}

func (p *Pipeline) newWorker(ctx context.Context, gen *ingest.Generation, a ingest.Assignment) (*worker, error) {
	dec, err := record.NewDecoder(p.cfg.Decoder)
	if err != nil {
		return nil, fmt.Errorf("pipeline: cannot create decoder: %w", err)
	}
	st, fresh, err := p.acquire(a)
	if err != nil {
		return nil, err
	}
	if fresh {
		if err := p.restore(ctx, a.Partition, st); err != nil {
			p.dropState(st)
			return nil, err
		}
	}
	f, err := ingest.NewFetcher(p.ingestConfig(), a)
	if err != nil {
		p.dropState(st)
		return nil, err
	}
	w := p.baseWorker(a.Partition, dec, st, p.batchWriter(), a.Offset)
	w.gen, w.fetch = gen, f
	w.led = p.ledger(a.Partition)
	w.newFrom = w.led.in
	return w, nil
}

// baseWorker returns the part of a worker that the live run and a replay
// share: everything process needs to turn fetched records of partition
// into the bytes written to out.
func (p *Pipeline) baseWorker(partition int, dec *record.Decoder, st *partState, out BatchWriter, committed int64) *worker {
	m := st.stage.Model()
	dec.InternWith(st.win.Intern) // the window's key table is the decoder's
	return &worker{cfg: &p.cfg, obs: p.obs, log: p.log, models: p, report: p, sink: out, part: partition, dec: dec, st: st, pend: newPending(), led: newLedger(), hwm: -1,
		committed: committed, lastCommit: p.cfg.clock()(), reasons: map[record.Reason]int{},
		fc: sink.Forecast{Interval: p.cfg.Window.Interval, Horizon: m.Meta.Horizon,
			ModelName: m.Meta.Name, ModelVersion: m.Meta.Version, Topic: p.cfg.InputTopic, Partition: partition}}
}

// loop fetches, processes and commits micro-batches until ctx ends, then
// finishes the batch in hand and commits what it covers. Writes and commits
// run on dctx (drainContext), which outlives ctx by ShutdownTimeout.
func (w *worker) loop(ctx, dctx context.Context) error {
	for {
		err := w.gather(ctx)
		if len(w.msgs) > 0 {
			if perr := w.process(dctx); perr != nil {
				return perr
			}
		}
		if ctx.Err() != nil {
			return w.commit(dctx, true)
		}
		if err != nil && !errors.Is(err, errIdle) {
			return err
		}
		if err := w.commit(dctx, false); err != nil {
			return err
		}
	}
}

// gather fetches one micro-batch into w.msgs: it waits for a first record
// (or until a pending commit is due), then takes more until MaxBatch
// records, MaxDelay after the first, or the partition's high watermark as
// of the last fetch (no lag: a busy partition fills its batches, an idle
// one is not delayed).
func (w *worker) gather(ctx context.Context) error {
	w.msgs = w.msgs[:0]
	var m ingest.Message
	if err := w.fetchFirst(ctx, &m); err != nil {
		return err
	}
	w.msgs = append(w.msgs, m)
	if m.Lag() == 0 {
		return nil // nothing more to wait for: waiting would only add latency
	}
	bctx, cancel := context.WithTimeout(ctx, w.cfg.MaxDelay)
	defer cancel()
	for len(w.msgs) < w.cfg.MaxBatch {
		if err := w.fetch.Fetch(bctx, &m); err != nil {
			if ctx.Err() == nil && bctx.Err() != nil {
				return nil // the batch's delay is over
			}
			return err
		}
		w.msgs = append(w.msgs, m)
		if m.Lag() == 0 {
			return nil
		}
	}
	return nil
}

// fetchFirst waits for the first record of a batch, but when offsets wait
// to be committed only until their commit is due.
func (w *worker) fetchFirst(ctx context.Context, m *ingest.Message) error {
	next, ok := w.pend.committable()
	if !ok || next == w.committed {
		return w.fetch.Fetch(ctx, m)
	}
	fctx, cancel := context.WithDeadline(ctx, w.lastCommit.Add(w.cfg.CommitInterval))
	defer cancel()
	err := w.fetch.Fetch(fctx, m)
	if err != nil && ctx.Err() == nil && fctx.Err() != nil {
		return errIdle
	}
	return err
}

// process decodes, windows, models, writes and accounts one micro-batch;
// ctx is the drain context, so a batch in hand is finished when the
// partition is revoked.
func (w *worker) process(ctx context.Context) error {
	w.swapIfNew()
	w.resetBatch()
	w.sinceCkpt += len(w.msgs)
	w.hwm = w.msgs[len(w.msgs)-1].HighWaterMark
	w.countIn()
	w.obs.BatchSize(len(w.msgs))
	for i := range w.msgs {
		w.ingest(&w.msgs[i])
	}
	w.reportLag()
	if err := w.flush(); err != nil {
		return err
	}
	w.st.stage.ReportLive()
	if cb := w.cfg.OnReadings; cb != nil && len(w.reads) > 0 {
		cb(w.reads)
	}
	if err := w.sink.Write(ctx, &w.out); err != nil {
		w.out = sink.Batch{} // kafka-go may still read the abandoned messages
		return err
	}
	if err := w.replaceRefused(ctx); err != nil {
		return err
	}
	w.acked()
	w.accounted()
	return nil
}

func (w *worker) resetBatch() {
	w.out.Reset()
	w.settled, w.emitted, w.flat = w.settled[:0], w.emitted[:0], w.flat[:0]
	w.vals, w.reads, w.fcs = w.vals[:0], w.reads[:0], w.fcs[:0]
	clear(w.reasons)
	w.warmups, w.skips = 0, 0
}

// ingest decodes one record and adds it to the window, or dead-letters it.
func (w *worker) ingest(m *ingest.Message) {
	w.pend.add(m.Offset, m.Time)
	r := &w.rd
	err := w.dec.Decode(m.Key, m.Value, m.Time, r)
	if err == nil {
		r.Topic, r.Partition, r.Offset = w.cfg.InputTopic, m.Partition, m.Offset
		if w.applied(r) {
			return
		}
		var k *slot
		if k, err = w.st.win.Put(r); err == nil {
			ks := w.st.stage.Touch(k)
			ks.Added = r.Offset
			return
		}
	}
	w.deadLetter(m, err)
}

// applied reports (and settles) a reading its key already took before a
// restore: the restored state reflects it, so it is skipped, not applied
// twice (effectively-once state on an at-least-once transport). Its
// lookup finds the slot the decoder interned the key from, without a hash,
// and leaves it for Put to find likewise.
func (w *worker) applied(r *record.Reading) bool {
	k := w.st.win.Lookup(r.Key)
	if k == nil || !k.Value.Live() || r.Offset > k.Value.Added {
		return false
	}
	w.settled = append(w.settled, r.Offset)
	if w.first(r.Offset) {
		w.skips++
	}
	return true
}

// deadLetter adds m to the batch's dead letters with err's reason.
func (w *worker) deadLetter(m *ingest.Message, err error) {
	reason, ok := record.ReasonOf(err)
	if !ok {
		reason = record.ReasonDecode
	}
	w.dead = sink.DeadLetter{Key: m.Key, Value: m.Value, Headers: m.Headers, Time: m.Time, Reason: reason, Err: err,
		Topic: w.cfg.InputTopic, Partition: m.Partition, Offset: m.Offset}
	w.out.AddDeadLetter(w.cfg.DeadLetterTopic, &w.dead, w.cfg.DeadLetter)
	if w.first(m.Offset) { // counted once, though written again after a failure
		w.reasons[reason]++
	}
	w.settled = append(w.settled, m.Offset)
}

// flush runs the model over every step the window has ready.
func (w *worker) flush() error {
	for {
		b, err := w.st.win.Flush()
		if err != nil {
			return fmt.Errorf("pipeline: cannot flush window of partition %d: %w", w.part, err)
		}
		if b == nil {
			return nil
		}
		err = w.st.stage.Apply(b, w)
		w.settled = append(w.settled, b.Offsets...)
		b.Release()
		if err != nil {
			return err
		}
	}
}

// Reading implements forecast.Emitter: it hands the reading to OnReading now, and
// keeps it for OnReadings.
func (w *worker) Reading(key string, ts time.Time, values []float32) {
	cfg := w.cfg
	if cfg.OnReading == nil && cfg.OnReadings == nil {
		return
	}
	lo := len(w.vals)
	for _, v := range values {
		w.vals = append(w.vals, float64(v))
	}
	// A later append may move w.vals; the samples kept keep the old array,
	// whose values no one changes until the next batch.
	vals := w.vals[lo:len(w.vals):len(w.vals)]
	if cfg.OnReading != nil {
		cfg.OnReading(key, ts, vals)
	}
	if cfg.OnReadings != nil {
		w.reads = append(w.reads, Sample{Sensor: key, Time: ts, Values: vals})
	}
}

// Forecast implements forecast.Emitter: it encodes the forecast into the batch.
func (w *worker) Forecast(key string, ts time.Time, offset int64, values []float32) {
	lo := len(w.flat)
	for _, v := range values {
		w.flat = append(w.flat, float64(v))
	}
	w.fc.Sensor, w.fc.Time, w.fc.Offset, w.fc.Values = key, ts, offset, w.flat[lo:]
	w.out.AddForecast(w.cfg.OutputTopic, &w.fc)
	if w.first(offset) { // a forecast acked before a failure is counted (and called back) once
		w.emitted = append(w.emitted, emitted{key: key, ts: ts, offset: offset, lo: lo, hi: len(w.flat)})
	}
}

// Warmup implements forecast.Emitter.
func (w *worker) Warmup(offset int64) {
	if w.first(offset) {
		w.warmups++
	}
}

// acked reports an acknowledged batch and settles the offsets it covers
// (a refused forecast's by the dead letter in its place).
func (w *worker) acked() {
	now := w.now()
	obs, cb := w.obs, w.cfg.OnForecast
	out := 0
	for _, e := range w.emitted {
		if !e.refused {
			out++
		}
	}
	obs.ForecastsOut(out)
	for reason, n := range w.reasons {
		if n != 0 {
			obs.DeadLetters(reason, n)
		}
	}
	obs.WarmupSteps(w.warmups)
	batched := w.cfg.OnForecasts
	for _, e := range w.emitted {
		if e.refused {
			continue
		}
		if t, ok := w.pend.timeOf(e.offset); ok {
			obs.EndToEnd(now.Sub(t))
		}
		if cb != nil {
			cb(e.key, e.ts, w.flat[e.lo:e.hi])
		}
		if batched != nil {
			w.fcs = append(w.fcs, Sample{Sensor: e.key, Time: e.ts, Values: w.flat[e.lo:e.hi]})
		}
	}
	if batched != nil && len(w.fcs) > 0 {
		batched(w.fcs)
	}
	for _, o := range w.settled {
		w.pend.settle(o)
	}
	w.report.progressed(w.part)
}

// commit checkpoints and commits the offsets settled so far, when the
// commit interval has passed or force is set.
func (w *worker) commit(ctx context.Context, force bool) error {
	next, ok := w.pend.committable()
	if !ok || next == w.committed {
		return nil
	}
	if !force && !w.checkpointDue() {
		return nil
	}
	if err := w.checkpoint(ctx, next); err != nil {
		return err
	}
	if err := w.gen.Commit(w.part, next); err != nil {
		return err
	}
	w.committed, w.lastCommit, w.sinceCkpt = next, w.now(), 0
	w.report.committed(w.part)
	w.report.progressed(w.part)
	return nil
}

// checkpoint hands the keys changed since the last commit to the
// Checkpointer, if any.
func (w *worker) checkpoint(ctx context.Context, next int64) error {
	w.tomb = w.expire(w.tomb[:0])
	c := w.cfg.Checkpointer
	if c == nil {
		return nil
	}
	start := w.now()
	w.ckpt = w.st.stage.TakeDirty(w.ckpt[:0])
	w.ckpt = append(w.ckpt, w.tomb...)
	if err := c.Checkpoint(ctx, w.part, w.ckpt, next); err != nil {
		return fmt.Errorf("pipeline: cannot checkpoint partition %d: %w", w.part, err)
	}
	w.obs.Checkpoint(w.now().Sub(start))
	return nil
}

// restore loads partition's checkpointed key states into st, if a
// Restorer is configured.
func (p *Pipeline) restore(ctx context.Context, partition int, st *partState) error {
	if p.cfg.Restorer == nil {
		return nil
	}
	now := p.cfg.clock()
	start := now()
	err := p.cfg.Restorer.Restore(ctx, partition, func(ks *KeyState) error {
		return st.stage.Restore(ks)
	})
	if err != nil {
		return fmt.Errorf("pipeline: cannot restore partition %d: %w", partition, err)
	}
	p.obs.Restore(now().Sub(start))
	return nil
}
