package pipeline

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/segmentio/kafka-go"
)

// memStore is an in-memory state store: the Checkpointer and Restorer a
// state topic will implement.
type memStore struct {
	mu     sync.Mutex
	states map[int]map[string]KeyState
}

func (s *memStore) Checkpoint(_ context.Context, partition int, changed []KeyState, _ int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.states[partition] == nil {
		s.states[partition] = map[string]KeyState{}
	}
	for _, ks := range changed {
		ks.Hidden = append([]float32(nil), ks.Hidden...) // Window is a copy already
		s.states[partition][ks.Key] = ks
	}
	return nil
}

func (s *memStore) Restore(_ context.Context, partition int, apply func(*KeyState) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ks := range s.states[partition] {
		if err := apply(&ks); err != nil {
			return err
		}
	}
	return nil
}

// TestRestore stops a pipeline, rewinds its group's committed offsets to
// the start (as after a crash between checkpoint and commit), and starts a
// new pipeline on the same state store: the restored keys go on without a
// second warm-up, and the readings they already took are skipped, so the
// forecasts are exactly the uninterrupted series', each once.
func TestRestore(t *testing.T) {
	for _, cl := range clusters {
		for _, mode := range []string{ModeStateful, ModeWindow} {
			t.Run(cl.name+"/"+mode, func(t *testing.T) { restore(t, cl.new(t), mode) })
		}
	}
}

func restore(t *testing.T, c *kafkatest.Cluster, mode string) {
	const sensors, steps = 6, 20
	f := newFixture(t, c, 3)
	m := testModel(t, mode)
	store := &memStore{states: map[int]map[string]KeyState{}}
	cfg := f.config()
	cfg.Checkpointer, cfg.Restorer = store, store
	first, second := scenario(sensors, steps)
	one := start(t, cfg, m)
	c.Produce(t, f.in, messages(first)...)
	in1 := locate(t, c.ReadAll(t, f.in, len(first), 30*time.Second), first)
	w1 := expect(m, mode, m.Meta.Window, in1)
	c.ReadAll(t, f.out, len(w1.forecasts), 60*time.Second)
	one.stop(t)
	rewind(t, f)

	two := start(t, cfg, m)
	c.Produce(t, f.in, messages(second)...)
	all := append(append([]inRec{}, first...), second...)
	in := locate(t, c.ReadAll(t, f.in, len(all), 30*time.Second), all)
	w := expect(m, mode, m.Meta.Window, in)
	out := c.ReadAll(t, f.out, len(w.forecasts), 60*time.Second)
	waitFor(t, "every input to be committed", func() bool { return committedAll(t, f) })
	two.stop(t)
	checkForecasts(t, f, c.ReadAll(t, f.out, len(out), 30*time.Second), w)
	checkRestored(t, two.obs, w1, w)
}

// checkRestored checks that the second pipeline skipped every good reading
// of the first phase and warmed up only where the reference does.
func checkRestored(t *testing.T, o *recObserver, w1, w want) {
	t.Helper()
	wantSkipped := len(w1.forecasts) + len(w1.warmups)
	if got := o.get(&o.skipped); got != wantSkipped {
		t.Errorf("skipped %d readings already applied, want %d", got, wantSkipped)
	}
	if got, want := o.get(&o.warmups), len(w.warmups)-len(w1.warmups); got != want {
		t.Errorf("second pipeline warmed up %d steps, want %d", got, want)
	}
}

// rewind commits offset 0 for every partition of the input topic, as if
// the pipeline had crashed after its checkpoints but before its commits.
func rewind(t *testing.T, f *fixture) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: f.c.Addr(), Transport: tr}
	var commits []kafka.OffsetCommit
	for p := 0; p < f.parts; p++ {
		commits = append(commits, kafka.OffsetCommit{Partition: p, Offset: 0})
	}
	res, err := cl.OffsetCommit(ctx, &kafka.OffsetCommitRequest{GroupID: f.group, GenerationID: -1,
		Topics: map[string][]kafka.OffsetCommit{f.in: commits}})
	if err != nil {
		t.Fatalf("cannot rewind group %s: %v", f.group, err)
	}
	for _, p := range res.Topics[f.in] {
		if p.Error != nil {
			t.Fatalf("cannot rewind group %s partition %d: %v", f.group, p.Partition, p.Error)
		}
	}
}
