package main

import (
	"strings"
	"testing"
	"time"

	"github.com/rnncast/rnncast/config"
	"github.com/rnncast/rnncast/record"
)

// TestPipelineConfigTimes: input.time_unit, input.min_time and
// input.max_time reach the decoder, and the default config's decoder tells
// a sensor sending epoch seconds which setting to change.
func TestPipelineConfigTimes(t *testing.T) {
	decoder := func(yaml string) *record.Decoder {
		t.Helper()
		c, err := config.Parse([]byte(yaml))
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			t.Fatalf("config %q: %v", yaml, err)
		}
		dc := pipelineConfig(c).Decoder
		dc.Features = 1
		d, err := record.NewDecoder(dc)
		if err != nil {
			t.Fatalf("config %q: NewDecoder: %v", yaml, err)
		}
		return d
	}
	var r record.Reading
	value := []byte(`{"ts":1767225600,"value":1}`)
	err := decoder("").Decode([]byte("s"), value, time.Time{}, &r)
	if reason, _ := record.ReasonOf(err); reason != record.ReasonInvalidTime || !strings.Contains(err.Error(), "set input.time_unit: s") {
		t.Errorf("default config: Decode(%s) = %v, want invalid-time naming input.time_unit: s", value, err)
	}
	d := decoder("input:\n  time_unit: s\n  min_time: 1850-01-01T00:00:00Z\n  max_time: 2100-01-01T00:00:00Z\n")
	cfg := d.Config()
	if cfg.TimeUnit != record.UnitSeconds || !cfg.MinTime.Equal(time.Date(1850, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		!cfg.MaxTime.Equal(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("decoder config %+v, want unit s and bounds 1850, 2100", cfg)
	}
	if err := d.Decode([]byte("s"), value, time.Time{}, &r); err != nil || !r.Time.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("time_unit s: Decode(%s) = %v, %v; want 2026-01-01", value, r.Time, err)
	}
}
