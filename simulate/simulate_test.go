package simulate

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/rnncast/rnncast/record"
)

func mustNew(t *testing.T, cfg Config) *Generator {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return g
}

func take(g *Generator, n int) []Record {
	out := make([]Record, n)
	for i := range out {
		out[i] = g.Next()
	}
	return out
}

func TestDeterministic(t *testing.T) {
	f := func(name string, a, b Config, wantSame bool) {
		t.Helper()
		ra, rb := take(mustNew(t, a), 2000), take(mustNew(t, b), 2000)
		same := true
		for i := range ra {
			if !bytes.Equal(ra[i].Key, rb[i].Key) || !bytes.Equal(ra[i].Value, rb[i].Value) || !ra[i].Time.Equal(rb[i].Time) {
				same = false
				break
			}
		}
		if same != wantSame {
			t.Errorf("%s: same records = %v, want %v", name, same, wantSame)
		}
	}
	f("same seed", DefaultConfig(20, 7), DefaultConfig(20, 7), true)
	f("same seed csv", withFormat(DefaultConfig(5, 3), "csv"), withFormat(DefaultConfig(5, 3), "csv"), true)
	f("other seed", DefaultConfig(20, 7), DefaultConfig(20, 8), false)
}

func withFormat(c Config, format string) Config { c.Format = format; return c }

func TestGridAndOrder(t *testing.T) {
	cfg := DefaultConfig(10, 1)
	cfg.Interval = 15 * time.Minute
	g := mustNew(t, cfg)
	start := g.Config().Start
	prevTick, prevSensor := int64(-1), -1
	for _, r := range take(g, 5000) {
		d := r.Time.Sub(start)
		if d%cfg.Interval != 0 {
			t.Fatalf("event time %v is %v after start, not a multiple of %v", r.Time, d, cfg.Interval)
		}
		tick := int64(d / cfg.Interval)
		if tick < prevTick || (tick == prevTick && r.Sensor <= prevSensor) {
			t.Fatalf("record (tick %d, sensor %d) after (tick %d, sensor %d)", tick, r.Sensor, prevTick, prevSensor)
		}
		prevTick, prevSensor = tick, r.Sensor
	}
}

func TestRecordsDecode(t *testing.T) {
	f := func(format string) {
		t.Helper()
		cfg := DefaultConfig(30, 11)
		cfg.Format, cfg.MalformedRate = format, 0.05
		dec, err := record.NewDecoder(record.DecoderConfig{Format: format, Features: 1})
		if err != nil {
			t.Fatal(err)
		}
		g := mustNew(t, cfg)
		var good, bad int
		for _, r := range take(g, 6000) {
			var rd record.Reading
			err := dec.Decode(r.Key, r.Value, time.Time{}, &rd)
			if r.Malformed {
				bad++
				if _, ok := record.ReasonOf(err); !ok {
					t.Errorf("%s: malformed record %q=%q decoded (err %v), want a rejection", format, r.Key, r.Value, err)
				}
				continue
			}
			good++
			if err != nil {
				t.Fatalf("%s: record %q=%q: %v", format, r.Key, r.Value, err)
			}
			want := g.Signal(r.Sensor, r.Time)
			if !rd.Time.Equal(r.Time) || math.Abs(rd.Values[0]-want) > 10 {
				t.Errorf("%s: decoded %v %v, want time %v and a value near %v", format, rd.Time, rd.Values, r.Time, want)
			}
		}
		if bad == 0 || good < 10*bad {
			t.Errorf("%s: %d good and %d malformed records, want a few malformed", format, good, bad)
		}
	}
	f("json")
	f("csv")
}

func TestGaps(t *testing.T) {
	f := func(gapRate float64, wantGaps bool) {
		t.Helper()
		cfg := DefaultConfig(8, 5)
		cfg.GapRate = gapRate
		g := mustNew(t, cfg)
		per := make([]int, cfg.Sensors)
		for g.Tick() < 500 {
			per[g.Next().Sensor]++
		}
		for i, n := range per {
			// The loop stops at the first record of tick 500, so sensors
			// may hold that one extra record.
			if n < 400 || n > 501 {
				t.Errorf("gap rate %v: sensor %d reported %d times in 500 ticks", gapRate, i, n)
			}
			if !wantGaps && n < 500 {
				t.Errorf("gap rate %v: sensor %d reported %d times, want no gaps", gapRate, i, n)
			}
		}
		total := 0
		for _, n := range per {
			total += n
		}
		if gotGaps := total < 500*cfg.Sensors; gotGaps != wantGaps {
			t.Errorf("gap rate %v: %d records over %d sensors × 500 ticks, want gaps %v", gapRate, total, cfg.Sensors, wantGaps)
		}
	}
	f(0, false)
	f(0.02, true)
}

func TestSeasonality(t *testing.T) {
	f := func(name string, weekly float64, lag time.Duration, wantPeriodic bool) {
		t.Helper()
		cfg := DefaultConfig(3, 9)
		cfg.Trend, cfg.WeeklyAmp = 0, weekly
		g := mustNew(t, cfg)
		t0 := g.Config().Start.Add(5 * time.Hour)
		for i := range cfg.Sensors {
			a, b := g.Signal(i, t0), g.Signal(i, t0.Add(lag))
			if periodic := math.Abs(a-b) < 1e-9; periodic != wantPeriodic {
				t.Errorf("%s: sensor %d: signal %v then %v after %v, want periodic %v", name, i, a, b, lag, wantPeriodic)
			}
		}
		if a, b := g.Signal(0, t0), g.Signal(0, t0.Add(12*time.Hour)); math.Abs(a-b) < 1e-6 {
			t.Errorf("%s: signal equal half a day apart (%v): no daily cycle", name, a)
		}
	}
	f("daily only, one day", 0, 24*time.Hour, true)
	f("weekly, one day", 2, 24*time.Hour, false)
	f("weekly, one week", 2, 7*24*time.Hour, true)
}

func TestValidate(t *testing.T) {
	f := func(change func(*Config), want string) {
		t.Helper()
		cfg := DefaultConfig(4, 1)
		change(&cfg)
		_, err := New(cfg)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New = %v, want an error containing %q", err, want)
		}
	}
	f(func(c *Config) { c.Sensors = 0 }, "sensors")
	f(func(c *Config) { c.Interval = -time.Second }, "interval")
	f(func(c *Config) { c.Format = "xml" }, "format")
	f(func(c *Config) { c.GapRate = 1 }, "rates")
	f(func(c *Config) { c.MalformedRate = -0.1 }, "rates")
	f(func(c *Config) { c.Noise = -1 }, "noise")
	f(func(c *Config) { c.MaxGapTicks = -2 }, "max gap")
	f(func(c *Config) { c.Spread = 1 }, "spread")
	f(func(c *Config) { c.LevelSpread = -1 }, "spreads")
}
