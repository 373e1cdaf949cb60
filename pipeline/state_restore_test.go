package pipeline

import (
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/model"
)

// TestStateTopicRestore runs a pipeline with the state topic over a first
// half of readings, corrupts one sensor's checkpoint, and starts a
// pipeline with another model on the same topics: the corrupt sensor warms
// up from nothing, every other sensor's hidden state is rebuilt by the new
// model over its restored window and forecasts at once, and the forecasts
// are exactly what model.Runner says for both.
func TestStateTopicRestore(t *testing.T) {
	for _, cl := range clusters {
		t.Run(cl.name, func(t *testing.T) { stateTopicRestore(t, cl.new(t)) })
	}
}

func stateTopicRestore(t *testing.T, c *kafkatest.Cluster) {
	const sensors, steps, corrupt = 5, 24, "s-1"
	f := newFixture(t, c, 3)
	topic := kafkatest.Name(t, "state")
	a, b := testModel(t, ModeStateful), otherModel(t, ModeStateful)
	first, second := scenario(sensors, steps)
	drops := &dropCounter{n: map[string]int{}}

	cfg := f.config()
	storeA := newStore(t, f, topic, a, ModeStateful, drops)
	cfg.Checkpointer, cfg.Restorer = storeA, storeA
	one := start(t, cfg, a)
	c.Produce(t, f.in, messages(first)...)
	in1 := locate(t, c.ReadAll(t, f.in, len(first), 30*time.Second), first)
	w := expect(a, ModeStateful, a.Meta.Window, in1)
	waitFor(t, "the first half to be committed", func() bool { return committedAll(t, f) })
	one.stop(t)
	c.ProduceTo(t, topic, kafkatest.Partition([]byte(corrupt), f.parts), garbage(corrupt))

	storeB := newStore(t, f, topic, b, ModeStateful, drops)
	cfg.Checkpointer, cfg.Restorer = storeB, storeB
	two := start(t, cfg, b)
	c.Produce(t, f.in, messages(second)...)
	all := append(append([]inRec{}, first...), second...)
	in := locate(t, c.ReadAll(t, f.in, len(all), 30*time.Second), all)
	expectAfterSwap(b, in1, newer(in, in1), corrupt, &w)
	out := c.ReadAll(t, f.out, len(w.forecasts), 60*time.Second)
	waitFor(t, "every input to be committed", func() bool { return committedAll(t, f) })
	two.stop(t)
	checkForecasts(t, f, c.ReadAll(t, f.out, len(out), 30*time.Second), w)
	if got := drops.get(DropCorrupt); got != 1 {
		t.Errorf("corrupt states counted %d, want 1", got)
	}
	if got := drops.get(DropModel); got != sensors-1 {
		t.Errorf("states of the other model counted %d, want %d", got, sensors-1)
	}
}

// expectAfterSwap adds to w the forecasts model m makes of the second
// half: the corrupt sensor from a zero state with a warm-up, the others
// rewarmed over their last Window readings of the first half.
func expectAfterSwap(m *model.Model, first, second []located, corrupt string, w *want) {
	bySensor := map[string][]located{}
	for _, r := range second {
		if r.reason == "" {
			bySensor[r.sensor] = append(bySensor[r.sensor], r)
		}
	}
	for s, rs := range bySensor {
		if s == corrupt {
			expectSensor(m, ModeStateful, m.Meta.Window, rs, w)
			continue
		}
		var ring []float32
		for _, r := range first {
			if r.sensor == s && r.reason == "" {
				ring = append(ring, float32(r.v))
			}
		}
		ring = ring[max(0, len(ring)-m.Meta.Window):]
		expectRewarmed(m, ring, rs, w)
	}
}

func expectRewarmed(m *model.Model, ring []float32, rs []located, w *want) {
	run := m.NewRunner(1)
	state := [][]float32{make([]float32, m.StateLen())}
	out := make([]float32, m.Meta.Horizon)
	for _, v := range ring {
		run.Step(state, []float32{v}, out)
	}
	for _, r := range rs {
		out := make([]float32, m.Meta.Horizon)
		run.Step(state, []float32{float32(r.v)}, out)
		w.forecasts[r.at] = wantForecast{sensor: r.sensor, ts: r.ts, values: out}
	}
}

// newer returns the inputs of all that are not in old, in all's order.
func newer(all, old []located) []located {
	had := map[po]bool{}
	for _, r := range old {
		had[r.at] = true
	}
	var out []located
	for _, r := range all {
		if !had[r.at] {
			out = append(out, r)
		}
	}
	return out
}
