package window

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/rnncast/rnncast/record"
)

// refKey is the reference model of one key: the grid semantics written
// as plainly as possible, with maps instead of rings and bitmasks.
type refKey struct {
	started bool
	last    int64
	maxMs   int64
	read    map[int64]bool            // slots applied from a reading
	held    map[int64]*record.Reading // readings waiting for the watermark
	values  [][]float32               // steps since the last reset
	steps   int64
}

// refRow is one step as the reference produces it.
type refRow struct {
	slot          int64
	vals, win     string
	reset, filled bool
	ready         bool
	offset, steps int64
}

// ref applies the grid semantics to one reading at a time.
type ref struct {
	cfg  Config
	keys map[string]*refKey
	rows map[string][]refRow
}

func (m *ref) add(r *record.Reading) string {
	k := m.keys[r.Key]
	if k == nil {
		k = &refKey{read: map[int64]bool{}, held: map[int64]*record.Reading{}, maxMs: -1 << 62}
		m.keys[r.Key] = k
	}
	im := m.cfg.Interval.Milliseconds()
	slot := floorDiv(r.Time.UnixMilli(), im)
	switch {
	case k.started && slot <= k.last && k.read[slot] && k.last-slot < 64: // duplicates are remembered 64 slots
		return "duplicate"
	case k.started && slot <= k.last:
		return "late"
	case k.held[slot] != nil:
		return "duplicate"
	}
	k.held[slot] = r
	k.maxMs = max(k.maxMs, r.Time.UnixMilli())
	wm := floorDiv(k.maxMs-m.cfg.AllowedLateness.Milliseconds(), im)
	for {
		var next []int64
		for s := range k.held {
			if s <= wm {
				next = append(next, s)
			}
		}
		if len(next) == 0 {
			return "ok"
		}
		s := slices.Min(next)
		m.apply(r.Key, k, s, k.held[s])
		delete(k.held, s)
	}
}

func (m *ref) apply(key string, k *refKey, slot int64, r *record.Reading) {
	vals := make([]float32, len(r.Values))
	for i, v := range r.Values {
		vals[i] = float32(v)
	}
	gap := slot - k.last - 1
	if !k.started || gap > int64(m.cfg.MaxGap) {
		k.values, k.steps = nil, 0
		m.step(key, k, slot, vals, r.Offset, true, false)
		k.read[slot] = true
		return
	}
	from := k.values[len(k.values)-1]
	for j := int64(1); j <= gap; j++ {
		fill := slices.Clone(from)
		if m.cfg.Fill == FillLinear {
			for i := range fill {
				fill[i] = float32(float64(from[i]) + (float64(vals[i])-float64(from[i]))*float64(j)/float64(gap+1))
			}
		}
		m.step(key, k, k.last+1, fill, r.Offset, false, true)
	}
	m.step(key, k, slot, vals, r.Offset, false, false)
	k.read[slot] = true
}

func (m *ref) step(key string, k *refKey, slot int64, vals []float32, offset int64, reset, filled bool) {
	k.started, k.last = true, slot
	k.values = append(k.values, vals)
	k.steps++
	win := make([]float32, m.cfg.Window*m.cfg.Features)
	for i, n := 0, len(k.values); i < m.cfg.Window && i < n; i++ {
		copy(win[(m.cfg.Window-1-i)*m.cfg.Features:], k.values[n-1-i])
	}
	m.rows[key] = append(m.rows[key], refRow{slot: slot, vals: fmt.Sprint(vals), win: fmt.Sprint(win),
		reset: reset, filled: filled, ready: len(k.values) >= m.cfg.Window, offset: offset, steps: k.steps})
}

// stream returns n seeded readings of a few keys, mostly in order, with
// jitter, gaps, repeats and stragglers.
func stream(rng *rand.Rand, n int) []*record.Reading {
	keys := []string{"a", "b", "c", "d", "e"}
	clock := map[string]int64{}
	var out []*record.Reading
	for i := range n {
		key := keys[rng.IntN(len(keys))]
		clock[key] += int64(rng.IntN(3)) // 0: same slot again; 2: a gap
		if rng.IntN(10) == 0 {
			clock[key] += int64(rng.IntN(8)) // a long gap
		}
		minutes := clock[key]*60 - int64(rng.IntN(4))*60 + int64(rng.IntN(60)) // up to 3 slots out of order
		out = append(out, &record.Reading{
			Key: key, Time: t0.Add(time.Duration(minutes) * time.Minute),
			Values: []float64{float64(rng.IntN(1000)) / 8, float64(i)}, Offset: int64(i),
		})
	}
	return out
}

func TestMatchesReference(t *testing.T) {
	for _, cfg := range []Config{
		{Interval: time.Hour, Window: 3, Features: 2, MaxGap: 2, Fill: FillHold, MaxBatch: 3},
		{Interval: time.Hour, Window: 4, Features: 2, MaxGap: 3, Fill: FillLinear, AllowedLateness: 2 * time.Hour},
		{Interval: time.Hour, Window: 1, Features: 2, AllowedLateness: 90 * time.Minute, MaxBatch: 1},
	} {
		t.Run(fmt.Sprintf("gap%d-%s-late%v", cfg.MaxGap, cfg.Fill, cfg.AllowedLateness), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(cfg.Window)))
			w := newWindows(t, cfg)
			m := &ref{cfg: w.Config(), keys: map[string]*refKey{}, rows: map[string][]refRow{}}
			got := map[string][]refRow{}
			for i, r := range stream(rng, 2000) {
				if g, want := add(t, w, r), m.add(r); g != want {
					t.Fatalf("reading %d %+v: Add = %s, reference %s", i, r, g, want)
				}
				if rng.IntN(7) == 0 {
					collect(t, w, got)
				}
			}
			collect(t, w, got)
			compareRows(t, got, m.rows)
		})
	}
}

// collect flushes w and appends each row to got under its key.
func collect(t *testing.T, w *Windows[struct{}], got map[string][]refRow) {
	t.Helper()
	b, err := w.Flush()
	if err != nil || b == nil {
		return
	}
	defer b.Release()
	checkBatch(t, w, b)
	f, wf := w.cfg.Features, w.cfg.Window*w.cfg.Features
	vals, win, ts := b.ValuesData(), b.WindowData(), b.Times()
	for i, k := range b.Keys {
		got[k] = append(got[k], refRow{
			slot: int64(ts[i]) / w.intervalMs, vals: fmt.Sprint(vals[i*f : (i+1)*f]), win: fmt.Sprint(win[i*wf : (i+1)*wf]),
			reset: b.Resets[i], filled: b.Filled[i], ready: b.Ready[i], offset: b.Offsets[i], steps: b.Steps[i],
		})
	}
}

func compareRows(t *testing.T, got, want map[string][]refRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("rows for %d keys, reference %d", len(got), len(want))
	}
	for k, rows := range want {
		if len(got[k]) != len(rows) {
			t.Fatalf("key %s: %d rows, reference %d", k, len(got[k]), len(rows))
		}
		for i := range rows {
			if got[k][i] != rows[i] {
				t.Fatalf("key %s row %d:\n got %+v\nwant %+v", k, i, got[k][i], rows[i])
			}
		}
	}
}

// TestSnapshotRestore checks that Windows restored from snapshots at any
// point continue exactly as the original.
func TestSnapshotRestore(t *testing.T) {
	cfg := Config{Interval: time.Hour, Window: 3, Features: 2, MaxGap: 2, Fill: FillLinear, AllowedLateness: 2 * time.Hour}
	rng := rand.New(rand.NewPCG(7, 7))
	readings := stream(rng, 1500)
	for _, cut := range []int{0, 1, 37, 500, 1499} {
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			a := newWindows(t, cfg)
			for _, r := range readings[:cut] {
				a.Add(r)
			}
			collect(t, a, map[string][]refRow{})
			b := newWindows(t, cfg)
			for _, k := range []string{"a", "b", "c", "d", "e"} {
				s, ok := a.Snapshot(k)
				if !ok {
					continue
				}
				if err := b.Restore(k, s); err != nil {
					t.Fatalf("Restore(%s): %v", k, err)
				}
			}
			if a.Len() != b.Len() || a.Held() != b.Held() {
				t.Fatalf("restored %d keys %d held, want %d %d", b.Len(), b.Held(), a.Len(), a.Held())
			}
			gotA, gotB := map[string][]refRow{}, map[string][]refRow{}
			for i, r := range readings[cut:] {
				if ra, rb := add(t, a, r), add(t, b, r); ra != rb || a.Pending() != b.Pending() {
					t.Fatalf("reading %d: original %s with %d rows, restored %s with %d", cut+i, ra, a.Pending(), rb, b.Pending())
				}
			}
			collect(t, a, gotA)
			collect(t, b, gotB)
			compareRows(t, gotB, gotA)
		})
	}
}

func TestRestoreRejectsBadState(t *testing.T) {
	cfg := hourly(2, 2)
	last := t0.Add(time.Hour)
	tests := []struct {
		name string
		s    KeyState
	}{
		{"ring not a whole step", KeyState{Ring: []float32{1, 2, 3}, LastSlot: last}},
		{"ring too long", KeyState{Ring: make([]float32, 6), LastSlot: last}},
		{"ring without slot", KeyState{Ring: []float32{1, 2}}},
		{"negative steps", KeyState{Steps: -1}},
		{"held values", KeyState{Held: []HeldReading{{Time: last, Values: []float64{1}}}}},
		{"held order", KeyState{Held: []HeldReading{{Time: last, Values: []float64{1, 2}}, {Time: last, Values: []float64{1, 2}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWindows(t, cfg)
			if err := w.Restore("k", tt.s); err == nil {
				t.Fatalf("Restore(%+v) = nil error", tt.s)
			}
			if w.Len() != 0 {
				t.Fatalf("a failed Restore left %d keys", w.Len())
			}
		})
	}
	w := newWindows(t, cfg)
	if _, ok := w.Snapshot("none"); ok {
		t.Fatal("Snapshot of an unknown key reported ok")
	}
}

// TestSnapshotKeepsWatermark checks that a restored key keeps its
// watermark: a straggler the original applies at once is not held.
func TestSnapshotKeepsWatermark(t *testing.T) {
	cfg := hourly(2, 1)
	cfg.AllowedLateness, cfg.MaxGap = 2*time.Hour, 3
	a := newWindows(t, cfg)
	add(t, a, reading("k", 1, 0, 1, 1), reading("k", 4, 0, 2, 4)) // applies h1, holds h4
	s, ok := a.Snapshot("k")
	if !ok || !s.MaxTime.Equal(t0.Add(4*time.Hour)) || !s.LastSlot.Equal(t0.Add(time.Hour)) || len(s.Held) != 1 {
		t.Fatalf("Snapshot = %+v, %v", s, ok)
	}
	b := newWindows(t, cfg)
	if err := b.Restore("k", s); err != nil {
		t.Fatal(err)
	}
	collect(t, a, map[string][]refRow{})
	for _, w := range []*Windows[struct{}]{a, b} {
		if got := add(t, w, reading("k", 2, 0, 3, 2)); got != "ok" || w.Pending() != 1 {
			t.Fatalf("straggler: %s with %d rows, want ok with 1", got, w.Pending())
		}
	}
}
