package checkpoint

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rnncast/rnncast/ingest"
	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/pipeline"
	"github.com/rnncast/rnncast/window"
	"github.com/segmentio/kafka-go"
)

// dropCounter counts Observer.StateDropped by reason.
type dropCounter struct {
	pipeline.NopObserver
	mu sync.Mutex
	n  map[string]int
}

func (d *dropCounter) StateDropped(reason string, n int) {
	d.mu.Lock()
	d.n[reason] += n
	d.mu.Unlock()
}

func (d *dropCounter) get(reason string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[reason]
}

func newStore(t testing.TB, c *kafkatest.Cluster, in, topic string, m *model.Model, mode string, obs pipeline.Observer) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := New(ctx, Config{Brokers: c.Brokers, InputTopic: in, Topic: topic, Mode: mode}, m, obs)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// otherModel returns testModel with one output bias changed: the same
// shapes, another fingerprint.
func otherModel(t *testing.T, mode string) *model.Model {
	t.Helper()
	m := testModel(t, mode)
	m.FCB = slices.Clone(m.FCB)
	m.FCB[0] += 0.25
	if err := m.Prepare(); err != nil {
		t.Fatal(err)
	}
	if m.Fingerprint() == testModel(t, mode).Fingerprint() {
		t.Fatal("the other model has the same fingerprint")
	}
	return m
}

// sampleState is a key state with every field set, a held reading too.
func sampleState(key string, m *model.Model) pipeline.KeyState {
	h := make([]float32, m.StateLen())
	for i := range h {
		h[i] = float32(i)*0.125 - 0.5
	}
	last := base.Add(10 * time.Minute)
	return pipeline.KeyState{Key: key, Hidden: h, Steps: 9, LastOffset: 41, Window: window.KeyState{
		Ring: []float32{20, 21.5, 19.25, 22}, LastSlot: last, Steps: 11, Seen: 0b1011,
		MaxTime: last.Add(2 * time.Minute), Held: []window.HeldReading{{Time: last.Add(2 * time.Minute), Values: []float64{23.5}, Offset: 43}}}}
}

// restoreAll restores partition and returns the states applied, copied.
func restoreAll(t *testing.T, s *Store, partition int) map[string]pipeline.KeyState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := map[string]pipeline.KeyState{}
	err := s.Restore(ctx, partition, func(ks *pipeline.KeyState) error {
		c := *ks
		c.Hidden = slices.Clone(ks.Hidden)
		c.Window.Ring = slices.Clone(ks.Window.Ring)
		c.Window.Held = slices.Clone(ks.Window.Held)
		got[ks.Key] = c
		return nil
	})
	if err != nil {
		t.Fatalf("Restore of partition %d: %v", partition, err)
	}
	return got
}

func checkpoint(t *testing.T, s *Store, partition int, states ...pipeline.KeyState) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Checkpoint(ctx, partition, states, 100); err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
}

// TestStore covers the state topic's edge cases: a partition count
// mismatch fails the start, an empty partition restores nothing, the last
// record of a key wins and a tombstone deletes it, a corrupt record is
// counted and skipped, and a state from another model is rewarmed.
func TestStore(t *testing.T) {
	for _, cl := range clusters {
		t.Run(cl.name, func(t *testing.T) { stateStore(t, cl.new(t)) })
	}
}

func stateStore(t *testing.T, c *kafkatest.Cluster) {
	in := kafkatest.Name(t, "in")
	c.CreateTopic(t, in, 2, nil)
	m := testModel(t, pipeline.ModeStateful)
	t.Run("partition-mismatch", func(t *testing.T) {
		topic := kafkatest.Name(t, "state")
		c.CreateTopic(t, topic, 3, kafkatest.CompactConfigs())
		_, err := New(context.Background(), Config{Brokers: c.Brokers, InputTopic: in, Topic: topic}, m, nil)
		var te *ingest.TopicError
		if !errors.As(err, &te) {
			t.Fatalf("state topic of 3 partitions for an input of 2: got %v, want *ingest.TopicError", err)
		}
	})
	topic := kafkatest.Name(t, "state")
	drops := &dropCounter{n: map[string]int{}}
	s := newStore(t, c, in, topic, m, pipeline.ModeStateful, drops)
	if got := restoreAll(t, s, 0); len(got) != 0 {
		t.Fatalf("empty state partition restored %d keys", len(got))
	}
	a, b := sampleState("a", m), sampleState("b", m)
	stale := sampleState("a", m)
	stale.LastOffset = 7
	checkpoint(t, s, 1, stale, b)
	checkpoint(t, s, 1, a, pipeline.KeyState{Key: "b", Deleted: true})
	c.ProduceTo(t, topic, 1, garbage("bad"))
	got := restoreAll(t, s, 1)
	if len(got) != 1 || !sameState(got["a"], a) {
		t.Fatalf("restored %+v, want only the last state of a, %+v", got, a)
	}
	if drops.get(pipeline.DropCorrupt) != 1 {
		t.Errorf("corrupt records counted: %d, want 1", drops.get(pipeline.DropCorrupt))
	}

	other := otherModel(t, pipeline.ModeStateful)
	s.SetModel(other)
	got = restoreAll(t, s, 1)
	want := rewarmed(other, a)
	if !sameState(got["a"], want) {
		t.Errorf("state of another model restored as %+v, want it rewarmed over its ring: %+v", got["a"], want)
	}
	if drops.get(pipeline.DropModel) != 1 {
		t.Errorf("states of another model counted: %d, want 1", drops.get(pipeline.DropModel))
	}
}

// rewarmed is ks with its hidden state rebuilt by m from a zero state over
// its ring, the step count the ring's length.
func rewarmed(m *model.Model, ks pipeline.KeyState) pipeline.KeyState {
	run := m.NewRunner(1)
	h := make([]float32, m.StateLen())
	out := make([]float32, m.Meta.Horizon)
	for _, v := range ks.Window.Ring {
		run.Step([][]float32{h}, []float32{v}, out)
	}
	ks.Hidden, ks.Steps = h, len(ks.Window.Ring)
	return ks
}

// sameState compares key states bit for bit.
func sameState(a, b pipeline.KeyState) bool {
	bits := func(x, y []float32) bool {
		return slices.EqualFunc(x, y, func(p, q float32) bool { return math.Float32bits(p) == math.Float32bits(q) })
	}
	wa, wb := a.Window, b.Window
	same := a.Key == b.Key && a.Steps == b.Steps && a.LastOffset == b.LastOffset && a.Deleted == b.Deleted &&
		bits(a.Hidden, b.Hidden) && bits(wa.Ring, wb.Ring) && wa.LastSlot.Equal(wb.LastSlot) &&
		wa.Steps == wb.Steps && wa.Seen == wb.Seen && wa.MaxTime.Equal(wb.MaxTime) && len(wa.Held) == len(wb.Held)
	for i := 0; same && i < len(wa.Held); i++ {
		x, y := wa.Held[i], wb.Held[i]
		same = x.Time.Equal(y.Time) && x.Offset == y.Offset && slices.Equal(x.Values, y.Values)
	}
	return same
}

// garbage is a state record that does not decode.
func garbage(key string) kafka.Message {
	return kafka.Message{Key: []byte(key), Value: []byte("RNS2 not a state")}
}
