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
)

// TestBacktestCommand trains a tiny model, backtests it and checks the
// summary line, the report and the Parquet file.
func TestBacktestCommand(t *testing.T) {
	data := writeSeriesCSV(t, 400)
	dir := t.TempDir()
	mpath := filepath.Join(dir, "m.safetensors")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"train", "-data", data, "-target", "temp", "-hidden", "4", "-horizon", "6",
		"-window", "24", "-epochs", "1", "-out", mpath}, &stdout, &stderr); code != 0 {
		t.Fatalf("train: exit %d, stderr %s", code, stderr.String())
	}
	stdout.Reset()
	report, pq := filepath.Join(dir, "report"), filepath.Join(dir, "f.parquet")
	code := run([]string{"backtest", "-data", data, "-target", "temp", "-model", mpath, "-test-start", "320",
		"-report", report, "-parquet", pq}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("backtest: exit %d, stderr %s", code, stderr.String())
	}
	line := stdout.String()
	for _, want := range []string{"mode=stateful", "H=6", "forecasts=75", "rnncast MSE=", "repeat MSE=", "seasonal-naive MSE="} {
		if !strings.Contains(line, want) {
			t.Errorf("got summary %q, want it to contain %q", line, want)
		}
	}
	for _, f := range []string{filepath.Join(report, "report.md"), filepath.Join(report, "forecast.png"), pq} {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", f, err)
		}
	}
}

func TestBacktestCommandErrors(t *testing.T) {
	data := writeSeriesCSV(t, 100)
	cases := [][]string{
		{"backtest"},
		{"backtest", "-data", data, "-target", "temp"}, // no model and no scaler rows.
		{"backtest", "-data", data, "-target", "temp", "-model", filepath.Join(t.TempDir(), "none.safetensors")},
	}
	for _, args := range cases {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code == 0 || stderr.Len() == 0 {
			t.Errorf("%v: got exit %d and stderr %q, want a failure with a message", args, code, stderr.String())
		}
	}
}

// TestBacktestCSVDefaults: train without -target picks the last numeric
// column and records its name; a backtest of that model without -target
// uses it, takes one day of rows as the period, and -out writes the report
// and the Parquet file.
func TestBacktestCSVDefaults(t *testing.T) {
	data := writeSeriesCSV(t, 400)
	dir := t.TempDir()
	mpath := filepath.Join(dir, "m.safetensors")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"train", "-data", data, "-hidden", "4", "-horizon", "6", "-window", "24", "-epochs", "1",
		"-quiet", "-out", mpath}, &stdout, &stderr); code != 0 {
		t.Fatalf("train: exit %d, stderr %s", code, stderr.String())
	}
	if want := `training on "temp", the last of the numeric columns load, temp`; !strings.Contains(stderr.String(), want) {
		t.Errorf("train's stderr %q does not say %q", stderr.String(), want)
	}
	m, err := model.Load(mpath)
	if err != nil {
		t.Fatal(err)
	}
	if m.Meta.TargetName != "temp" {
		t.Errorf("model's target name %q, want temp", m.Meta.TargetName)
	}
	out := filepath.Join(dir, "out")
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"backtest", "-data", data, "-model", mpath, "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("backtest: exit %d, stderr %s", code, stderr.String())
	}
	for _, f := range []string{"report.md", "forecast.png", "forecasts.parquet"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("-out: %s missing or empty (%v)", f, err)
		}
	}
	report, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(report), "temp") || !strings.Contains(string(report), "period 24") {
		t.Errorf("report.md does not name the target temp and period 24:\n%s", report)
	}
}

// TestTrainTargetOnlyNumeric: a CSV with one numeric column besides a text
// one trains on it and says so.
func TestTrainTargetOnlyNumeric(t *testing.T) {
	var b strings.Builder
	b.WriteString("ts,site,level\n")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, "%s,north,%.3f\n", t0.Add(time.Duration(i)*15*time.Minute).Format(time.RFC3339), math.Sin(float64(i)/8))
	}
	data := filepath.Join(t.TempDir(), "level.csv")
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	mpath := filepath.Join(t.TempDir(), "m.safetensors")
	if code := run([]string{"train", "-data", data, "-hidden", "4", "-horizon", "4", "-window", "16", "-epochs", "1",
		"-quiet", "-out", mpath}, io.Discard, &stderr); code != 0 {
		t.Fatalf("train: exit %d, stderr %s", code, stderr.String())
	}
	if want := `training on "level", the only numeric column`; !strings.Contains(stderr.String(), want) {
		t.Errorf("train's stderr %q does not say %q", stderr.String(), want)
	}
	// 15-minute rows: the seasonal-naive period is a day, 96 rows.
	out := filepath.Join(t.TempDir(), "out")
	if code := run([]string{"backtest", "-data", data, "-model", mpath, "-test-start", "100", "-out", out}, io.Discard, &stderr); code != 0 {
		t.Fatalf("backtest: exit %d, stderr %s", code, stderr.String())
	}
	if report, err := os.ReadFile(filepath.Join(out, "report.md")); err != nil || !strings.Contains(string(report), "period 96 rows") {
		t.Errorf("report.md (%v) does not say period 96 rows:\n%s", err, report)
	}
}

func TestDayPeriod(t *testing.T) {
	f := func(interval time.Duration, want int, note bool) {
		t.Helper()
		var w bytes.Buffer
		if got := dayPeriod(interval, &w); got != want || (w.Len() > 0) != note {
			t.Errorf("dayPeriod(%v) = %d with note %q, want %d (note: %v)", interval, got, w.String(), want, note)
		}
	}
	f(time.Hour, 24, false)
	f(15*time.Minute, 96, false)
	f(24*time.Hour, 1, false)
	f(7*time.Minute, 24, true)
	f(48*time.Hour, 24, true)
	f(0, 24, true)
}

// TestBacktestFlagsOfTheOtherSource: a flag that does not apply to the
// chosen source is an error (exit 2) naming it; an error of the backtest
// names the backtest, not train.
func TestBacktestFlagsOfTheOtherSource(t *testing.T) {
	data := writeSeriesCSV(t, 100)
	f := func(flagName string, args ...string) {
		t.Helper()
		var stderr bytes.Buffer
		code := run(append([]string{"backtest"}, args...), io.Discard, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), "-"+flagName+" applies to") {
			t.Errorf("backtest %q: exit %d, stderr %q; want exit 2 naming -%s", args, code, stderr.String(), flagName)
		}
	}
	for _, fl := range [][]string{{"to-topic", "x"}, {"dead-letter-topic", "x"}, {"speed", "2"}, {"from-offset", "0"},
		{"to-offset", "9"}, {"from-time", "2026-01-01T00:00:00Z"}, {"to-time", "2026-01-01T00:00:00Z"},
		{"partitions", "0"}, {"brokers", "127.0.0.1:1"}, {"config", "pipeline.yaml"}} {
		f(fl[0], "-data", data, "-"+fl[0], fl[1])
	}
	for _, fl := range [][]string{{"ett", "true"}, {"test-start", "3"}, {"test-end", "9"}, {"scale-rows", "5"},
		{"target", "OT"}, {"features", "a,b"}} {
		f(fl[0], "-topic", "sensors", "-"+fl[0]+"="+fl[1])
	}
	var stderr bytes.Buffer
	if code := run([]string{"backtest", "-data", data, "-scale-rows", "50"}, io.Discard, &stderr); code != 1 ||
		!strings.HasPrefix(stderr.String(), "rnncast backtest: ") || strings.Contains(stderr.String(), "train:") ||
		!strings.Contains(stderr.String(), `"OT"`) || !strings.Contains(stderr.String(), "pass -target") {
		t.Errorf("backtest of a CSV without OT: exit %d, stderr %q; want exit 1, an error of rnncast backtest naming OT and -target", code, stderr.String())
	}
}
