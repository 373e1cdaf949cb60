package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/rnncast/rnncast/forecast"
	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/internal/modeltest"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/record"
	"github.com/rnncast/rnncast/window"
	"github.com/segmentio/kafka-go"
)

// benchModel is a seeded GRU of the memory figure: hidden 32, 2
// layers, window 64, one input, horizon 4, on a one-minute grid.
func benchModel(b testing.TB) *model.Model {
	b.Helper()
	m, err := modeltest.GRU{Name: "bench-gru", Version: "v1", Hidden: 32, Layers: 2, Window: 64, Horizon: 4,
		Interval: time.Minute, Mean: 20, Std: 5, Mode: ModeStateful, Seed1: 3, Seed2: 5, Scale: 0.4}.Build()
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkStateMemory measures the heap a partition worker holds per key
// at 1M (2^20) keys of benchModel (GRU hidden 32, 2 layers, W = 64), each
// having taken a step and made a forecast: window and stage state, ring
// (allocated whole when a key is created, so more steps add nothing),
// hidden state, recent forecasts for live scoring, the key table and the key
// strings. Reports B/key.
func BenchmarkStateMemory(b *testing.B) {
	const keys, batch = 1 << 20, 4096
	m := benchModel(b)
	cfg := Config{MaxBatch: batch, Mode: ModeStateful, Warmup: 1,
		Window: window.Config{Interval: time.Minute, Window: m.Meta.Window, Features: 1, MaxBatch: batch}}
	for b.Loop() {
		before := heapAlloc()
		win, s := fillKeys(b, cfg, m, keys)
		after := heapAlloc()
		b.ReportMetric(float64(after-before)/keys, "B/key")
		runtime.KeepAlive(s)
		win.Release()
	}
}

// fillKeys creates a window and a stage holding n keys, each stepped once.
func fillKeys(b *testing.B, cfg Config, m *model.Model, n int) (*windows, *stage) {
	win, err := window.New[keyState](cfg.Window, memory.NewGoAllocator())
	if err != nil {
		b.Fatal(err)
	}
	s := newStage(cfg, m, NopObserver{}, win)
	r := record.Reading{Values: []float64{0}}
	e := &nopEmitter{}
	for lo := 0; lo < n; lo += cfg.MaxBatch {
		names := make([]string, 0, cfg.MaxBatch)
		for k := lo; k < min(n, lo+cfg.MaxBatch); k++ {
			names = append(names, fmt.Sprintf("sensor-%07d", k))
		}
		for k, name := range names {
			r.Key, r.Time, r.Values[0], r.Offset = name, base, 20+float64(k%7), int64(lo+k)
			if err := win.Add(&r); err != nil {
				b.Fatal(err)
			}
		}
		flushInto(b, win, s, e)
		s.ResetDirty() // a checkpoint would take them; the list is not per-key state
	}
	return win, s
}

func flushInto(b *testing.B, win *windows, s *stage, e forecast.Emitter) {
	for {
		batch, err := win.Flush()
		if err != nil {
			b.Fatal(err)
		}
		if batch == nil {
			return
		}
		s.Apply(batch, e)
		batch.Release()
	}
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkRestore measures restoring 100k keys of benchModel from one
// state partition on the real broker: the read to the partition's end, the
// decoding, and the window and stage restore of each key. Reports keys/s.
func BenchmarkRestore(b *testing.B) {
	const keys = 100_000
	c := kafkatest.Real(b)
	m := benchModel(b)
	in, topic := kafkatest.Name(b, "in"), kafkatest.Name(b, "state")
	c.CreateTopic(b, in, 1, nil)
	f := &fixture{c: c, in: in}
	store := newStore(b, f, topic, m, ModeStateful, nil)
	writeStates(b, store, m, keys)
	cfg := Config{Brokers: c.Brokers, InputTopic: in, OutputTopic: "unused", DeadLetterTopic: "unused", Group: "unused", Restorer: store}
	p, err := New(cfg, m, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		st, err := p.newPartState()
		if err != nil {
			b.Fatal(err)
		}
		if err := p.restore(context.Background(), 0, st); err != nil {
			b.Fatal(err)
		}
		if st.stage.Held() != keys {
			b.Fatalf("restored %d keys, want %d", st.stage.Held(), keys)
		}
		p.dropState(st)
	}
	b.ReportMetric(float64(keys*b.N)/b.Elapsed().Seconds(), "keys/s")
}

// writeStates checkpoints n full states of m to partition 0.
func writeStates(b *testing.B, s StateStore, m *model.Model, n int) {
	b.Helper()
	hidden := make([]float32, m.StateLen())
	ring := make([]float32, m.Meta.Window)
	for i := range ring {
		ring[i] = 20 + float32(i%9)
	}
	last := base.Add(time.Duration(m.Meta.Window-1) * time.Minute)
	var batch []KeyState
	for k := range n {
		batch = append(batch, KeyState{Key: fmt.Sprintf("sensor-%07d", k), Hidden: hidden, Steps: m.Meta.Window, LastOffset: int64(k),
			Window: window.KeyState{Ring: ring, LastSlot: last, Steps: int64(m.Meta.Window), Seen: ^uint64(0), MaxTime: last}})
		if len(batch) == 5000 || k == n-1 {
			if err := s.Checkpoint(context.Background(), 0, batch, 0); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

// BenchmarkCheckpointOverhead measures pipeline throughput on the real
// broker with a state checkpoint of every changed key each second against
// none, in the same run: 5000 sensors × 200 steps of benchModel over 3
// partitions (1M readings, several seconds per run, so several
// checkpoints of up to every sensor), consumed by one group per run,
// twice each in alternation.
// Reports readings/s of both and their ratio.
func BenchmarkCheckpointOverhead(b *testing.B) {
	const sensors, steps = 5000, 200
	c := kafkatest.Real(b)
	m := benchModel(b)
	in, out, dlq := kafkatest.Name(b, "in"), kafkatest.Name(b, "out"), kafkatest.Name(b, "dlq")
	for _, topic := range []string{in, out, dlq} {
		c.CreateTopic(b, topic, 3, nil)
	}
	var msgs []kafka.Message
	for i := range steps {
		for k := range sensors {
			r := good(fmt.Sprintf("s-%d", k), i, 20+float64((k+i)%5))
			msgs = append(msgs, kafka.Message{Key: r.key, Value: r.value})
		}
	}
	c.Produce(b, in, msgs...)
	f := &fixture{c: c, in: in}
	store := newStore(b, f, kafkatest.Name(b, "state"), m, ModeStateful, nil)
	var none, ckpt time.Duration
	checkpoints := 0
	for b.Loop() {
		for round := range 2 {
			for _, with := range []bool{round == 1, round == 0} {
				cfg := Config{Brokers: c.Brokers, InputTopic: in, OutputTopic: out, DeadLetterTopic: dlq,
					Group: kafkatest.Name(b, "group"), StartFirst: true, HeartbeatInterval: 300 * time.Millisecond, CommitInterval: time.Second}
				if with {
					cfg.Checkpointer = store
				}
				d, n := timeRun(b, cfg, m, len(msgs))
				if with {
					ckpt += d
					checkpoints += n
				} else {
					none += d
				}
			}
		}
	}
	n := float64(2 * b.N * len(msgs))
	b.ReportMetric(n/none.Seconds(), "readings/s-none")
	b.ReportMetric(n/ckpt.Seconds(), "readings/s-checkpoint")
	b.ReportMetric(ckpt.Seconds()/none.Seconds(), "time-ratio")
	b.ReportMetric(float64(checkpoints)/float64(2*b.N), "checkpoints/run")
}

// timeRun runs a pipeline until n readings are forecast or warming up and
// returns how long that took (group join included) and how many partition
// checkpoints were made.
func timeRun(b *testing.B, cfg Config, m *model.Model, n int) (time.Duration, int) {
	obs := &ckptObserver{recObserver: recObserver{dead: map[record.Reason]int{}}}
	p, err := New(cfg, m, obs, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	stop := runInBackground(p)
	for obs.get(&obs.out)+obs.get(&obs.warmups) < n {
		time.Sleep(time.Millisecond)
	}
	d := time.Since(start)
	if err := stop(); err != nil {
		b.Fatal(err)
	}
	return d, obs.get(&obs.ckpts)
}

// ckptObserver is a recObserver that counts checkpoints.
type ckptObserver struct {
	recObserver
	ckpts int
}

func (o *ckptObserver) Checkpoint(time.Duration) { o.add(&o.ckpts, 1) }
