package forecast

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/window"
)

// Key is what the stage holds for one key: the Value of the key's window
// slot, so that the one lookup of a reading's key finds the window's state
// and the stage's together.
//
// The key's numbers live in its slot's Extra, allocated with its window
// ring: the carried hidden state (stateful mode, Model.StateLen values;
// stage.hidden), then the values of its recent forecasts (Horizon×Horizon;
// stage.forecasts).
type Key struct {
	recent Recent // slots of the recent forecasts, for live scoring
	Last   int64  // input offset of the last step applied
	Added  int64  // input offset of the last reading the window accepted
	// steps counts the steps since the last reset, saturating at
	// MaxInt32 (only its comparison with the warm-up matters by then).
	// With dirty it fills one word: a key's state is held per sensor, and
	// at a million keys every word counts (BenchmarkStateMemory).
	Steps int32
	dirty bool // changed since the last checkpoint
	set   bool // set up by the stage (init) and not forgotten since
}

// Live reports whether the stage has set the key up and not forgotten it.
func (ks *Key) Live() bool { return ks.set }

// Slot is one key's slot of a partition's window: the window's state of
// the key and the stage's.
type Slot = window.Key[Key]

// Windows is a partition's window, whose slots carry the stage's Key.
type Windows = window.Windows[Key]

// Emitter receives the stage's results for one row; pipeline's worker
// implements it. Slices passed are only valid during the call.
type Emitter interface {
	Reading(key string, ts time.Time, values []float32)
	Forecast(key string, ts time.Time, offset int64, values []float32)
	Warmup(offset int64)
}

// Observer is what the stage reports; pipeline.Observer satisfies it.
type Observer interface {
	// Keys reports n keys set up (n < 0: forgotten).
	Keys(n int)
	// StateBytes reports n bytes of per-key state added (n < 0: freed).
	StateBytes(n int)
	// ModelStep reports the duration of one batched model call, measured
	// on Config.Now.
	ModelStep(d time.Duration)
	// LiveErrors reports one micro-batch's live scoring; s is reused.
	LiveErrors(s *LiveScores)
}

// Config is what a Stage needs of the pipeline's configuration.
type Config struct {
	// MaxBatch is the most rows of one model call (batch.max_records).
	MaxBatch int
	// Windowed selects window mode (one Runner.Window per round) over
	// stateful mode (one Runner.Step).
	Windowed bool
	// Warmup is the steps a key takes before it emits (stateful mode).
	Warmup int
	// Window is the window's configuration (length, interval).
	Window window.Config
	// Now is the clock the model steps are timed on (the stage reads no
	// clock of its own; pipeline passes its Config.Now). Nil: steps are not
	// timed and ModelStep is not reported.
	Now func() time.Time
}

// Stage is the model stage of one partition: per-key states, the Runner
// and the gather/scatter buffers. Owned by the partition's worker; it
// starts no goroutine and touches no Kafka.
type Stage struct {
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

	win   *Windows   // the partition's window, whose slots hold the keys' states
	held  int        // keys set up (init) and not forgotten
	dirty []*Slot    // keys changed since the last checkpoint
	live  LiveScores // the micro-batch's live scoring, reported by ReportLive

	// per-round scratch, sized for MaxBatch rows
	ks   []*Slot
	rows []int
	ptrs [][]float32
	x    []float32 // MaxBatch×F (stateful) or MaxBatch×W×F (window)
	out  []float32 // MaxBatch×H
}

// New returns the stage of model m over the partition window win, whose
// slots' Extra floats it sizes.
func New(cfg Config, m *model.Model, obs Observer, win *Windows) *Stage {
	s := &Stage{
		m: m, fp: m.Fingerprint(), run: m.NewRunner(cfg.MaxBatch), obs: obs, now: cfg.Now, window: cfg.Windowed,
		warmup: cfg.Warmup, intervalMs: cfg.Window.Interval.Milliseconds(),
		f: m.Meta.Inputs, h: m.Meta.Horizon, w: cfg.Window.Window,
		win: win, live: NewLiveScores(m.Meta.Horizon),
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
func (s *Stage) addKeys(n int) {
	s.obs.Keys(n)
	s.obs.StateBytes(n * s.keyBytes)
}

// init sets up the stage's state of slot k, a zero state, unless it has
// one, and returns it.
func (s *Stage) init(k *Slot) *Key {
	ks := &k.Value
	if ks.Live() {
		return ks
	}
	*ks = Key{Last: -1, Added: -1, set: true}
	clear(s.mem(k)) // a swap leaves the last model's numbers
	s.held++
	s.addKeys(1)
	return ks
}

// Touch returns k's state, setting it up (zero state) on first use, and
// marks it changed since the last checkpoint.
func (s *Stage) Touch(k *Slot) *Key {
	ks := s.init(k)
	if !ks.dirty {
		ks.dirty = true
		s.dirty = append(s.dirty, k)
	}
	return ks
}

// Model returns the model the stage serves.
func (s *Stage) Model() *model.Model { return s.m }

// Held returns the keys set up and not forgotten.
func (s *Stage) Held() int { return s.held }

// PruneDirty removes forgotten keys from the list of keys changed since the
// last checkpoint.
func (s *Stage) PruneDirty() {
	s.dirty = slices.DeleteFunc(s.dirty, func(k *Slot) bool { return !k.Value.Live() })
}

// ResetDirty empties the list of keys changed since the last checkpoint
// without taking them (their marks stay set): for a benchmark that
// measures per-key state, not the list.
func (s *Stage) ResetDirty() { s.dirty = s.dirty[:0] }

// memLen is the floats the stage keeps in each slot's Extra.
func (s *Stage) memLen() int { return s.stateLen + s.h*s.h }

// mem returns the stage's floats of slot k.
func (s *Stage) mem(k *Slot) []float32 { return k.Extra()[:s.memLen()] }

// hidden returns k's carried hidden state (nil in window mode).
func (s *Stage) hidden(k *Slot) []float32 {
	if s.stateLen == 0 {
		return nil
	}
	return k.Extra()[:s.stateLen:s.stateLen]
}

// forecasts returns the values of k's recent forecasts.
func (s *Stage) forecasts(k *Slot) []float32 { return k.Extra()[s.stateLen:s.memLen()] }

// Forget drops key k's state from the stage and its slot from the window.
func (s *Stage) Forget(k *Slot) {
	s.drop(k)
	s.win.Forget(k.Name())
}

// DropAll forgets the count of every key the stage holds (the partition's
// state is dropped, or replaced by another stage's).
func (s *Stage) DropAll() {
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

// Apply runs the model over every round of b and reports each row to e.
func (s *Stage) Apply(b *window.Batch, e Emitter) error {
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
func (s *Stage) round(b *window.Batch, c *columns, lo, hi int, e Emitter) {
	s.gather(b, c, lo, hi, e)
	n := len(s.rows)
	if n == 0 {
		return
	}
	var start time.Time
	if s.now != nil {
		start = s.now()
	}
	if s.window {
		s.run.Window(s.x[:n*s.w*s.f], n, s.out[:n*s.h])
	} else {
		s.run.Step(s.ptrs, s.x[:n*s.f], s.out[:n*s.h])
	}
	if s.now != nil {
		s.obs.ModelStep(s.now().Sub(start))
	}
	s.scatter(b, c, e)
}

// gather collects the round's rows that need the model into s.rows, s.ks,
// s.ptrs and s.x, applying resets and scoring readings on the way.
func (s *Stage) gather(b *window.Batch, c *columns, lo, hi int, e Emitter) {
	s.rows, s.ks, s.ptrs = s.rows[:0], s.ks[:0], s.ptrs[:0]
	keys := s.win.Flushed()
	for i := lo; i < hi; i++ {
		k := keys[i]
		ks := s.Touch(k)
		ks.Last = b.Offsets[i]
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
				ks.Steps = 0
			}
			copy(s.x[len(s.rows)*s.f:], c.values[i*s.f:(i+1)*s.f])
			s.ptrs = append(s.ptrs, s.hidden(k))
		}
		s.rows, s.ks = append(s.rows, i), append(s.ks, k)
	}
}

// skip reports a window-mode row that needs no model call.
func (s *Stage) skip(b *window.Batch, i int, e Emitter) {
	if !b.Filled[i] {
		e.Warmup(b.Offsets[i])
	}
}

// observeReading scores earlier forecasts against row i's actual value and
// reports the reading.
func (s *Stage) observeReading(b *window.Batch, c *columns, i int, k *Slot, e Emitter) {
	at := int64(c.ts[i])
	vals := c.values[i*s.f : (i+1)*s.f]
	k.Value.recent.Score(at, float64(vals[s.m.Meta.Target]), s.intervalMs, s.forecasts(k), &s.live)
	e.Reading(b.Keys[i], time.UnixMilli(at).UTC(), vals)
}

// ReportLive reports the live scoring of the micro-batch applied since the
// last call, if it scored anything, and starts the next one.
func (s *Stage) ReportLive() {
	if s.live.Len() == 0 {
		return
	}
	s.obs.LiveErrors(&s.live)
	s.live.Reset()
}

// scatter reports each modelled row: a forecast, or a warm-up step.
func (s *Stage) scatter(b *window.Batch, c *columns, e Emitter) {
	for j, i := range s.rows {
		k := s.ks[j]
		ks := &k.Value
		if ks.Steps < math.MaxInt32 {
			ks.Steps++
		}
		if b.Filled[i] {
			continue
		}
		if !s.window && int(ks.Steps) < s.warmup {
			e.Warmup(b.Offsets[i])
			continue
		}
		out := s.out[j*s.h : (j+1)*s.h]
		at := int64(c.ts[i])
		ks.recent.Add(at, out, s.forecasts(k), s.intervalMs)
		e.Forecast(b.Keys[i], time.UnixMilli(at).UTC(), b.Offsets[i], out)
	}
}

// TakeDirty returns the keys changed since the last call, as KeyStates
// whose Hidden aliases the stage's memory (Window is a copy from the
// window), and clears their dirty marks.
func (s *Stage) TakeDirty(dst []KeyState) []KeyState {
	for _, k := range s.dirty {
		ks := &k.Value
		if !ks.Live() {
			continue // forgotten since it changed
		}
		ks.dirty = false
		snap := s.win.SnapshotOf(k)
		dst = append(dst, KeyState{Key: k.Name(), Hidden: s.hidden(k), Steps: int(ks.Steps), LastOffset: ks.Last, Window: snap, Fingerprint: s.fp})
	}
	clear(s.dirty) // let forgotten slots be collected
	s.dirty = s.dirty[:0]
	return dst
}

// Restore sets key ks.Key's window and stage state from a checkpoint,
// without marking it dirty (it is durable already). A hidden state that
// does not fit the model leaves the window restored and the stage's state
// to be set up by the key's next reading, a zero state.
func (s *Stage) Restore(ks *KeyState) error {
	old := s.win.Lookup(ks.Key)
	k, err := s.win.Reset(ks.Key, ks.Window)
	if err != nil {
		return fmt.Errorf("forecast: cannot restore key %q: %w", ks.Key, err)
	}
	if old != nil {
		s.drop(old)
	}
	return s.Set(k, ks)
}

// drop forgets the stage's state of slot k, which the window no longer
// holds (or is about to forget).
func (s *Stage) drop(k *Slot) {
	if k.Value.Live() {
		k.Value = Key{}
		s.held--
		s.addKeys(-1)
	}
}

// Set sets the stage's state of slot k from a checkpoint's ks.
func (s *Stage) Set(k *Slot, ks *KeyState) error {
	if !s.window && len(ks.Hidden) != s.m.StateLen() {
		return fmt.Errorf("forecast: cannot restore key %q: hidden state of %d values, model has %d", ks.Key, len(ks.Hidden), s.m.StateLen())
	}
	st := s.init(k)
	copy(s.hidden(k), ks.Hidden)
	st.Steps, st.Last, st.Added = int32(min(ks.Steps, math.MaxInt32)), ks.LastOffset, ks.LastOffset
	for _, h := range ks.Window.Held {
		st.Added = max(st.Added, h.Offset)
	}
	return nil
}
