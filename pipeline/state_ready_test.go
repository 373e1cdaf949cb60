package pipeline

import (
	"context"
	"testing"

	"github.com/rnncast/rnncast/internal/kafkatest"
)

// gateRestorer holds the restore of partition 0 until gate is closed.
type gateRestorer struct{ gate chan struct{} }

func (g *gateRestorer) Restore(ctx context.Context, partition int, _ func(*KeyState) error) error {
	if partition != 0 {
		return nil
	}
	select {
	case <-g.gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestRestoreReadiness holds one partition's restore: the other partition
// is served meanwhile, Ready stays false and nothing of the held partition
// is forecast; once the restore ends, Ready turns true and everything is
// committed.
func TestRestoreReadiness(t *testing.T) {
	c := kafkatest.Kfake(t)
	f := newFixture(t, c, 2)
	g := &gateRestorer{gate: make(chan struct{})}
	cfg := f.config()
	cfg.Restorer = g
	run := start(t, cfg, testModel(t, ModeStateful))
	backlog, _ := scenario(6, 12)
	c.Produce(t, f.in, messages(backlog)...)
	waitFor(t, "forecasts of partition 1", func() bool { return c.EndOffsets(t, f.out)[1] > 0 })
	if run.p.Ready() {
		t.Errorf("Ready while partition 0 is restoring")
	}
	if n := c.EndOffsets(t, f.out)[0]; n != 0 {
		t.Errorf("%d forecasts of partition 0 before its restore ended", n)
	}
	close(g.gate)
	waitFor(t, "Ready after the restore", run.p.Ready)
	waitFor(t, "every input to be committed", func() bool { return committedAll(t, f) })
	if c.EndOffsets(t, f.out)[0] == 0 {
		t.Errorf("no forecast of partition 0 after its restore")
	}
	run.stop(t)
}
