package pipeline

import (
	"sync"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/record"
)

// clusters are the tiers every end-to-end test runs on.
var clusters = []struct {
	name string
	new  func(testing.TB) *kafkatest.Cluster
}{
	{"kfake", func(t testing.TB) *kafkatest.Cluster { return kafkatest.Kfake(t) }},
	{"real", func(t testing.TB) *kafkatest.Cluster { return kafkatest.Real(t) }},
}

// TestEndToEnd produces readings of several sensors over several
// partitions (a backlog, then live records with every kind of bad record),
// and checks the forecasts against model.Runner, the dead letters, the
// accounting of every input offset, and the commits after shutdown.
func TestEndToEnd(t *testing.T) {
	for _, cl := range clusters {
		for _, mode := range []string{ModeStateful, ModeWindow} {
			t.Run(cl.name+"/"+mode, func(t *testing.T) {
				endToEnd(t, cl.new(t), mode)
			})
		}
	}
}

func endToEnd(t *testing.T, c *kafkatest.Cluster, mode string) {
	const sensors, steps = 6, 16
	f := newFixture(t, c, 3)
	m := testModel(t, mode)
	backlog, live := scenario(sensors, steps)
	c.Produce(t, f.in, messages(backlog)...)
	cfg := f.config()
	var hooked atomicCount
	cfg.OnForecast = func(string, time.Time, []float64) { hooked.add() }
	run := start(t, cfg, m)
	c.Produce(t, f.in, messages(live)...)

	all := append(append([]inRec{}, backlog...), live...)
	in := locate(t, c.ReadAll(t, f.in, len(all), 30*time.Second), all)
	w := expect(m, mode, m.Meta.Window, in)
	out := c.ReadAll(t, f.out, len(w.forecasts), 60*time.Second)
	dead := c.ReadAll(t, f.dlq, len(w.dead), 30*time.Second)
	if got := run.obs.get(&run.obs.keys); got != sensors {
		t.Errorf("keys held = %d, want %d", got, sensors)
	}
	perKey := 4 * (m.Meta.Window*m.Meta.Inputs + m.Meta.Horizon*(m.Meta.Horizon+2))
	if mode == ModeStateful {
		perKey += 4 * m.StateLen()
	}
	if got := run.obs.get(&run.obs.stateB); got != sensors*perKey {
		t.Errorf("state bytes = %d, want %d keys × %d", got, sensors, perKey)
	}
	run.stop(t)

	checkForecasts(t, f, out, w)
	checkDead(t, f, dead, in, w)
	checkAccounting(t, in, w)
	checkObserved(t, run.obs, len(in), w)
	checkCommitted(t, f)
	if got := hooked.get(); got != len(w.forecasts) {
		t.Errorf("OnForecast called %d times, want %d", got, len(w.forecasts))
	}
}

type atomicCount struct {
	mu sync.Mutex
	n  int
}

func (a *atomicCount) add() { a.mu.Lock(); a.n++; a.mu.Unlock() }

func (a *atomicCount) get() int { a.mu.Lock(); defer a.mu.Unlock(); return a.n }

// checkObserved compares the Observer's counts with want.
func checkObserved(t *testing.T, o *recObserver, records int, w want) {
	t.Helper()
	deadBy := map[record.Reason]int{}
	for _, r := range w.dead {
		deadBy[r]++
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.in != records || o.out != len(w.forecasts) || o.warmups != len(w.warmups) || o.scored != w.scored {
		t.Errorf("observed in %d out %d warm-ups %d scored %d; want %d %d %d %d",
			o.in, o.out, o.warmups, o.scored, records, len(w.forecasts), len(w.warmups), w.scored)
	}
	if len(o.dead) != len(deadBy) {
		t.Errorf("dead letters by reason %v, want %v", o.dead, deadBy)
	}
	for r, n := range deadBy {
		if o.dead[r] != n {
			t.Errorf("dead letters by reason %v, want %v", o.dead, deadBy)
			break
		}
	}
	if o.keys != 0 || o.stateB != 0 {
		t.Errorf("keys held after Run returned = %d (%d state bytes), want 0", o.keys, o.stateB)
	}
}

// checkCommitted checks that the group committed every input offset.
func checkCommitted(t *testing.T, f *fixture) {
	t.Helper()
	ends := f.c.EndOffsets(t, f.in)
	got := f.c.CommittedOffsets(t, f.group, f.in)
	for p, end := range ends {
		if got[p] != end {
			t.Errorf("committed offsets %v, want the end offsets %v", got, ends)
			return
		}
	}
}
