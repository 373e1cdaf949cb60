package pipeline

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/record"
)

// tombStore records checkpoints: live keys and tombstones.
type tombStore struct {
	mu    sync.Mutex
	live  map[string]bool
	tombs map[string]int
}

func (s *tombStore) Checkpoint(_ context.Context, _ int, changed []KeyState, _ int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ks := range changed {
		if ks.Deleted {
			s.tombs[ks.Key]++
			delete(s.live, ks.Key)
			continue
		}
		s.live[ks.Key] = true
	}
	return nil
}

// expireRun runs one partition's readings through a pipeline with cfg
// changed by tune, and returns the store, the drop counts and the keys held
// once everything is committed.
func expireRun(t *testing.T, inputs []inRec, tune func(*Config)) (*tombStore, *dropObserver, int) {
	t.Helper()
	c := kafkatest.Kfake(t)
	f := newFixture(t, c, 1)
	store := &tombStore{live: map[string]bool{}, tombs: map[string]int{}}
	cfg := f.config()
	cfg.Checkpointer = store
	tune(&cfg)
	obs := &dropObserver{recObserver: recObserver{dead: map[record.Reason]int{}}, n: map[string]int{}}
	p, err := New(cfg, testModel(t, ModeStateful), obs, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	c.Produce(t, f.in, messages(inputs)...)
	waitFor(t, "every input to be committed", func() bool { return committedAll(t, f) })
	return store, obs, obs.get(&obs.keys)
}

// dropObserver is a recObserver that also counts dropped states.
type dropObserver struct {
	recObserver
	n map[string]int
}

func (o *dropObserver) StateDropped(reason string, n int) {
	o.mu.Lock()
	o.n[reason] += n
	o.mu.Unlock()
}

func (o *dropObserver) dropped(reason string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[reason]
}

// TestKeyTTL stops one sensor early: once the partition's event time is
// more than the TTL past its last reading it is forgotten, with one
// tombstone, and the sensors that keep reporting are not.
func TestKeyTTL(t *testing.T) {
	var in []inRec
	for step := range 20 {
		for k := range 4 {
			if k == 3 && step > 3 {
				continue
			}
			in = append(in, good(fmt.Sprintf("s-%d", k), step, 20+float64(step%5)))
		}
	}
	store, obs, held := expireRun(t, in, func(c *Config) { c.KeyTTL = 5 * time.Minute })
	if got := obs.dropped(DropTTL); got != 1 {
		t.Errorf("keys expired: %d, want 1 (s-3)", got)
	}
	if store.tombs["s-3"] != 1 || len(store.tombs) != 1 {
		t.Errorf("tombstones %v, want one for s-3", store.tombs)
	}
	if held != 3 || len(store.live) != 3 {
		t.Errorf("held %d keys, checkpointed %v; want the 3 active sensors", held, store.live)
	}
}

// TestMaxKeys runs 6 sensors through a partition capped at 3 keys: at each
// commit the least recently seen are forgotten with tombstones, and the
// partition ends holding 3.
func TestMaxKeys(t *testing.T) {
	var in []inRec
	for k := range 6 {
		for step := range 6 {
			in = append(in, good(fmt.Sprintf("s-%d", k), step, 20+float64(step)))
		}
	}
	store, obs, held := expireRun(t, in, func(c *Config) { c.MaxKeys = 3 })
	if held != 3 {
		t.Errorf("holding %d keys after the last commit, want 3", held)
	}
	tombs := 0
	for _, n := range store.tombs {
		tombs += n
	}
	if got := obs.dropped(DropCap); got < 3 || got != tombs {
		t.Errorf("keys evicted: %d, tombstones %d; want at least 3, one tombstone each", got, tombs)
	}
	for _, k := range []string{"s-3", "s-4", "s-5"} {
		if !store.live[k] {
			t.Errorf("the most recently seen sensor %s has no live checkpoint (live %v)", k, store.live)
		}
	}
}
