package train

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
)

// Table is a series read from CSV: a time column and numeric feature columns,
// the target among them.
type Table struct {
	Times    []time.Time
	Names    []string  // the chosen feature columns, in Values' order.
	Values   []float64 // rows × len(Names), row-major.
	Target   int       // index of the target in Names.
	Interval time.Duration
}

// timeLayouts are the accepted spellings of the time column.
var timeLayouts = []string{"2006-01-02 15:04:05", time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"}

// ReadCSV reads a CSV with a header row whose first column is the time (as
// the ETT files' "date") and keeps the named feature columns (the target
// alone when features is empty; the target is added when missing). The
// interval is the step between the first two rows; rows must be evenly
// spaced.
func ReadCSV(r io.Reader, target string, features []string) (*Table, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("train: cannot read csv header: %w", err)
	}
	cols, t, err := pickColumns(head, target, features)
	if err != nil {
		return nil, err
	}
	t.Target = slices.Index(t.Names, target)
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("train: cannot read csv: %w", err)
		}
		if err := t.appendRow(rec, cols, line); err != nil {
			return nil, err
		}
	}
	return t, t.checkGrid()
}

func pickColumns(head []string, target string, features []string) ([]int, *Table, error) {
	if len(features) == 0 {
		features = []string{target}
	}
	if !slices.Contains(features, target) {
		features = append(slices.Clone(features), target)
	}
	t := &Table{Names: features}
	cols := make([]int, len(features))
	for i, f := range features {
		cols[i] = slices.Index(head, f)
		if cols[i] < 1 {
			return nil, nil, fmt.Errorf("train: csv has no feature column %q (columns %v)", f, head)
		}
	}
	return cols, t, nil
}

func (t *Table) appendRow(rec []string, cols []int, line int) error {
	ts, err := parseTime(rec[0])
	if err != nil {
		return fmt.Errorf("train: csv line %d: %w", line, err)
	}
	t.Times = append(t.Times, ts)
	for _, c := range cols {
		v, err := strconv.ParseFloat(rec[c], 64)
		if err != nil {
			return fmt.Errorf("train: csv line %d column %d: %w", line, c+1, err)
		}
		t.Values = append(t.Values, v)
	}
	return nil
}

func parseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if ts, err := time.Parse(l, s); err == nil {
			return ts, nil
		}
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("cannot parse time %q", s)
}

func (t *Table) checkGrid() error {
	if len(t.Times) < 2 {
		return fmt.Errorf("train: csv has %d rows, want at least 2", len(t.Times))
	}
	t.Interval = t.Times[1].Sub(t.Times[0])
	for i := 2; i < len(t.Times); i++ {
		if d := t.Times[i].Sub(t.Times[i-1]); d != t.Interval {
			return fmt.Errorf("train: csv rows %d and %d are %v apart, want the grid step %v", i, i+1, d, t.Interval)
		}
	}
	if t.Interval <= 0 {
		return fmt.Errorf("train: csv time column is not increasing (step %v)", t.Interval)
	}
	return nil
}

// Data returns the table as training data with the given split borders
// (rows; 0 means 60% and 80% of the rows).
func (t *Table) Data(trainEnd, valEnd int) *Data {
	rows := len(t.Times)
	if trainEnd == 0 {
		trainEnd = rows * 6 / 10
	}
	if valEnd == 0 {
		valEnd = rows * 8 / 10
	}
	return &Data{Values: t.Values, Features: len(t.Names), Target: t.Target,
		TrainEnd: trainEnd, ValEnd: valEnd, Interval: t.Interval}
}
