package pipeline

import (
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/segmentio/kafka-go"
)

// TestBrokerRestart restarts a private real broker under a running
// pipeline: the pipeline must recover on its own, forecast the readings
// produced after the restart, and end with every input committed and
// accounted for (at least once: a batch whose write failed is fetched
// again from the committed offset, and its keys warm up again).
func TestBrokerRestart(t *testing.T) {
	c := kafkatest.StartBroker(t)
	const sensors, steps = 4, 24
	f := newFixture(t, c, 2)
	m := testModel(t, ModeStateful)
	first, second := scenario(sensors, steps)
	run := start(t, f.config(), m)
	c.Produce(t, f.in, messages(first)...)
	before := expect(m, ModeStateful, m.Meta.Window, locate(t, c.ReadAll(t, f.in, len(first), 30*time.Second), first))
	c.ReadAll(t, f.out, len(before.forecasts), 60*time.Second)

	c.Restart(t)
	c.Produce(t, f.in, messages(second)...)
	all := append(append([]inRec{}, first...), second...)
	in := locate(t, c.ReadAll(t, f.in, len(all), 30*time.Second), all)
	waitFor(t, "every input to be committed after the restart", func() bool { return committedAll(t, f) })
	run.clock.Advance(DefaultFailureWindow) // the failures during the restart are past
	if err := run.p.Healthy(); err != nil {
		t.Errorf("Healthy after recovery: %v", err)
	}
	run.stop(t)

	out := c.ReadAll(t, f.out, run.obs.get(&run.obs.out), 30*time.Second)
	checkRecovered(t, in, out, run.obs)
}

// checkRecovered checks that every sensor's last reading was forecast and
// that no input was lost: each is a forecast, a dead letter or one of the
// warm-up steps.
func checkRecovered(t *testing.T, in []located, out []kafka.Message, obs *recObserver) {
	t.Helper()
	forecast := map[po]bool{}
	for _, msg := range out {
		fc := parseForecast(t, msg)
		forecast[po{fc.Input.Partition, fc.Input.Offset}] = true
	}
	last := map[string]po{}
	uncovered := 0
	for _, r := range in {
		if r.reason == "" {
			last[r.sensor] = r.at
		}
		if !forecast[r.at] && r.reason == "" {
			uncovered++
		}
	}
	for s, at := range last {
		if !forecast[at] {
			t.Errorf("the last reading of %s (%v) was not forecast", s, at)
		}
	}
	if w := obs.get(&obs.warmups); uncovered > w {
		t.Errorf("%d good readings have no forecast, but only %d warm-up steps were taken", uncovered, w)
	}
}
