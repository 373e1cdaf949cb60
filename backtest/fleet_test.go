package backtest

import (
	"math"
	"strings"
	"testing"

	"github.com/rnncast/rnncast/train"
)

// affine returns a copy of t with its values a·v + b, named name.
func affine(t *train.Table, name string, a, b float64) *train.Table {
	u := *t
	u.Names = []string{name}
	u.Values = make([]float64, len(t.Values))
	for i, v := range t.Values {
		u.Values[i] = a*v + b
	}
	return &u
}

// TestRunFleet checks a fleet backtest of two sensors, one the other under
// an affine map into very different units, and a third with its own
// series: each sensor scores as its own one-sensor backtest does, the
// affine pair alike, and the pooled MSE is the mean over sensors.
func TestRunFleet(t *testing.T) {
	base := synthetic(400)
	other := synthetic(400)
	for i := range other.Values {
		other.Values[i] = 5 + float64(i%7)
	}
	tabs := []*train.Table{affine(base, "pressure", 3, 1000), affine(base, "rain", 0.01, 0.1), affine(other, "steps", 1, 0)}
	c := Config{TestStart: 300, ScaleRows: 200}
	for _, mode := range []string{train.ModeWindow, train.ModeStateful} {
		m := lastValueModel(t, mode, 4)
		r, err := RunFleet(m, tabs, c)
		if err != nil {
			t.Fatal(err)
		}
		if r.SensorsSeen != 3 || len(r.Keys) != len(r.Origins) || r.Keys[0] != "pressure" || r.Keys[len(r.Keys)-1] != "steps" {
			t.Fatalf("%s: %d sensors, keys %d for %d origins", mode, r.SensorsSeen, len(r.Keys), len(r.Origins))
		}
		ss := r.Sensors()
		by := map[string]SensorScore{}
		var mean float64
		for _, s := range ss {
			by[s.Sensor] = s
			mean += s.MSE / float64(len(ss))
		}
		for _, tab := range tabs {
			one, err := Run(m, tab, c)
			if err != nil {
				t.Fatal(err)
			}
			got, want := by[tab.Names[0]], one.Scores[0].Overall()
			if math.Abs(got.MSE-want.MSE) > 1e-9*want.MSE || math.Abs(got.MAE-want.MAE) > 1e-9*want.MAE {
				t.Errorf("%s %s: fleet MSE %v MAE %v, its own backtest %v %v", mode, tab.Names[0], got.MSE, got.MAE, want.MSE, want.MAE)
			}
		}
		if p, q := by["pressure"].MSE, by["rain"].MSE; math.Abs(p-q) > 1e-6*p {
			t.Errorf("%s: pressure MSE %v, rain %v: want equal on their own scales", mode, p, q)
		}
		if got := r.Scores[0].Overall().MSE; math.Abs(got-mean) > 1e-9*mean {
			t.Errorf("%s: pooled MSE %v, want the mean over sensors %v", mode, got, mean)
		}
	}
	c.Horizon = 4
	if _, err := RunFleet(nil, []*train.Table{tabs[0], affine(base, "pressure", 1, 0)}, c); err == nil || !strings.Contains(err.Error(), "two series") {
		t.Errorf("two series of one name: got %v, want an error", err)
	}
	r, err := RunFleet(nil, tabs, c)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := r.WriteReport(dir); err != nil {
		t.Fatal(err)
	}
	if md := readString(t, dir+"/report.md"); !strings.Contains(md, "A fleet of 3 series") || !strings.Contains(md, "| steps |") {
		t.Errorf("report.md does not describe the fleet:\n%s", md[:min(len(md), 600)])
	}
}
