package backtest

import (
	"fmt"
	"math/rand/v2"

	"github.com/rnncast/rnncast/train"
)

// The injections of Config.Inject.
const (
	InjectSpikes = "spikes" // one reading off by ±K std
	InjectShifts = "shifts" // the level moves by ±K std from a reading on
	InjectBoth   = "both"
)

// DefaultAnomalyLevel is the interval level outside which a reading is an
// anomaly (anomaly.level).
const DefaultAnomalyLevel = 0.99

// inject returns a copy of t whose target has the injections of c in the
// rows whose step-1 forecast is scored (origins [TestStart, TestEnd−H]),
// and the label of every row (true: injected there). The positions, signs
// and kinds come from c.InjectSeed alone, so a run repeats exactly. The
// size is K times the target's std over rows [0, scaleRows).
func inject(t *train.Table, c Config, scaleRows int) (*train.Table, []bool, error) {
	switch c.Inject {
	case InjectSpikes, InjectShifts, InjectBoth:
	default:
		return nil, nil, fmt.Errorf("backtest: unknown injection %q (want spikes, shifts or both)", c.Inject)
	}
	F, tg := len(t.Names), t.Target
	_, std := meanStd(column(t, tg)[:scaleRows])
	if std == 0 {
		std = 1
	}
	u := *t
	u.Values = append([]float64(nil), t.Values...)
	labels := make([]bool, len(t.Times))
	lo, hi := c.TestStart, c.TestEnd-c.Horizon+1
	rng := rand.New(rand.NewPCG(c.InjectSeed, 0x696e6a656374))
	n := int(float64(hi-lo) * c.InjectRate)
	for _, off := range rng.Perm(hi - lo)[:min(n, hi-lo)] {
		row := lo + off
		sign := 1.0
		if rng.IntN(2) == 0 {
			sign = -1
		}
		kind := c.Inject
		if kind == InjectBoth {
			kind = []string{InjectSpikes, InjectShifts}[rng.IntN(2)]
		}
		d := sign * c.InjectK * std
		labels[row] = true
		if kind == InjectSpikes {
			u.Values[row*F+tg] += d
			continue
		}
		for r := row; r < len(t.Times); r++ {
			u.Values[r*F+tg] += d
		}
	}
	return &u, labels, nil
}

// AnomalyScore is the anomaly events of a backtest against the injection
// labels: a reading is an event when it falls outside the AnomalyLevel
// interval of the first method's forecast made for it one step earlier.
type AnomalyScore struct {
	Level                float64
	Rows                 int // readings checked (the test origins' step-1 targets)
	Events, Labels, Hits int // events, injected rows, events on injected rows
}

// Precision returns Hits/Events (1 without events).
func (a *AnomalyScore) Precision() float64 {
	if a.Events == 0 {
		return 1
	}
	return float64(a.Hits) / float64(a.Events)
}

// Recall returns Hits/Labels (1 without labels).
func (a *AnomalyScore) Recall() float64 {
	if a.Labels == 0 {
		return 1
	}
	return float64(a.Hits) / float64(a.Labels)
}

// F1 returns the harmonic mean of precision and recall.
func (a *AnomalyScore) F1() float64 {
	p, r := a.Precision(), a.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// FalseAlarmRate returns the events on rows without a label per such row.
func (a *AnomalyScore) FalseAlarmRate() float64 {
	return float64(a.Events-a.Hits) / float64(max(1, a.Rows-a.Labels))
}
