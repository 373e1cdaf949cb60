package window

import (
	"testing"
	"time"

	"github.com/rnncast/rnncast/record"
)

// FuzzAdd drives Windows with arbitrary streams (3 bytes a reading: key,
// time step, value) and checks that Add never panics, that each result
// and every row agree with the reference model, and that batches keep
// their invariants.
func FuzzAdd(f *testing.F) {
	f.Add(uint8(0), []byte{0, 0, 1, 1, 4, 2, 0, 8, 3, 2, 250, 4, 0, 1, 5})
	f.Add(uint8(7), []byte{1, 200, 1, 1, 100, 2, 1, 3, 9, 1, 3, 9, 0, 0, 0})
	f.Fuzz(func(t *testing.T, knobs uint8, data []byte) {
		cfg := Config{Interval: time.Hour, Window: 1 + int(knobs%3), Features: 1, MaxGap: int(knobs/3) % 4,
			AllowedLateness: time.Duration(knobs/12%3) * time.Hour, Fill: []string{FillHold, FillLinear}[knobs/36%2],
			MaxBatch: 1 + int(knobs%5)}
		w := newWindows(t, cfg)
		m := &ref{cfg: w.Config(), keys: map[string]*refKey{}, rows: map[string][]refRow{}}
		got := map[string][]refRow{}
		clock := int64(0)
		for i := 0; i+3 <= len(data) && i < 3*500; i += 3 {
			clock += int64(int8(data[i+1])) // minutes, either direction
			r := &record.Reading{Key: string(rune('a' + data[i]%4)), Time: t0.Add(time.Duration(clock*10) * time.Minute),
				Values: []float64{float64(data[i+2])}, Offset: int64(i / 3)}
			if g, want := add(t, w, r), m.add(r); g != want {
				t.Fatalf("reading %d %+v: Add = %s, reference %s", i/3, r, g, want)
			}
			if data[i+2]%5 == 0 {
				collect(t, w, got)
			}
		}
		collect(t, w, got)
		compareRows(t, got, m.rows)
	})
}
