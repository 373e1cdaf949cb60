package backtest

import (
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

// TestSensorsOwnScale checks the per-sensor scores of a topic backtest: two
// sensors of very different units whose readings and forecasts are the
// same series under an affine map score the same on their own scales, a
// sensor forecast worse than Repeat sorts first and is counted, and a
// constant error of 10 (original units) scores 100 / std².
func TestSensorsOwnScale(t *testing.T) {
	const rows, h = 200, 3
	x := func(i int) float64 { return 20 + 5*math.Sin(2*math.Pi*float64(i)/24) + 0.5*math.Sin(1.7*float64(i)) }
	sensors := []struct {
		name         string
		value        func(i int) float64
		offset, gain float64
	}{
		{"pressure", func(i int) float64 { return 1000 + 3*(x(i)-20) }, 0.3, 3},
		{"rain", func(i int) float64 { return 0.1 + 0.01*(x(i)-20) }, 0.001, 0.01},
		{"bad", x, 10, 1},
	}
	c := NewCollector(0)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range sensors {
		for i := 0; i < rows; i++ {
			ts := t0.Add(time.Duration(i) * time.Hour)
			c.Reading(s.name, ts, []float64{s.value(i)})
			fc := make([]float64, h)
			for k := range fc {
				fc[k] = s.value(i+1+k) + s.offset
			}
			c.Forecast(s.name, ts, fc)
		}
	}
	r, _, err := c.Result(lastValueModel(t, "stateful", h), TopicConfig{Name: "fleet", Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ss := r.Sensors()
	if len(ss) != 3 || ss[0].Sensor != "bad" {
		t.Fatalf("got %+v, want 3 sensors with bad first", ss)
	}
	by := map[string]SensorScore{}
	for _, s := range ss {
		by[s.Sensor] = s
	}
	p, rain, bad := by["pressure"], by["rain"], by["bad"]
	if got := p.Std / rain.Std; math.Abs(got-300) > 1e-6 {
		t.Errorf("pressure std / rain std = %v, want 300", got)
	}
	for _, f := range []struct {
		name string
		a, b float64
	}{{"mse", p.MSE, rain.MSE}, {"mae", p.MAE, rain.MAE}, {"repeat", p.RepeatMSE, rain.RepeatMSE}, {"seasonal", p.SeasonalMSE, rain.SeasonalMSE}} {
		if math.Abs(f.a-f.b) > 1e-9*math.Max(1, f.a) || f.a == 0 {
			t.Errorf("%s: pressure %v, rain %v, want equal and non-zero", f.name, f.a, f.b)
		}
	}
	if p.WorseThanRepeat() || !bad.WorseThanRepeat() || p.SkillRepeat <= 0 || bad.SkillRepeat >= 0 {
		t.Errorf("skills: pressure %v, bad %v; want pressure > 0 > bad", p.SkillRepeat, bad.SkillRepeat)
	}
	if got := bad.MSE * bad.Std * bad.Std; math.Abs(got-100) > 1e-9 {
		t.Errorf("bad MSE·std² = %v, want 100", got)
	}
	if got := 1 - bad.MSE/bad.RepeatMSE; math.Abs(got-bad.SkillRepeat) > 1e-12 {
		t.Errorf("skill %v, want 1 − MSE/repeat = %v", bad.SkillRepeat, got)
	}
	sum := Summarize(ss)
	if want := (p.MSE + rain.MSE + bad.MSE) / 3; sum.Sensors != 3 || sum.WorseThanRepeat != 1 || math.Abs(sum.MeanMSE-want) > 1e-12 {
		t.Errorf("summary %+v, want 3 sensors, 1 worse than repeat, mean MSE %v", sum, want)
	}
	if line := r.Summary(); !strings.Contains(line, " sensors=3 sensors_scored=3 ") || !strings.Contains(line, " worse_than_repeat=1") {
		t.Errorf("summary line %q lacks the per-sensor figures", line)
	}
	var csv strings.Builder
	if err := WriteSensorsCSV(&csv, ss); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csv.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[1], "bad,") || !strings.HasSuffix(lines[1], ",true") {
		t.Errorf("sensors.csv:\n%s\nwant a header and 3 rows, bad first and flagged", csv.String())
	}
}

// TestReportPlotsWorstSensors checks that a fleet report names every sensor
// and plots the worst ones.
func TestReportPlotsWorstSensors(t *testing.T) {
	const h = 2
	tab := synthetic(120)
	c := NewCollector(0)
	for _, s := range []string{"a", "b", "c", "d"} {
		for i, ts := range tab.Times {
			c.Reading(s, ts, tab.Values[i:i+1])
			c.Forecast(s, ts, []float64{tab.Values[i], tab.Values[i]})
		}
	}
	r, _, err := c.Result(lastValueModel(t, "stateful", h), TopicConfig{Name: "fleet", Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := r.WriteReport(dir); err != nil {
		t.Fatal(err)
	}
	md := readString(t, dir+"/report.md")
	for _, want := range []string{"## Per sensor (worst first)", "| a |", "| d |", "(sensor-1.png)", "(sensor-3.png)"} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	for _, f := range []string{"sensor-1.png", "sensor-2.png", "sensor-3.png", "sensors.csv"} {
		if readString(t, dir+"/"+f) == "" {
			t.Errorf("%s is empty", f)
		}
	}
}

// readString returns the file at path.
func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
