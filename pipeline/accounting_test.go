package pipeline

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
)

// TestAccountingThroughFailureAndRebalance runs a member through a failed
// checkpoint (its forecasts were acknowledged, so they are written again
// after the rejoin), a write failure that ends its generations (writes to
// the output topic fail with NOT_ENOUGH_REPLICAS: see refusal), then a
// rebalance (a second member joins), and checks what the issue asks of
// health and counters:
//   - Healthy fails while the writes fail, names the partition and the
//     error, stays failing after the rejoin and the recovery until the
//     failure window has passed, then succeeds;
//   - every lag report sampled throughout the failure has a series for
//     every partition, and the lag is positive while the writes fail;
//   - records in counts each input offset once (re-fetches apart), and
//     records in = forecasts + warm-ups + dead letters + skipped holds for
//     each member once it is idle, with forecasts and dead letters equal
//     to the distinct input offsets in the output and dead-letter topics.
func TestAccountingThroughFailureAndRebalance(t *testing.T) {
	for _, cl := range clusters {
		t.Run(cl.name, func(t *testing.T) { accounting(t, cl.new(t)) })
	}
}

func accounting(t *testing.T, c *kafkatest.Cluster) {
	const window = 10 * time.Minute
	f := newFixture(t, c, 2)
	m := testModel(t, ModeStateful)
	refuse := refuseWrites(t, c, f.out)
	ckpt := &failingCheckpointer{}
	cfg := f.config()
	cfg.FailureWindow, cfg.Checkpointer = window, ckpt
	first, live := scenario(4, 48)
	n := len(live) / 3
	second, third, fourth := live[:n], live[n:2*n], live[2*n:]
	a := startWith(t, cfg, m, refuse.setup)
	c.Produce(t, f.in, messages(first)...)
	waitFor(t, "the first part to be committed", func() bool { return committedAll(t, f) })
	checkIdentity(t, "before the failures", len(first), a.obs)
	sampler := sampleLag(a.obs, f.parts)

	ckpt.fail.Store(true)
	c.Produce(t, f.in, messages(second)...)
	waitFor(t, "forecasts written twice after a failed checkpoint", func() bool {
		return rewritten(t, f) > 0 && a.p.Healthy() != nil
	})
	ckpt.fail.Store(false)
	waitFor(t, "the second part to be committed", func() bool { return committedAll(t, f) })
	if err := a.p.Healthy(); err == nil || !strings.Contains(err.Error(), "cannot checkpoint") {
		t.Errorf("Healthy after a failed checkpoint = %v, want it named", err)
	}
	checkIdentity(t, "after the failed checkpoint", len(first)+len(second), a.obs)
	checkTopics(t, f, a.obs)
	a.clock.Advance(window)
	if err := a.p.Healthy(); err != nil {
		t.Errorf("Healthy after the failure window with everything committed = %v, want nil", err)
	}

	refuse.fail.Store(true)
	c.Produce(t, f.in, messages(third)...)
	rejoins := a.obs.get(&a.obs.rebalance)
	waitFor(t, "a failed write to end a generation", func() bool {
		return a.p.Healthy() != nil && a.obs.get(&a.obs.rebalance) > rejoins
	})
	err := a.p.Healthy()
	for _, want := range []string{"partition ", " failed ", " ago (at 20", "Not Enough Replicas"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Healthy while writes fail = %v, want it to contain %q", err, want)
		}
	}
	if lag := sumLag(a.obs); lag <= 0 {
		t.Errorf("lag while writes fail = %d, want it positive", lag)
	}
	refuse.fail.Store(false)
	waitFor(t, "every input to be committed after the failure", func() bool { return committedAll(t, f) })
	samples, missing := sampler.stop()
	if samples == 0 || missing > 0 {
		t.Errorf("%d of %d lag samples through the failure missed a partition, want none", missing, samples)
	}
	if err := a.p.Healthy(); err == nil {
		t.Error("Healthy right after the recovery = nil, want the failure reported for the failure window")
	}
	a.clock.Advance(window)
	if err := a.p.Healthy(); err != nil {
		t.Errorf("Healthy after the failure window with everything committed = %v, want nil", err)
	}
	if n := a.obs.get(&a.obs.refetched); n == 0 {
		t.Error("no record counted as re-fetched after a failed write, want the failed batches")
	}
	checkIdentity(t, "after the write failure", len(first)+len(second)+len(third), a.obs)
	checkTopics(t, f, a.obs)

	b := startWith(t, cfg, m, refuse.setup)
	rejoins = a.obs.get(&a.obs.rebalance)
	waitFor(t, "both members to own partitions", func() bool {
		return a.obs.get(&a.obs.rebalance) > rejoins && b.obs.get(&b.obs.rebalance) >= 1
	})
	c.Produce(t, f.in, messages(fourth)...)
	waitFor(t, "every input to be committed after the rebalance", func() bool { return committedAll(t, f) })
	total := len(first) + len(second) + len(third) + len(fourth)
	checkIdentity(t, "after the rebalance", total, a.obs, b.obs)
	if n := b.obs.get(&b.obs.refetched); n != 0 {
		t.Errorf("the new member counted %d records as re-fetched, want 0 (it had fetched none)", n)
	}
	a.stop(t)
	b.stop(t)
	checkIdentity(t, "after both stopped", total, a.obs, b.obs)
	checkTopics(t, f, a.obs, b.obs)
}

// checkIdentity checks records in = forecasts + warm-ups + dead letters +
// skipped for each member, and that the members' records in add up to the
// records produced (each offset counted once, by one member).
func checkIdentity(t *testing.T, when string, produced int, obs ...*recObserver) {
	t.Helper()
	in := 0
	for i, o := range obs {
		o.mu.Lock()
		dead := 0
		for _, n := range o.dead {
			dead += n
		}
		if o.in != o.out+o.warmups+dead+o.skipped {
			t.Errorf("%s, member %d: records in %d != forecasts %d + warm-ups %d + dead letters %d + skipped %d",
				when, i, o.in, o.out, o.warmups, dead, o.skipped)
		}
		in += o.in
		o.mu.Unlock()
	}
	if in != produced {
		t.Errorf("%s: records in %d, want the %d records produced", when, in, produced)
	}
}

// checkTopics checks that the members' forecasts and dead letters counted
// are the distinct input offsets in the output and dead-letter topics
// (which may hold some twice: at-least-once).
func checkTopics(t *testing.T, f *fixture, obs ...*recObserver) {
	t.Helper()
	out, dead := 0, 0
	for _, o := range obs {
		out += o.get(&o.out)
		o.mu.Lock()
		for _, n := range o.dead {
			dead += n
		}
		o.mu.Unlock()
	}
	forecasts := map[po]bool{}
	for _, msg := range f.c.ReadToEnd(t, f.out, 30*time.Second) {
		fc := parseForecast(t, msg)
		forecasts[po{fc.Input.Partition, fc.Input.Offset}] = true
	}
	letters := map[po]bool{}
	for _, msg := range f.c.ReadToEnd(t, f.dlq, 30*time.Second) {
		letters[po{int(headerInt(t, msg, "source-partition")), headerInt(t, msg, "source-offset")}] = true
	}
	if len(forecasts) != out || len(letters) != dead {
		t.Errorf("counted %d forecasts and %d dead letters; the topics hold %d and %d distinct inputs",
			out, dead, len(forecasts), len(letters))
	}
}

func sumLag(o *recObserver) int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	var n int64
	for _, l := range o.lag {
		n += l
	}
	return n
}

// lagSampler reads an observer's lag series every few milliseconds, as a
// scraper would, and counts the samples that miss a partition.
type lagSampler struct {
	done            chan struct{}
	wg              sync.WaitGroup
	samples, missed int
}

func sampleLag(o *recObserver, parts int) *lagSampler {
	s := &lagSampler{done: make(chan struct{})}
	s.wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-tick.C:
			}
			o.mu.Lock()
			n := len(o.lag)
			o.mu.Unlock()
			s.samples++
			if n < parts {
				s.missed++
			}
		}
	})
	return s
}

func (s *lagSampler) stop() (samples, missed int) {
	close(s.done)
	s.wg.Wait()
	return s.samples, s.missed
}

// failingCheckpointer fails every checkpoint while fail is set.
type failingCheckpointer struct{ fail atomic.Bool }

func (c *failingCheckpointer) Checkpoint(context.Context, int, []KeyState, int64) error {
	if c.fail.Load() {
		return errors.New("test: checkpoint refused")
	}
	return nil
}

// rewritten returns how many forecasts the output topic holds beyond one
// per input offset.
func rewritten(t *testing.T, f *fixture) int {
	msgs := f.c.ReadToEnd(t, f.out, 30*time.Second)
	seen := map[po]bool{}
	for _, msg := range msgs {
		fc := parseForecast(t, msg)
		seen[po{fc.Input.Partition, fc.Input.Offset}] = true
	}
	return len(msgs) - len(seen)
}
