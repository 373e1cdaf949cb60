package main

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/scale"
	"github.com/rnncast/rnncast/train"
)

// fleetCSV returns a CSV of rows hourly readings of sensors in very
// different units: pressure near 1000, rain near 0.1, temperature near 15.
func fleetCSV(rows int) []byte {
	var b bytes.Buffer
	b.WriteString("date,pressure,rain,temperature\n")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < rows; i++ {
		day := math.Sin(2 * math.Pi * float64(i) / 24)
		fmt.Fprintf(&b, "%s,%.3f,%.5f,%.3f\n", t0.Add(time.Duration(i)*time.Hour).Format("2006-01-02 15:04:05"),
			1000+2*day+0.1*math.Sin(float64(i)), 0.1+0.05*day, 15+6*math.Cos(2*math.Pi*float64(i)/24))
	}
	return b.Bytes()
}

// TestTrainFleetCSV trains one model on every column of a CSV and on the
// columns of two files: the model is window-scaled, names no target, and
// the summary says how many series and rows it used.
func TestTrainFleetCSV(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.csv", fleetCSV(300))
	b := writeFile(t, dir, "b.csv", fleetCSV(200))
	common := []string{"-hidden", "4", "-horizon", "6", "-window", "24", "-epochs", "1", "-quiet"}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"all columns", []string{"-data", a, "-series", "all"}, []string{"fleet: 3 columns of 1 files: 3 series, 720 rows kept", "scaling=window on 3 series"}},
		{"listed columns", []string{"-data", a, "-series", "pressure,rain"}, []string{"2 series, 480 rows kept", "on 2 series"}},
		{"two files", []string{"-data", a + "," + b, "-series", "rain"}, []string{"2 columns of 2 files: 2 series, 400 rows kept", "on 2 series"}},
		{"row splits", []string{"-data", a, "-series", "all", "-train-end", "100", "-val-end", "150"}, []string{"3 series, 450 rows kept"}},
		{"time splits", []string{"-data", a, "-series", "all", "-train-until", "2026-01-05T00:00:00Z", "-val-until", "2026-01-07T00:00:00Z"}, []string{"3 series, 432 rows kept"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".safetensors")
			var stdout, stderr bytes.Buffer
			if code := run(append(append([]string{"train"}, tc.args...), append(common, "-out", out)...), &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout %q lacks %q", stdout.String(), w)
				}
			}
			if !strings.Contains(stderr.String(), "-mode window") {
				t.Errorf("stderr %q does not say the mode a fleet gets", stderr.String())
			}
			m, err := model.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			if m.Meta.Highway != 24 {
				t.Errorf("a fleet model's highway reads %d values, want the whole window (24) by default", m.Meta.Highway)
			}
			if m.Meta.Scaling != scale.Window || m.Meta.Mode != "window" || m.Meta.TargetName != "" || m.Meta.Mean != nil {
				t.Errorf("meta scaling %q mode %q target %q mean %v: want a window-scaled window model with no target name or global scaler",
					m.Meta.Scaling, m.Meta.Mode, m.Meta.TargetName, m.Meta.Mean)
			}
		})
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"-data", a, "-series", "all", "-mode", "stateful"}, "not supported yet"},
		{[]string{"-data", a, "-series", "all", "-scaling", "global"}, "pooled statistics"},
		{[]string{"-data", a, "-series", "nope"}, "nope"},
		{[]string{"-data", a, "-series", "all", "-train-until", "2026-01-05T00:00:00Z"}, "together"},
		{[]string{"-data", a, "-series", "all", "-train-end", "10"}, "no series long enough"},
		{[]string{"-topic", "t", "-series", "a"}, "-series applies to -data only"},
	} {
		var stderr bytes.Buffer
		if code := run(append(append([]string{"train"}, bad.args...), common...), io.Discard, &stderr); code == 0 || !strings.Contains(stderr.String(), bad.want) {
			t.Errorf("%q: exit %d, stderr %q; want a failure saying %q", bad.args, code, stderr.String(), bad.want)
		}
	}
}

// TestBacktestFleetCSV: rnncast backtest -series scores every column of a
// CSV as a sensor of its own with a fleet model, in one summary line and a
// per-sensor report.
func TestBacktestFleetCSV(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.csv", fleetCSV(300))
	out := filepath.Join(dir, "fleet.safetensors")
	if code := run([]string{"train", "-data", a, "-series", "all", "-hidden", "4", "-horizon", "6", "-window", "24", "-epochs", "1",
		"-quiet", "-out", out}, io.Discard, io.Discard); code != 0 {
		t.Fatalf("train: exit %d", code)
	}
	var stdout, stderr bytes.Buffer
	report := filepath.Join(dir, "report")
	if code := run([]string{"backtest", "-data", a, "-series", "all", "-model", out, "-test-start", "240", "-scale-rows", "180", "-out", report},
		&stdout, &stderr); code != 0 {
		t.Fatalf("backtest: exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"backtest fleet mode=window H=6 forecasts=165 ", " sensors=3 sensors_scored=3 "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary %q lacks %q", stdout.String(), want)
		}
	}
	md, err := os.ReadFile(filepath.Join(report, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"A fleet of 3 series", "| pressure |", "| rain |", "| temperature |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if code := run([]string{"backtest", "-data", a, "-series", "all", "-target", "rain"}, io.Discard, &stderr); code == 0 {
		t.Error("-series with -target: exit 0, want a failure")
	}
}

// TestStopReason: the training summary says whether early stopping or the
// epoch cap ended training, and when the cap cut an improving run.
func TestStopReason(t *testing.T) {
	for _, tc := range []struct {
		e    train.Epoch
		want string
	}{
		{train.Epoch{N: 7, Max: 20, BestN: 3}, "early stopping"},
		{train.Epoch{N: 20, Max: 20, BestN: 20}, "still improving: raise -epochs"},
		{train.Epoch{N: 20, Max: 20, BestN: 18}, "no better epoch in the last 2"},
	} {
		if got := stopReason(tc.e); !strings.Contains(got, tc.want) {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
}
