package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
