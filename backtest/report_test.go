package backtest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/rnncast/rnncast/train"
)

func smallResult(t *testing.T) *Result {
	t.Helper()
	res, err := Run(lastValueModel(t, train.ModeStateful, 6), synthetic(300), Config{TestStart: 200, TestEnd: 260})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestWriteParquet reads the written file back and checks its shape and
// that every value column round-trips.
func TestWriteParquet(t *testing.T) {
	res := smallResult(t)
	var buf bytes.Buffer
	if err := res.WriteParquet(&buf); err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl, err := pqarrow.ReadTable(context.Background(), bytes.NewReader(buf.Bytes()), nil, pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	wantCols := []string{"issued", "target_time", "step", "actual", "rnncast", "repeat", "seasonal_naive"}
	if got := tbl.NumCols(); int(got) != len(wantCols) {
		t.Fatalf("got %d columns, want %d", got, len(wantCols))
	}
	for i, name := range wantCols {
		if got := tbl.Schema().Field(i).Name; got != name {
			t.Errorf("column %d: got %q, want %q", i, got, name)
		}
	}
	if got, want := tbl.NumRows(), int64(len(res.Actual)); got != want {
		t.Fatalf("got %d rows, want %d", got, want)
	}
	for c, want := range [][]float64{res.Actual, res.Forecasts[0], res.Forecasts[1], res.Forecasts[2]} {
		col := tbl.Column(3 + c).Data().Chunk(0).(*array.Float64)
		for i := 0; i < col.Len(); i++ {
			if col.Value(i) != want[i] {
				t.Fatalf("column %s row %d: got %v, want %v", wantCols[3+c], i, col.Value(i), want[i])
			}
		}
	}
	steps := tbl.Column(2).Data().Chunk(0).(*array.Int32)
	if steps.Value(0) != 1 || steps.Value(res.Horizon-1) != int32(res.Horizon) || steps.Value(res.Horizon) != 1 {
		t.Errorf("got steps %v…, want 1..H repeating", steps.Int32Values()[:res.Horizon+1])
	}
}

// TestWriteReport checks that the report names every method and that each
// plot it links to is a PNG file.
func TestWriteReport(t *testing.T) {
	res := smallResult(t)
	dir := t.TempDir()
	if err := res.WriteReport(dir); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| rnncast |", "| repeat |", "| seasonal-naive |", "(forecast.png)", "(error-by-step.png)", "(error-over-time.png)"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	for _, png := range []string{"forecast.png", "error-by-step.png", "error-over-time.png"} {
		b, err := os.ReadFile(filepath.Join(dir, png))
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("%s: not a PNG (err %v)", png, err)
		}
	}
	if s := res.Summary(); !strings.Contains(s, "rnncast MSE=") || strings.Contains(s, "\n") {
		t.Errorf("got summary %q, want one line with the model's MSE", s)
	}
}
