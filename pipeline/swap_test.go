package pipeline

import (
	"testing"
	"time"
)

// TestSwapModel swaps the model of a running pipeline between two halves
// of readings: the first half is forecast by the old model, the second by
// the new one from states it rebuilt over each sensor's window (no second
// warm-up), exactly as model.Runner says; a model that does not fit the
// configuration is refused and changes nothing.
func TestSwapModel(t *testing.T) {
	const sensors, steps = 4, 20
	c := clusters[0].new(t)
	f := newFixture(t, c, 2)
	a, b := testModel(t, ModeStateful), otherModel(t, ModeStateful)
	run := start(t, f.config(), a)
	first, second := scenario(sensors, steps)
	c.Produce(t, f.in, messages(first)...)
	in1 := locate(t, c.ReadAll(t, f.in, len(first), 30*time.Second), first)
	w := expect(a, ModeStateful, a.Meta.Window, in1)
	c.ReadAll(t, f.out, len(w.forecasts), 60*time.Second)

	wide := otherModel(t, ModeStateful)
	wide.Meta.Inputs = 2
	if err := run.p.SwapModel(wide); err == nil {
		t.Errorf("SwapModel accepted a model of 2 inputs for a 1-feature config")
	}
	if err := run.p.SwapModel(b); err != nil {
		t.Fatalf("SwapModel: %v", err)
	}
	c.Produce(t, f.in, messages(second)...)
	all := append(append([]inRec{}, first...), second...)
	in := locate(t, c.ReadAll(t, f.in, len(all), 30*time.Second), all)
	expectAfterSwap(b, in1, newer(in, in1), "", &w) // no corrupt sensor: all rewarmed
	out := c.ReadAll(t, f.out, len(w.forecasts), 60*time.Second)
	waitFor(t, "every input to be committed", func() bool { return committedAll(t, f) })
	run.stop(t)
	checkForecasts(t, f, c.ReadAll(t, f.out, len(out), 30*time.Second), w)
}
