package pipeline

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rnncast/rnncast/model"
	"github.com/segmentio/kafka-go"
)

// StateStore is what the tests of a pipeline with the state topic need of
// checkpoint.Store. pipeline's files cannot import checkpoint (it imports
// pipeline), so checkpoint_hook_test.go, of package pipeline_test in the
// same test binary, sets NewStateStore to checkpoint.New.
type StateStore interface {
	Checkpointer
	Restorer
	Close() error
}

// NewStateStore returns a checkpoint.Store; set by checkpoint_hook_test.go.
var NewStateStore func(ctx context.Context, brokers []string, inputTopic, topic string, m *model.Model, mode string, obs Observer) (StateStore, error)

func newStore(t testing.TB, f *fixture, topic string, m *model.Model, mode string, obs Observer) StateStore {
	t.Helper()
	if NewStateStore == nil {
		t.Fatal("NewStateStore is not set: checkpoint_hook_test.go is missing from the test binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := NewStateStore(ctx, f.c.Brokers, f.in, topic, m, mode, obs)
	if err != nil {
		t.Fatalf("checkpoint.New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// dropCounter counts Observer.StateDropped by reason.
type dropCounter struct {
	NopObserver
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

// garbage is a state record that does not decode.
func garbage(key string) kafka.Message {
	return kafka.Message{Key: []byte(key), Value: []byte("RNS2 not a state")}
}
