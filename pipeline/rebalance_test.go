package pipeline

import (
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/model"
	"github.com/segmentio/kafka-go"
)

// TestRebalance runs a second member into the group mid-stream and checks
// the hand-off: the revoked partitions are committed before they move, so
// no input gets two forecasts, every input is accounted for once across
// the two members, the group ends with everything committed, and the
// partitions the first member keeps resume with their states.
func TestRebalance(t *testing.T) {
	for _, cl := range clusters {
		t.Run(cl.name, func(t *testing.T) { rebalance(t, cl.new(t)) })
	}
}

func rebalance(t *testing.T, c *kafkatest.Cluster) {
	const sensors, steps = 8, 40
	f := newFixture(t, c, 4)
	m := testModel(t, ModeStateful)
	first, second := scenario(sensors, steps)
	a := start(t, f.config(), m)
	c.Produce(t, f.in, messages(first)...)
	all := append(append([]inRec{}, first...), second...)
	before := expect(m, ModeStateful, m.Meta.Window, locate(t, c.ReadAll(t, f.in, len(first), 30*time.Second), first))
	c.ReadAll(t, f.out, len(before.forecasts), 60*time.Second)

	b := start(t, f.config(), m)
	waitFor(t, "both members to own partitions", func() bool {
		return a.obs.get(&a.obs.rebalance) >= 2 && b.obs.get(&b.obs.rebalance) >= 1
	})
	c.Produce(t, f.in, messages(second)...)
	in := locate(t, c.ReadAll(t, f.in, len(all), 30*time.Second), all)
	waitFor(t, "every input to be committed", func() bool { return committedAll(t, f) })
	a.stop(t)
	b.stop(t)

	out := c.ReadAll(t, f.out, a.obs.get(&a.obs.out)+b.obs.get(&b.obs.out), 30*time.Second)
	checkHandOff(t, in, out, a.obs, b.obs)
	checkKept(t, f, m, in, out, a.obs.assigned[f.parts:])
}

// checkKept checks that the partitions the first member kept across the
// rebalance resumed with their parked states: their forecasts are exactly
// the uninterrupted series' (no second warm-up).
func checkKept(t *testing.T, f *fixture, m *model.Model, in []located, out []kafka.Message, kept []int) {
	t.Helper()
	if len(kept) == 0 || len(kept) == f.parts {
		t.Fatalf("first member owns partitions %v after the rebalance, want some of %d", kept, f.parts)
	}
	keep := map[int]bool{}
	for _, p := range kept {
		keep[p] = true
	}
	var keptIn []located
	for _, r := range in {
		if keep[r.at.p] {
			keptIn = append(keptIn, r)
		}
	}
	var keptOut []kafka.Message
	for _, msg := range out {
		if keep[msg.Partition] {
			keptOut = append(keptOut, msg)
		}
	}
	checkForecasts(t, f, keptOut, expect(m, ModeStateful, m.Meta.Window, keptIn))
}

// checkHandOff checks that each input is exactly one forecast, warm-up
// step or dead letter across both members.
func checkHandOff(t *testing.T, in []located, out []kafka.Message, obs ...*recObserver) {
	t.Helper()
	seen := map[po]bool{}
	for _, msg := range out {
		fc := parseForecast(t, msg)
		at := po{fc.Input.Partition, fc.Input.Offset}
		if seen[at] {
			t.Errorf("two forecasts of input %v", at)
		}
		seen[at] = true
	}
	warmups, dead := 0, 0
	for _, o := range obs {
		warmups += o.get(&o.warmups)
		o.mu.Lock()
		for _, n := range o.dead {
			dead += n
		}
		o.mu.Unlock()
	}
	wantDead := 0
	for _, r := range in {
		if r.reason != "" {
			wantDead++
		}
	}
	if len(seen)+warmups+dead != len(in) || dead != wantDead {
		t.Errorf("forecasts %d + warm-ups %d + dead letters %d (want %d) != inputs %d",
			len(seen), warmups, dead, wantDead, len(in))
	}
}

func committedAll(t *testing.T, f *fixture) bool {
	ends := f.c.EndOffsets(t, f.in)
	got := f.c.CommittedOffsets(t, f.group, f.in)
	for p, end := range ends {
		if got[p] != end {
			return false
		}
	}
	return true
}

// waitFor polls cond every 20ms for up to 60s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
