package pipeline

import (
	"fmt"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/rnncast/rnncast/forecast"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/window"
)

// keyState is what the model stage holds for one key: the Value of the
// key's window slot, so that the one lookup of a reading's key finds the
// window's state and the stage's together.
//
// The key's numbers live in its slot's Extra, allocated with its window
// ring: the carried hidden state (stateful mode, Model.StateLen values;
// stage.hidden), then the values of its recent forecasts (Horizon×Horizon;
// stage.forecasts).
type keyState struct {
	recent forecast.Recent // slots of the recent forecasts, for live scoring
	last   int64           // input offset of the last step applied
	added  int64           // input offset of the last reading the window accepted
	// steps counts the steps since the last reset, saturating at
	// MaxInt32 (only its comparison with the warm-up matters by then).
	// With dirty it fills one word: a key's state is held per sensor, and
	// at a million keys every word counts (BenchmarkStateMemory).
	steps int32
	dirty bool // changed since the last checkpoint
	set   bool // set up by the stage (init) and not forgotten since
}

// live reports whether the stage has set the key up and not forgotten it.
func (ks *keyState) live() bool { return ks.set }

// slot is one key's slot of a partition's window: the window's state of
// the key and the stage's.
type slot = window.Key[keyState]

// windows is a partition's window, whose slots carry the stage's keyState.
type windows = window.Windows[keyState]

// emitter receives the stage's results for one row; the worker implements
// it. Slices passed are only valid during the call.
type emitter interface {
	reading(key string, ts time.Time, values []float32)
	forecast(key string, ts time.Time, offset int64, values []float32)
	warmup(offset int64)
}

// stage is the model stage of one partition: per-key states, the Runner and
// the gather/scatter buffers. Owned by the partition's worker.
type stage struct {
	m          *model.Model
	fp         string // m.Fingerprint(), stamped on checkpoints
	run        *model.Runner
	obs        Observer
	now        func() time.Time // Config.Now: the stage reads no clock of its own
	window     bool             // window mode
	warmup     int
	intervalMs int64
	f, h, w    int // features, horizon, window
	stateLen   int // hidden state values per key (0 in window mode)
	// keyBytes is the state one key holds: hidden state (stateful mode),
	// window ring and live-scoring forecasts, as rnncast_state_bytes counts it.
	keyBytes int

	win   *windows   // the partition's window, whose slots hold the keys' states
	held  int        // keys set up (init) and not forgotten
	dirty []*slot    // keys changed since the last checkpoint
	live  LiveScores // the micro-batch's live scoring, reported by reportLive

	// per-round scratch, sized for MaxBatch rows
	ks   []*slot
	rows []int
	ptrs [][]float32
	x    []float32 // MaxBatch×F (stateful) or MaxBatch×W×F (window)
	out  []float32 // MaxBatch×H
}

func newStage(cfg Config, m *model.Model, obs Observer, win *windows) *stage {
	s := &stage{
		m: m, fp: m.Fingerprint(), run: m.NewRunner(cfg.MaxBatch), obs: obs, now: cfg.clock(), window: cfg.Mode == ModeWindow,
		warmup: cfg.Warmup, intervalMs: cfg.Window.Interval.Milliseconds(),
		f: m.Meta.Inputs, h: m.Meta.Horizon, w: cfg.Window.Window,
		win: win, live: forecast.NewLiveScores(m.Meta.Horizon),
	}
	s.keyBytes = 4 * (s.w*s.f + s.h*(s.h+2))
	if !s.window {
		s.stateLen = m.StateLen()
		s.keyBytes += 4 * s.stateLen
	}
	n := cfg.MaxBatch * s.f
	if s.window {
		n *= s.w
	}
	s.x = make([]float32, n)
	win.SetExtra(s.memLen())
	s.out = make([]float32, cfg.MaxBatch*s.h)
	return s
}

// addKeys reports n keys created (n < 0: forgotten) and the bytes of
// state they hold: rnncast_keys and rnncast_state_bytes.
func (s *stage) addKeys(n int) {
	s.obs.Keys(n)
	s.obs.StateBytes(n * s.keyBytes)
}

// init sets up the stage's state of slot k, a zero state, unless it has
// one, and returns it.
func (s *stage) init(k *slot) *keyState {
	ks := &k.Value
	if ks.live() {
		return ks
	}
	*ks = keyState{last: -1, added: -1, set: true}
	clear(s.mem(k)) // a swap leaves the last model's numbers
	s.held++
	s.addKeys(1)
	return ks
}

// touch returns k's state, setting it up (zero state) on first use, and
// marks it changed since the last checkpoint.
func (s *stage) touch(k *slot) *keyState {
	ks := s.init(k)
	if !ks.dirty {
		ks.dirty = true
		s.dirty = append(s.dirty, k)
	}
	return ks
}

// memLen is the floats the stage keeps in each slot's Extra.
func (s *stage) memLen() int { return s.stateLen + s.h*s.h }

// mem returns the stage's floats of slot k.
func (s *stage) mem(k *slot) []float32 { return k.Extra()[:s.memLen()] }

// hidden returns k's carried hidden state (nil in window mode).
func (s *stage) hidden(k *slot) []float32 {
	if s.stateLen == 0 {
		return nil
	}
	return k.Extra()[:s.stateLen:s.stateLen]
}

// forecasts returns the values of k's recent forecasts.
func (s *stage) forecasts(k *slot) []float32 { return k.Extra()[s.stateLen:s.memLen()] }

// forget drops key k's state from the stage and its slot from the window.
func (s *stage) forget(k *slot) {
	s.drop(k)
	s.win.Forget(k.Name())
}

// dropAll forgets the count of every key the stage holds (the partition's
// state is dropped, or replaced by another stage's).
func (s *stage) dropAll() {
	s.addKeys(-s.held)
	s.held = 0
}

// columns are the parts of a window.Batch's Arrow record the stage reads;
// they alias the record and die with its Release.
type columns struct {
	ts     []arrow.Timestamp // rows, epoch ms (the slot's start)
	values []float32         // rows×F
	window []float32         // rows×W×F
}

func batchColumns(b *window.Batch) columns {
	return columns{ts: b.Times(), values: b.ValuesData(), window: b.WindowData()}
}

// apply runs the model over every round of b and reports each row to e.
func (s *stage) apply(b *window.Batch, e emitter) error {
	if b.Record.NumRows() == 0 {
		return nil
	}
	c := batchColumns(b)
	for _, r := range b.Rounds {
		for lo := r[0]; lo < r[1]; lo += cap(s.out) / s.h {
			s.round(b, &c, lo, min(r[1], lo+cap(s.out)/s.h), e)
		}
	}
	return nil
}

// round runs one round's rows [lo, hi): each key appears once.
func (s *stage) round(b *window.Batch, c *columns, lo, hi int, e emitter) {
	s.gather(b, c, lo, hi, e)
	n := len(s.rows)
	if n == 0 {
		return
	}
	start := s.now()
	if s.window {
		s.run.Window(s.x[:n*s.w*s.f], n, s.out[:n*s.h])
	} else {
		s.run.Step(s.ptrs, s.x[:n*s.f], s.out[:n*s.h])
	}
	s.obs.ModelStep(s.now().Sub(start))
	s.scatter(b, c, e)
}

// gather collects the round's rows that need the model into s.rows, s.ks,
// s.ptrs and s.x, applying resets and scoring readings on the way.
func (s *stage) gather(b *window.Batch, c *columns, lo, hi int, e emitter) {
	s.rows, s.ks, s.ptrs = s.rows[:0], s.ks[:0], s.ptrs[:0]
	keys := s.win.Flushed()
	for i := lo; i < hi; i++ {
		k := keys[i]
		ks := s.touch(k)
		ks.last = b.Offsets[i]
		if !b.Filled[i] {
			s.observeReading(b, c, i, k, e)
		}
		if s.window {
			if b.Filled[i] || !b.Ready[i] {
				s.skip(b, i, e)
				continue
			}
			copy(s.x[len(s.rows)*s.w*s.f:], c.window[i*s.w*s.f:(i+1)*s.w*s.f])
		} else {
			if b.Resets[i] {
				clear(s.hidden(k))
				ks.steps = 0
			}
			copy(s.x[len(s.rows)*s.f:], c.values[i*s.f:(i+1)*s.f])
			s.ptrs = append(s.ptrs, s.hidden(k))
		}
		s.rows, s.ks = append(s.rows, i), append(s.ks, k)
	}
}

// skip reports a window-mode row that needs no model call.
func (s *stage) skip(b *window.Batch, i int, e emitter) {
	if !b.Filled[i] {
		e.warmup(b.Offsets[i])
	}
}

// observeReading scores earlier forecasts against row i's actual value and
// reports the reading.
func (s *stage) observeReading(b *window.Batch, c *columns, i int, k *slot, e emitter) {
	at := int64(c.ts[i])
	vals := c.values[i*s.f : (i+1)*s.f]
	k.Value.recent.Score(at, float64(vals[s.m.Meta.Target]), s.intervalMs, s.forecasts(k), &s.live)
	e.reading(b.Keys[i], time.UnixMilli(at).UTC(), vals)
}

// reportLive reports the live scoring of the micro-batch applied since the
// last call, if it scored anything, and starts the next one.
func (s *stage) reportLive() {
	if s.live.Len() == 0 {
		return
	}
	s.obs.LiveErrors(&s.live)
	s.live.Reset()
}

// scatter reports each modelled row: a forecast, or a warm-up step.
func (s *stage) scatter(b *window.Batch, c *columns, e emitter) {
	for j, i := range s.rows {
		k := s.ks[j]
		ks := &k.Value
		if ks.steps < math.MaxInt32 {
			ks.steps++
		}
		if b.Filled[i] {
			continue
		}
		if !s.window && int(ks.steps) < s.warmup {
			e.warmup(b.Offsets[i])
			continue
		}
		out := s.out[j*s.h : (j+1)*s.h]
		at := int64(c.ts[i])
		ks.recent.Add(at, out, s.forecasts(k), s.intervalMs)
		e.forecast(b.Keys[i], time.UnixMilli(at).UTC(), b.Offsets[i], out)
	}
}

// takeDirty returns the keys changed since the last call, as KeyStates
// whose Hidden aliases the stage's memory (Window is a copy from the
// window), and clears their dirty marks.
func (s *stage) takeDirty(dst []KeyState) []KeyState {
	for _, k := range s.dirty {
		ks := &k.Value
		if !ks.live() {
			continue // forgotten since it changed
		}
		ks.dirty = false
		snap := s.win.SnapshotOf(k)
		dst = append(dst, KeyState{Key: k.Name(), Hidden: s.hidden(k), Steps: int(ks.steps), LastOffset: ks.last, Window: snap, Fingerprint: s.fp})
	}
	clear(s.dirty) // let forgotten slots be collected
	s.dirty = s.dirty[:0]
	return dst
}

// restore sets key ks.Key's window and stage state from a checkpoint,
// without marking it dirty (it is durable already). A hidden state that
// does not fit the model leaves the window restored and the stage's state
// to be set up by the key's next reading, a zero state.
func (s *stage) restore(ks *KeyState) error {
	old := s.win.Lookup(ks.Key)
	k, err := s.win.Reset(ks.Key, ks.Window)
	if err != nil {
		return fmt.Errorf("pipeline: cannot restore key %q: %w", ks.Key, err)
	}
	if old != nil {
		s.drop(old)
	}
	return s.set(k, ks)
}

// drop forgets the stage's state of slot k, which the window no longer
// holds (or is about to forget).
func (s *stage) drop(k *slot) {
	if k.Value.live() {
		k.Value = keyState{}
		s.held--
		s.addKeys(-1)
	}
}

// set sets the stage's state of slot k from a checkpoint's ks.
func (s *stage) set(k *slot, ks *KeyState) error {
	if !s.window && len(ks.Hidden) != s.m.StateLen() {
		return fmt.Errorf("pipeline: cannot restore key %q: hidden state of %d values, model has %d", ks.Key, len(ks.Hidden), s.m.StateLen())
	}
	st := s.init(k)
	copy(s.hidden(k), ks.Hidden)
	st.steps, st.last, st.added = int32(min(ks.Steps, math.MaxInt32)), ks.LastOffset, ks.LastOffset
	for _, h := range ks.Window.Held {
		st.added = max(st.added, h.Offset)
	}
	return nil
}
