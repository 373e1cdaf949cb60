package window

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/rnncast/rnncast/record"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// t0 is the start of slot 0 of the tests' hourly grid.
var t0 = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

// newWindows returns Windows over a checked allocator; the cleanup releases
// them and asserts that no Arrow memory is left.
func newWindows(t testing.TB, cfg Config) *Windows[struct{}] {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	w, err := New[struct{}](cfg, mem)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	t.Cleanup(func() {
		w.Release()
		mem.AssertSize(t, 0)
	})
	return w
}

func hourly(window, features int) Config {
	return Config{Interval: time.Hour, Window: window, Features: features}
}

// reading returns a reading of key at t0 plus the given hours and minutes.
func reading(key string, hours, minutes int, offset int64, vals ...float64) *record.Reading {
	return &record.Reading{
		Key: key, Time: t0.Add(time.Duration(hours)*time.Hour + time.Duration(minutes)*time.Minute),
		Values: vals, Offset: offset,
	}
}

// flush flushes w and renders the batch, read back from its Arrow record,
// one row per line; "" when there is none.
func flush(t *testing.T, w *Windows[struct{}]) string {
	t.Helper()
	b, err := w.Flush()
	if err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if b == nil {
		return ""
	}
	defer b.Release()
	checkBatch(t, w, b)
	return render(b, w.cfg)
}

// render writes one line per row: round, key, hour of the slot, values,
// window and flags, all read from the Arrow record except the flags.
func render(b *Batch, cfg Config) string {
	keys := b.Record.Column(ColKey).(*array.Dictionary)
	dict := keys.Dictionary().(*array.String)
	ts := b.Times()
	vals, win := b.ValuesData(), b.WindowData()
	f, wf := cfg.Features, cfg.Window*cfg.Features
	var s strings.Builder
	for ri, r := range b.Rounds {
		for i := r[0]; i < r[1]; i++ {
			hours := time.UnixMilli(int64(ts[i])).Sub(t0).Hours()
			fmt.Fprintf(&s, "round %d %s h%g values %v window %v off %d steps %d%s\n", ri, dict.Value(keys.GetValueIndex(i)),
				hours, vals[i*f:(i+1)*f], win[i*wf:(i+1)*wf], b.Offsets[i], b.Steps[i], flags(b, i))
		}
	}
	return s.String()
}

func flags(b *Batch, i int) string {
	var s string
	if b.Resets[i] {
		s += " reset"
	}
	if b.Filled[i] {
		s += " filled"
	}
	if b.Ready[i] {
		s += " ready"
	}
	return s
}

// checkBatch checks a Batch's invariants: the rounds cover the rows in
// order, no round repeats a key or exceeds MaxBatch, the Go slices agree
// with the record, and each key's slots rise by one interval (or reset).
func checkBatch(t *testing.T, w *Windows[struct{}], b *Batch) {
	t.Helper()
	n := b.Len()
	if int(b.Record.NumRows()) != n || len(b.Resets) != n || len(b.Filled) != n || len(b.Ready) != n ||
		len(b.Offsets) != n || len(b.Steps) != n {
		t.Fatalf("batch lengths disagree: record %d rows, keys %d", b.Record.NumRows(), n)
	}
	if !b.Record.Schema().Equal(w.Schema()) {
		t.Fatalf("record schema %v, want %v", b.Record.Schema(), w.Schema())
	}
	next := 0
	keys := b.Record.Column(ColKey).(*array.Dictionary)
	dict := keys.Dictionary().(*array.String)
	lastTs := map[string]arrow.Timestamp{}
	for _, r := range b.Rounds {
		if r[0] != next || r[1] <= r[0] || r[1]-r[0] > w.cfg.MaxBatch {
			t.Fatalf("rounds %v do not tile %d rows in pieces of at most %d", b.Rounds, n, w.cfg.MaxBatch)
		}
		seen := map[string]bool{}
		for i := r[0]; i < r[1]; i++ {
			k := b.Keys[i]
			if got := dict.Value(keys.GetValueIndex(i)); got != k {
				t.Fatalf("row %d: record key %q, Keys %q", i, got, k)
			}
			if seen[k] {
				t.Fatalf("round %v has key %q twice", r, k)
			}
			seen[k] = true
			ts := b.Times()[i]
			if last, ok := lastTs[k]; ok && !b.Resets[i] && ts != last+arrow.Timestamp(w.intervalMs) {
				t.Fatalf("row %d: key %q steps from %d to %d without a reset", i, k, last, ts)
			}
			lastTs[k] = ts
		}
		next = r[1]
	}
	if next != n {
		t.Fatalf("rounds %v cover %d of %d rows", b.Rounds, next, n)
	}
}

// add adds readings and renders each result: "ok" or the reject reason.
func add(t *testing.T, w *Windows[struct{}], rs ...*record.Reading) string {
	t.Helper()
	var out []string
	for _, r := range rs {
		err := w.Add(r)
		if err == nil {
			out = append(out, "ok")
			continue
		}
		var re *record.RejectError
		if !errors.As(err, &re) {
			t.Fatalf("Add(%+v) = %v, want a *record.RejectError", r, err)
		}
		out = append(out, string(re.Reason))
	}
	return strings.Join(out, " ")
}

func TestInOrderFillsRing(t *testing.T) {
	w := newWindows(t, hourly(3, 1))
	if got := add(t, w, reading("a", 0, 0, 10, 1), reading("a", 1, 0, 11, 2), reading("a", 2, 59, 12, 3), reading("a", 3, 0, 13, 4)); got != "ok ok ok ok" {
		t.Fatalf("Add = %s", got)
	}
	want := "round 0 a h0 values [1] window [0 0 1] off 10 steps 1 reset\n" +
		"round 1 a h1 values [2] window [0 1 2] off 11 steps 2\n" +
		"round 2 a h2 values [3] window [1 2 3] off 12 steps 3 ready\n" +
		"round 3 a h3 values [4] window [2 3 4] off 13 steps 4 ready\n"
	if got := flush(t, w); got != want {
		t.Fatalf("Flush:\n%s\nwant:\n%s", got, want)
	}
	if got := flush(t, w); got != "" {
		t.Fatalf("second Flush = %q, want no batch", got)
	}
	if _, ok := w.MinHeldOffset(); ok || w.Held() != 0 {
		t.Fatalf("readings held with no lateness: %d", w.Held())
	}
}

func TestDuplicateAndLate(t *testing.T) {
	tests := []struct {
		name     string
		lateness time.Duration
		maxGap   int
		readings []*record.Reading
		want     string
	}{
		{"same slot", 0, 0, []*record.Reading{reading("a", 1, 0, 1, 1), reading("a", 1, 30, 2, 1)}, "ok duplicate"},
		{"same time", 0, 0, []*record.Reading{reading("a", 1, 0, 1, 1), reading("a", 1, 0, 2, 1)}, "ok duplicate"},
		{"older slot", 0, 0, []*record.Reading{reading("a", 1, 0, 1, 1), reading("a", 0, 59, 2, 1)}, "ok late"},
		{"filled slot is late", 0, 3, []*record.Reading{reading("a", 1, 0, 1, 1), reading("a", 3, 0, 2, 1), reading("a", 2, 0, 3, 1)}, "ok ok late"},
		{"read slot behind a fill is duplicate", 0, 3, []*record.Reading{reading("a", 1, 0, 1, 1), reading("a", 3, 0, 2, 1), reading("a", 1, 10, 3, 1)}, "ok ok duplicate"},
		{"read slot before a reset is duplicate", 0, 0, []*record.Reading{reading("a", 1, 0, 1, 1), reading("a", 5, 0, 2, 1), reading("a", 1, 0, 3, 1)}, "ok ok duplicate"},
		{"unread slot before a reset is late", 0, 0, []*record.Reading{reading("a", 1, 0, 1, 1), reading("a", 5, 0, 2, 1), reading("a", 3, 0, 3, 1)}, "ok ok late"},
		{"read slot 64 slots back is late", 0, 0, []*record.Reading{reading("a", 1, 0, 1, 1), reading("a", 65, 0, 2, 1), reading("a", 1, 0, 3, 1)}, "ok ok late"},
		{"held slot is duplicate", 2 * time.Hour, 0, []*record.Reading{reading("a", 1, 0, 1, 1), reading("a", 1, 5, 2, 1)}, "ok duplicate"},
		{"within lateness is accepted", 2 * time.Hour, 0, []*record.Reading{reading("a", 3, 0, 1, 1), reading("a", 1, 0, 2, 1)}, "ok ok"},
		{"beyond lateness is late", time.Hour, 0, []*record.Reading{reading("a", 1, 0, 1, 1), reading("a", 3, 0, 2, 1), reading("a", 0, 30, 3, 1)}, "ok ok late"},
		{"other keys are independent", 0, 0, []*record.Reading{reading("a", 1, 0, 1, 1), reading("b", 0, 0, 2, 1), reading("b", 1, 0, 3, 1)}, "ok ok ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := hourly(2, 1)
			cfg.AllowedLateness, cfg.MaxGap = tt.lateness, tt.maxGap
			w := newWindows(t, cfg)
			if got := add(t, w, tt.readings...); got != tt.want {
				t.Fatalf("Add results %q, want %q", got, tt.want)
			}
			flush(t, w)
		})
	}
}

func TestRejectsInvalidReadings(t *testing.T) {
	tests := []struct {
		name string
		r    *record.Reading
		want record.Reason
	}{
		{"too few values", reading("a", 0, 0, 1), record.ReasonInvalidValue},
		{"too many values", reading("a", 0, 0, 1, 1, 2, 3), record.ReasonInvalidValue},
		{"NaN", reading("a", 0, 0, 1, 1, math.NaN()), record.ReasonInvalidValue},
		{"Inf", reading("a", 0, 0, 1, math.Inf(-1), 1), record.ReasonInvalidValue},
		{"float32 overflow", reading("a", 0, 0, 1, 1e39, 1), record.ReasonInvalidValue},
		{"empty key", &record.Reading{Time: t0, Values: []float64{1, 2}}, record.ReasonInvalidKey},
		{"year 0", &record.Reading{Key: "a", Time: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), Values: []float64{1, 2}}, record.ReasonInvalidTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWindows(t, hourly(2, 2))
			if got := add(t, w, tt.r); got != string(tt.want) {
				t.Fatalf("Add = %s, want %s", got, tt.want)
			}
			if w.Len() != 0 || w.Pending() != 0 {
				t.Fatalf("a rejected reading left %d keys, %d rows", w.Len(), w.Pending())
			}
		})
	}
}

func TestGapFillAndReset(t *testing.T) {
	tests := []struct {
		name   string
		fill   string
		maxGap int
		want   string
	}{
		{"hold", FillHold, 3, "round 0 a h0 values [1 10] window [0 0 0 0 1 10] off 1 steps 1 reset\n" +
			"round 1 a h1 values [1 10] window [0 0 1 10 1 10] off 2 steps 2 filled\n" +
			"round 2 a h2 values [1 10] window [1 10 1 10 1 10] off 2 steps 3 filled ready\n" +
			"round 3 a h3 values [4 40] window [1 10 1 10 4 40] off 2 steps 4 ready\n"},
		{"linear", FillLinear, 2, "round 0 a h0 values [1 10] window [0 0 0 0 1 10] off 1 steps 1 reset\n" +
			"round 1 a h1 values [2 20] window [0 0 1 10 2 20] off 2 steps 2 filled\n" +
			"round 2 a h2 values [3 30] window [1 10 2 20 3 30] off 2 steps 3 filled ready\n" +
			"round 3 a h3 values [4 40] window [2 20 3 30 4 40] off 2 steps 4 ready\n"},
		{"gap beyond max resets", FillLinear, 1, "round 0 a h0 values [1 10] window [0 0 0 0 1 10] off 1 steps 1 reset\n" +
			"round 1 a h3 values [4 40] window [0 0 0 0 4 40] off 2 steps 1 reset\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := hourly(3, 2)
			cfg.Fill, cfg.MaxGap = tt.fill, tt.maxGap
			w := newWindows(t, cfg)
			if got := add(t, w, reading("a", 0, 0, 1, 1, 10), reading("a", 3, 0, 2, 4, 40)); got != "ok ok" {
				t.Fatalf("Add = %s", got)
			}
			if got := flush(t, w); got != tt.want {
				t.Fatalf("Flush:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestLatenessReorders feeds readings out of order within the allowed
// lateness and checks they are applied in slot order as the watermark
// passes them.
func TestLatenessReorders(t *testing.T) {
	cfg := hourly(2, 1)
	cfg.AllowedLateness, cfg.MaxGap = 2*time.Hour, 4
	w := newWindows(t, cfg)
	steps := []struct {
		r           *record.Reading
		wantPending int // rows ready after the Add
	}{
		{reading("a", 1, 0, 1, 1), 0},  // held; watermark h-1
		{reading("a", 3, 0, 2, 3), 1},  // watermark h1: applies h1
		{reading("a", 2, 0, 3, 2), 1},  // held (h2 > watermark h1)
		{reading("a", 4, 30, 4, 4), 2}, // watermark h2:30: applies h2
		{reading("a", 5, 0, 5, 5), 3},  // watermark h3: applies h3
	}
	for i, s := range steps {
		if err := w.Add(s.r); err != nil {
			t.Fatalf("Add #%d: %v", i, err)
		}
		if got := w.Pending(); got != s.wantPending {
			t.Fatalf("after Add #%d Pending = %d, want %d", i, got, s.wantPending)
		}
	}
	if got := w.Held(); got != 2 {
		t.Fatalf("Held = %d, want 2 (h4, h5)", got)
	}
	if off, ok := w.MinHeldOffset(); !ok || off != 4 {
		t.Fatalf("MinHeldOffset = %d, %v; want 4, true", off, ok)
	}
	want := "round 0 a h1 values [1] window [0 1] off 1 steps 1 reset\n" +
		"round 1 a h2 values [2] window [1 2] off 3 steps 2 ready\n" +
		"round 2 a h3 values [3] window [2 3] off 2 steps 3 ready\n"
	if got := flush(t, w); got != want {
		t.Fatalf("Flush:\n%s\nwant:\n%s", got, want)
	}
}

func TestRoundsSplitKeysAndMaxBatch(t *testing.T) {
	cfg := hourly(1, 1)
	cfg.MaxGap, cfg.MaxBatch = 5, 2
	w := newWindows(t, cfg)
	rs := []*record.Reading{
		reading("a", 0, 0, 1, 1), reading("b", 0, 0, 2, 1), reading("c", 0, 0, 3, 1),
		reading("a", 3, 0, 4, 4), reading("b", 1, 0, 5, 2),
	}
	if got := add(t, w, rs...); got != "ok ok ok ok ok" {
		t.Fatalf("Add = %s", got)
	}
	b, err := w.Flush()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	checkBatch(t, w, b)
	wantRounds := [][2]int{{0, 2}, {2, 3}, {3, 5}, {5, 6}, {6, 7}}
	wantKeys := "a b c a b a a"
	if fmt.Sprint(b.Rounds) != fmt.Sprint(wantRounds) || strings.Join(b.Keys, " ") != wantKeys {
		t.Fatalf("rounds %v keys %v, want %v %v", b.Rounds, b.Keys, wantRounds, wantKeys)
	}
}

func TestForget(t *testing.T) {
	w := newWindows(t, hourly(2, 1))
	add(t, w, reading("a", 0, 0, 1, 1), reading("b", 0, 0, 2, 1), reading("a", 1, 0, 3, 2))
	w.Forget("a")
	w.Forget("nobody")
	if w.Len() != 1 {
		t.Fatalf("Len = %d after Forget, want 1", w.Len())
	}
	if got := add(t, w, reading("a", 1, 0, 4, 5)); got != "ok" {
		t.Fatalf("Add after Forget = %s, want ok (a fresh key)", got)
	}
	want := "round 0 a h0 values [1] window [0 1] off 1 steps 1 reset\n" +
		"round 0 b h0 values [1] window [0 1] off 2 steps 1 reset\n" +
		"round 1 a h1 values [2] window [1 2] off 3 steps 2 ready\n" +
		"round 2 a h1 values [5] window [0 5] off 4 steps 1 reset\n"
	if got := flush(t, w); got != want {
		t.Fatalf("Flush:\n%s\nwant:\n%s", got, want)
	}
	add(t, w, reading("a", 2, 0, 5, 6))
	want = "round 0 a h2 values [6] window [5 6] off 5 steps 2 ready\n"
	if got := flush(t, w); got != want {
		t.Fatalf("Flush after Forget:\n%s\nwant:\n%s", got, want)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := hourly(4, 2)
	tests := []struct {
		name   string
		change func(*Config)
	}{
		{"zero interval", func(c *Config) { c.Interval = 0 }},
		{"sub-millisecond interval", func(c *Config) { c.Interval = 1500 * time.Microsecond }},
		{"zero window", func(c *Config) { c.Window = 0 }},
		{"zero features", func(c *Config) { c.Features = 0 }},
		{"negative lateness", func(c *Config) { c.AllowedLateness = -time.Second }},
		{"huge lateness", func(c *Config) { c.AllowedLateness = 5000 * time.Hour }},
		{"negative gap", func(c *Config) { c.MaxGap = -1 }},
		{"unknown fill", func(c *Config) { c.Fill = "zero" }},
		{"negative batch", func(c *Config) { c.MaxBatch = -1 }},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v", ok, err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.change(&c)
			if _, err := New[struct{}](c, memory.NewGoAllocator()); err == nil {
				t.Fatalf("New(%+v) = nil error", c)
			}
		})
	}
	if _, err := New[struct{}](ok, nil); err == nil {
		t.Fatal("New with a nil allocator = nil error")
	}
}

// checkGolden compares got with testdata/name, or rewrites it under -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update and review the diff):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestAddDoesNotAllocate checks the steady state of Add: a known key's
// reading, its gap fill and its row allocate nothing once the row queue
// has grown.
func TestAddDoesNotAllocate(t *testing.T) {
	cfg := hourly(24, 2)
	cfg.MaxGap = 2
	w := newWindows(t, cfg)
	r := reading("a", 0, 0, 0, 1, 2)
	hour := 0
	next := func() {
		hour += 1 + hour%2 // alternately no gap and a one-slot gap
		r.Time = t0.Add(time.Duration(hour) * time.Hour)
		if err := w.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	for range 200 {
		next()
	}
	flush(t, w)
	if n := testing.AllocsPerRun(100, next); n != 0 {
		t.Fatalf("Add allocates %v times per reading, want 0", n)
	}
}
