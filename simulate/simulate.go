package simulate

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// Config configures a Generator. The zero value of a field selects its
// documented default, except the rates and amplitudes, for which 0 is a
// meaningful choice; DefaultConfig fills those in.
type Config struct {
	// Sensors is how many sensors report. Required, at least 1.
	Sensors int
	// Seed makes the run reproducible.
	Seed uint64
	// Start is the event time of the first tick. Default 2026-01-01T00:00Z.
	Start time.Time
	// Interval is the event-time step between ticks. Default 1h.
	Interval time.Duration
	// Format is "json" (default) or "csv", rnncast's input codecs.
	Format string
	// KeyPrefix names sensors KeyPrefix+"0000", KeyPrefix+"0001", ...
	// Default "sensor-".
	KeyPrefix string

	// Level is the sensors' mean level and LevelSpread the standard
	// deviation of each sensor's own level around it.
	Level, LevelSpread float64
	// DailyAmp and WeeklyAmp are the amplitudes of the 24 h and 7 d cycles;
	// Trend is the drift per day; Noise the standard deviation of the
	// Gaussian noise. Each sensor scales them by its own factor in
	// [1-Spread, 1+Spread) and shifts the cycles by its own phase; the
	// trend's sign is the sensor's too.
	DailyAmp, WeeklyAmp, Trend, Noise float64
	// Spread is the relative spread of the sensors' amplitudes, in [0, 1).
	Spread float64
	// GapRate is the probability that a sensor falls silent at a tick; the
	// gap lasts 1 to MaxGapTicks ticks.
	GapRate float64
	// MaxGapTicks bounds a gap's length. Default 6.
	MaxGapTicks int
	// MalformedRate is the probability that a record is malformed (bad
	// JSON, a non-numeric value, an empty key or no timestamp) instead of
	// carrying its reading.
	MalformedRate float64
}

// DefaultConfig returns the demo's signal for n sensors, shaped like the
// series the bundled demo model was trained on (models/gen): levels around
// 20, a daily cycle of amplitude about 5 and a weekly one of about 1.5, each
// sensor with its own phase, a slow trend, modest noise, 0.2% gap starts and
// 0.2% malformed records.
func DefaultConfig(n int, seed uint64) Config {
	return Config{
		Sensors: n, Seed: seed,
		Level: 20, LevelSpread: 0.5, Spread: 0.1,
		DailyAmp: 5, WeeklyAmp: 1.5, Trend: 0.005, Noise: 0.4,
		GapRate: 0.002, MalformedRate: 0.002,
	}
}

func (c Config) withDefaults() Config {
	if c.Start.IsZero() {
		c.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if c.Interval == 0 {
		c.Interval = time.Hour
	}
	if c.Format == "" {
		c.Format = "json"
	}
	if c.KeyPrefix == "" {
		c.KeyPrefix = "sensor-"
	}
	if c.MaxGapTicks == 0 {
		c.MaxGapTicks = 6
	}
	return c
}

// Validate reports the first problem of a Config whose defaults are applied.
func (c Config) Validate() error {
	switch {
	case c.Sensors < 1:
		return fmt.Errorf("simulate: invalid config: sensors must be at least 1, got %d", c.Sensors)
	case c.Interval <= 0:
		return fmt.Errorf("simulate: invalid config: interval must be positive, got %v", c.Interval)
	case c.Format != "json" && c.Format != "csv":
		return fmt.Errorf("simulate: invalid config: format %q is neither json nor csv", c.Format)
	case c.GapRate < 0 || c.GapRate >= 1 || c.MalformedRate < 0 || c.MalformedRate >= 1:
		return errors.New("simulate: invalid config: rates must be in [0, 1)")
	case c.MaxGapTicks < 1:
		return fmt.Errorf("simulate: invalid config: max gap must be at least 1 tick, got %d", c.MaxGapTicks)
	case c.DailyAmp < 0 || c.WeeklyAmp < 0 || c.Noise < 0 || c.LevelSpread < 0:
		return errors.New("simulate: invalid config: amplitudes, noise and spreads must not be negative")
	case c.Spread < 0 || c.Spread >= 1:
		return fmt.Errorf("simulate: invalid config: spread must be in [0, 1), got %v", c.Spread)
	}
	return nil
}

// Record is one generated Kafka record. Key aliases the Generator's memory
// and must not be modified; Value is the caller's.
type Record struct {
	Key, Value []byte
	// Time is the reading's event time (also the one encoded in Value).
	Time time.Time
	// Sensor is the sensor's index, 0..Sensors-1.
	Sensor int
	// Malformed reports that Value (or Key) is deliberately invalid.
	Malformed bool
}

// sensor is one sensor's fixed parameters and gap state.
type sensor struct {
	key                   []byte
	base, daily, weekly   float64
	trend, noise          float64
	dailyPhase, weekPhase float64
	silentUntil           int64 // first tick at which the sensor reports again
}

// Generator yields records tick by tick: at each tick every sensor that is
// not in a gap reports once, in sensor order.
type Generator struct {
	cfg     Config
	rng     *rand.Rand
	sensors []sensor
	tick    int64 // current tick
	next    int   // next sensor to visit in the current tick
}

// New returns a Generator for cfg.
func New(cfg Config) (*Generator, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := &Generator{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x726e6e63617374))}
	g.sensors = make([]sensor, cfg.Sensors)
	for i := range g.sensors {
		g.sensors[i] = g.newSensor(i)
	}
	return g, nil
}

func (g *Generator) newSensor(i int) sensor {
	scale := func() float64 { return 1 + g.cfg.Spread*(2*g.rng.Float64()-1) }
	return sensor{
		key:        fmt.Appendf(nil, "%s%04d", g.cfg.KeyPrefix, i),
		base:       g.cfg.Level + g.cfg.LevelSpread*g.rng.NormFloat64(),
		daily:      g.cfg.DailyAmp * scale(),
		weekly:     g.cfg.WeeklyAmp * scale(),
		trend:      g.cfg.Trend * (2*g.rng.Float64() - 1),
		noise:      g.cfg.Noise * scale(),
		dailyPhase: 2 * math.Pi * g.rng.Float64(),
		weekPhase:  2 * math.Pi * g.rng.Float64(),
	}
}

// Config returns the configuration with its defaults applied.
func (g *Generator) Config() Config { return g.cfg }

// Tick returns the index of the tick the next record belongs to; its event
// time is Start + Tick·Interval.
func (g *Generator) Tick() int64 { return g.tick }

// TickTime returns the event time of tick k.
func (g *Generator) TickTime(k int64) time.Time {
	return g.cfg.Start.Add(time.Duration(k) * g.cfg.Interval)
}

// Signal returns sensor i's noise-free value at event time t.
func (g *Generator) Signal(i int, t time.Time) float64 {
	s := &g.sensors[i]
	days := t.Sub(g.cfg.Start).Hours() / 24
	return s.base + s.trend*days +
		s.daily*math.Sin(2*math.Pi*days+s.dailyPhase) +
		s.weekly*math.Sin(2*math.Pi*days/7+s.weekPhase)
}

// Next returns the next record. It always returns one: sensors in a gap are
// passed over, and when a whole tick is silent the next tick follows.
func (g *Generator) Next() Record {
	for {
		if g.next == len(g.sensors) {
			g.next = 0
			g.tick++
		}
		i := g.next
		g.next++
		if r, ok := g.visit(i); ok {
			return r
		}
	}
}

// visit decides what sensor i does at the current tick.
func (g *Generator) visit(i int) (Record, bool) {
	s := &g.sensors[i]
	if g.tick < s.silentUntil {
		return Record{}, false
	}
	if g.cfg.GapRate > 0 && g.rng.Float64() < g.cfg.GapRate {
		s.silentUntil = g.tick + 1 + int64(g.rng.IntN(g.cfg.MaxGapTicks))
		return Record{}, false
	}
	t := g.TickTime(g.tick)
	v := g.Signal(i, t) + s.noise*g.rng.NormFloat64()
	r := Record{Key: s.key, Time: t, Sensor: i}
	if g.cfg.MalformedRate > 0 && g.rng.Float64() < g.cfg.MalformedRate {
		r.Key, r.Value = g.malformed(s.key, t)
		r.Malformed = true
		return r, true
	}
	r.Value = g.encode(t, v)
	return r, true
}

func (g *Generator) encode(t time.Time, v float64) []byte {
	if g.cfg.Format == "csv" {
		b := t.AppendFormat(nil, time.RFC3339)
		b = append(b, ',')
		return strconv.AppendFloat(b, v, 'g', 8, 64)
	}
	b := append([]byte(`{"ts":"`), t.Format(time.RFC3339)...)
	b = append(b, `","value":`...)
	b = strconv.AppendFloat(b, v, 'g', 8, 64)
	return append(b, '}')
}

// malformed returns one of four deliberately bad records.
func (g *Generator) malformed(key []byte, t time.Time) (k, v []byte) {
	ts := t.Format(time.RFC3339)
	switch g.rng.IntN(4) {
	case 0: // truncated
		return key, fmt.Appendf(nil, `{"ts":"%s","val`, ts)
	case 1: // not a number
		if g.cfg.Format == "csv" {
			return key, fmt.Appendf(nil, "%s,warm", ts)
		}
		return key, fmt.Appendf(nil, `{"ts":"%s","value":"warm"}`, ts)
	case 2: // no key
		return nil, g.encode(t, 1)
	default: // no timestamp
		if g.cfg.Format == "csv" {
			return key, []byte(",1.5")
		}
		return key, []byte(`{"value":1.5}`)
	}
}
