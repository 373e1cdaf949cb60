package pipeline

import (
	"testing"
	"time"
)

// TestBadInput sends every kind of bad record through a running pipeline,
// each followed by a good reading of the same sensor: the bad record must
// land in the dead-letter topic with its reason, and the good one must
// still be forecast (a poison record never stalls its partition).
func TestBadInput(t *testing.T) {
	for _, cl := range clusters {
		t.Run(cl.name, func(t *testing.T) {
			c := cl.new(t)
			f := newFixture(t, c, 2)
			m := testModel(t, ModeStateful)
			cfg := f.config()
			cfg.Warmup = 1 // every good reading is forecast
			run := start(t, cfg, m)
			const applied = 3
			var all []inRec
			for i := 0; i < applied; i++ {
				all = append(all, good("s-0", i, 20), good("s-1", i, 20), good("s-2", i, 20), good("s-3", i, 20))
			}
			c.Produce(t, f.in, messages(all)...)
			c.ReadAll(t, f.out, len(all), 60*time.Second)
			next := map[string]int{} // each sensor's next step: no gaps, no resets
			for i, b := range badRecords(applied - 1) {
				sensor := string(b.key)
				if sensor == "" {
					sensor = "s-0"
				}
				g := good(sensor, applied+next[sensor], 21)
				next[sensor]++
				c.Produce(t, f.in, messages([]inRec{b, g})...)
				all = append(all, b, g)
				n := len(all) - i - 1 // every good record so far
				out := c.ReadAll(t, f.out, n, 60*time.Second)
				if len(out) != n {
					t.Fatalf("after the %s record: %d forecasts, want %d", b.reason, len(out), n)
				}
				// Reasons are checked below, against the input's positions.
				if dead := c.ReadAll(t, f.dlq, i+1, 60*time.Second); len(dead) != i+1 {
					t.Fatalf("after the %s record: %d dead letters, want %d", b.reason, len(dead), i+1)
				}
			}
			run.stop(t)
			in := locate(t, c.ReadAll(t, f.in, len(all), 30*time.Second), all)
			w := expect(m, ModeStateful, 1, in)
			checkDead(t, f, c.ReadAll(t, f.dlq, len(w.dead), 30*time.Second), in, w)
			checkForecasts(t, f, c.ReadAll(t, f.out, len(w.forecasts), 30*time.Second), w)
			checkCommitted(t, f)
		})
	}
}
