package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rnncast/rnncast/model"
)

// writeSeriesCSV writes an hourly daily-cycle series with two columns and
// returns its path.
func writeSeriesCSV(t *testing.T, rows int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("date,load,temp\n")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < rows; i++ {
		day := math.Sin(2 * math.Pi * float64(i) / 24)
		fmt.Fprintf(&b, "%s,%.4f,%.4f\n", t0.Add(time.Duration(i)*time.Hour).Format("2006-01-02 15:04:05"),
			3*day+0.1*math.Cos(float64(i)), 20+5*day)
	}
	path := filepath.Join(t.TempDir(), "series.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestTrainCommand trains a tiny model of each regime from a CSV and checks
// the saved file's metadata.
func TestTrainCommand(t *testing.T) {
	data := writeSeriesCSV(t, 400)
	for _, mode := range []string{"stateful", "window"} {
		out := filepath.Join(t.TempDir(), mode+".safetensors")
		var stdout, stderr bytes.Buffer
		code := run([]string{"train", "-data", data, "-target", "temp", "-features", "load,temp", "-mode", mode,
			"-hidden", "4", "-horizon", "6", "-window", "24", "-epochs", "2", "-samples", "64", "-out", out}, &stdout, &stderr)
		if code != 0 {
			t.Fatalf("%s: exit %d, stderr %s", mode, code, stderr.String())
		}
		m, err := model.Load(out)
		if err != nil {
			t.Fatal(err)
		}
		got := m.Meta
		if got.Mode != mode || got.Inputs != 2 || got.Target != 1 || got.Horizon != 6 || got.Interval != time.Hour {
			t.Errorf("%s: got meta %+v", mode, got)
		}
		if !strings.Contains(stdout.String(), "best validation MSE") {
			t.Errorf("%s: got stdout %q, want the training summary", mode, stdout.String())
		}
	}
}

// TestTrainCommandArch trains a tiny model of each non-default arch and
// regime from a CSV and checks the saved file's metadata and summary line.
func TestTrainCommandArch(t *testing.T) {
	data := writeSeriesCSV(t, 400)
	for _, mode := range []string{"window", "stateful"} {
		for _, arch := range []model.Arch{model.ArchSeq2Seq, model.ArchEncDec, model.ArchVec2Seq} {
			out := filepath.Join(t.TempDir(), string(arch)+".safetensors")
			var stdout, stderr bytes.Buffer
			code := run([]string{"train", "-data", data, "-target", "temp", "-features", "load,temp", "-mode", mode,
				"-arch", string(arch), "-hidden", "4", "-horizon", "6", "-window", "24", "-epochs", "2", "-samples", "64",
				"-out", out}, &stdout, &stderr)
			if code != 0 {
				t.Fatalf("%s %s: exit %d, stderr %s", mode, arch, code, stderr.String())
			}
			m, err := model.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Meta; got.Arch != arch || got.Mode != mode || got.Horizon != 6 || (arch == model.ArchEncDec) != (m.Decoder != nil) {
				t.Errorf("%s %s: got meta %+v, decoder %v", mode, arch, got, m.Decoder != nil)
			}
			if want := "trained " + string(arch) + " " + mode; !strings.HasPrefix(stdout.String(), want) {
				t.Errorf("%s %s: got stdout %q, want it to start with %q", mode, arch, stdout.String(), want)
			}
		}
	}
}

func TestTrainCommandErrors(t *testing.T) {
	data := writeSeriesCSV(t, 100)
	cases := [][]string{
		{"train"},
		{"train", "-data", data, "-target", "nope"},
		{"train", "-data", data, "-target", "temp", "-mode", "online"},
		{"train", "-data", data, "-target", "temp", "-arch", "transformer"},
		{"train", "-data", filepath.Join(t.TempDir(), "missing.csv")},
	}
	for _, args := range cases {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code == 0 || stderr.Len() == 0 {
			t.Errorf("%v: got exit %d and stderr %q, want a failure with a message", args, code, stderr.String())
		}
	}
}
