package pipeline

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
)

// recCheckpointer records checkpoints; it fails every call when fail is set.
type recCheckpointer struct {
	fail     bool
	stateLen int
	mu       sync.Mutex
	next     map[int]int64          // partition → last nextOffset
	keys     map[int]map[string]int // partition → key → checkpoints
	problems []string
}

func (c *recCheckpointer) Checkpoint(_ context.Context, partition int, changed []KeyState, next int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail {
		return errors.New("checkpoint store unavailable")
	}
	c.next[partition] = next
	if c.keys[partition] == nil {
		c.keys[partition] = map[string]int{}
	}
	for _, ks := range changed {
		c.keys[partition][ks.Key]++
		switch {
		case ks.LastOffset < 0 || ks.LastOffset >= next:
			c.problems = append(c.problems, ks.Key+": last offset not below the commit")
		case len(ks.Hidden) != c.stateLen:
			c.problems = append(c.problems, ks.Key+": hidden state of the wrong length")
		case ks.Window.Steps != int64(ks.Steps):
			c.problems = append(c.problems, ks.Key+": window and stage disagree on steps")
		}
	}
	return nil
}

// TestCheckpointer checks the checkpoint step between write and commit:
// each commit names the offset the last checkpoint of its partition was
// told, every key of the partition is checkpointed, and a failing
// checkpoint stops commits (while forecasts are still written).
func TestCheckpointer(t *testing.T) {
	for _, fail := range []bool{false, true} {
		name := map[bool]string{false: "ok", true: "failing"}[fail]
		t.Run(name, func(t *testing.T) {
			c := kafkatest.Kfake(t)
			f := newFixture(t, c, 2)
			m := testModel(t, ModeStateful)
			ck := &recCheckpointer{fail: fail, stateLen: m.StateLen(), next: map[int]int64{}, keys: map[int]map[string]int{}}
			cfg := f.config()
			cfg.Checkpointer = ck
			run := start(t, cfg, m)
			backlog, live := scenario(4, 12)
			all := append(backlog, live...)
			c.Produce(t, f.in, messages(all)...)
			in := locate(t, c.ReadAll(t, f.in, len(all), 30*time.Second), all)
			w := expect(m, ModeStateful, m.Meta.Window, in)
			c.ReadAll(t, f.out, len(w.forecasts), 60*time.Second)
			run.stop(t)
			committed := c.CommittedOffsets(t, f.group, f.in)
			if fail {
				if len(committed) != 0 {
					t.Errorf("committed %v although every checkpoint failed", committed)
				}
				return
			}
			checkCheckpoints(t, ck, committed, in)
		})
	}
}

func checkCheckpoints(t *testing.T, ck *recCheckpointer, committed map[int]int64, in []located) {
	t.Helper()
	ck.mu.Lock()
	defer ck.mu.Unlock()
	for p, next := range committed {
		if ck.next[p] != next {
			t.Errorf("partition %d committed %d, last checkpoint told %d", p, next, ck.next[p])
		}
	}
	for _, r := range in {
		if r.reason == "" && ck.keys[r.at.p][r.sensor] == 0 {
			t.Errorf("key %s of partition %d never checkpointed", r.sensor, r.at.p)
		}
	}
	for _, p := range ck.problems {
		t.Error(p)
	}
}
