package window

import (
	"fmt"
	"time"
)

// Fill policies for gaps of at most MaxGap missing slots.
const (
	FillHold   = "hold"   // repeat the last applied value
	FillLinear = "linear" // interpolate between the last applied value and the new reading
)

// maxHeldSlots bounds AllowedLateness in slots, and so each key's reorder
// buffer.
const maxHeldSlots = 4096

// Config configures Windows. Interval, Window and Features are required;
// other zero fields take their documented defaults.
type Config struct {
	// Interval is the grid step: a reading's slot is its event time
	// truncated to a multiple of Interval since the Unix epoch. Required;
	// a whole number of milliseconds.
	Interval time.Duration
	// Window is W, the number of steps the ring keeps per key. Required.
	Window int
	// Features is the number of values per reading. Required.
	Features int
	// AllowedLateness holds readings in a per-key reorder buffer until the
	// key's watermark (its latest event time minus AllowedLateness) reaches
	// their slot, so readings up to this much out of order are applied in
	// slot order. Default 0: readings apply at once. At most 4096
	// intervals.
	AllowedLateness time.Duration
	// MaxGap is the number of missing slots a gap may have and still be
	// filled by Fill; a longer gap resets the key. Default 0: every gap
	// resets.
	MaxGap int
	// Fill is the gap policy, "hold" (default) or "linear".
	Fill string
	// MaxBatch bounds the rows of one round of a Batch (the model's batch
	// size). Default 1024.
	MaxBatch int
}

func (c Config) withDefaults() Config {
	if c.Fill == "" {
		c.Fill = FillHold
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = 1024
	}
	return c
}

// Validate reports whether the configuration (after defaults) is usable.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Interval < time.Millisecond || c.Interval%time.Millisecond != 0:
		return fmt.Errorf("window: interval %v is not a positive whole number of milliseconds", c.Interval)
	case c.Window < 1 || c.Features < 1:
		return fmt.Errorf("window: window (%d) and features (%d) must be at least 1", c.Window, c.Features)
	case c.AllowedLateness < 0 || c.AllowedLateness > maxHeldSlots*c.Interval:
		return fmt.Errorf("window: allowed lateness %v is outside [0, %d intervals]", c.AllowedLateness, maxHeldSlots)
	case c.MaxGap < 0:
		return fmt.Errorf("window: max gap %d is negative", c.MaxGap)
	case c.Fill != FillHold && c.Fill != FillLinear:
		return fmt.Errorf("window: unknown fill policy %q (want hold or linear)", c.Fill)
	case c.MaxBatch < 1:
		return fmt.Errorf("window: max batch %d is not positive", c.MaxBatch)
	}
	return nil
}
