package record

import (
	"strings"
	"testing"
	"time"
)

var newYear = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // 1767225600 s

// decodeBoth decodes ts in both codecs, as a JSON number or string and as
// a CSV field, and checks that they agree. It returns the reading's time
// or the rejection.
func decodeBoth(t *testing.T, cfg DecoderConfig, ts string, recordTime time.Time) (time.Time, error) {
	t.Helper()
	cfg.Features = 1
	jsonTS := ts
	if strings.Contains(ts, ":") { // RFC 3339, a JSON string
		jsonTS = `"` + ts + `"`
	}
	value := `{"ts":` + jsonTS + `,"value":1}`
	if ts == "" {
		value = `{"value":1}`
	}
	var rj, rc Reading
	errJ := newDecoder(t, cfg).Decode([]byte("k"), []byte(value), recordTime, &rj)
	cfg.Format = FormatCSV
	errC := newDecoder(t, cfg).Decode([]byte("k"), []byte(ts+",1"), recordTime, &rc)
	switch {
	case (errJ == nil) != (errC == nil):
		t.Fatalf("ts %s: json %v, csv %v: the codecs disagree", ts, errJ, errC)
	case errJ == nil && !rj.Time.Equal(rc.Time):
		t.Fatalf("ts %s: json %v, csv %v: the codecs disagree", ts, rj.Time, rc.Time)
	case errJ != nil && errJ.Error() != errC.Error():
		t.Fatalf("ts %s: json %q, csv %q: the codecs' errors differ", ts, errJ, errC)
	}
	return rj.Time, errJ
}

func TestTimeUnits(t *testing.T) {
	wide := DecoderConfig{MinTime: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), MaxTime: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)}
	f := func(cfg DecoderConfig, unit, ts string, want time.Time) {
		t.Helper()
		cfg.TimeUnit = unit
		got, err := decodeBoth(t, cfg, ts, time.Time{})
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Fatalf("unit %q, ts %s = %v, %v; want %v", unit, ts, got, err, want)
		}
	}
	def := DecoderConfig{}
	f(def, "", "1767225600000", newYear) // ms by default
	f(def, "ms", "1767225600000", newYear)
	f(def, "ms", "1767225600000.5", newYear.Add(500*time.Microsecond))
	f(def, "ms", "1767225600000.000001", newYear.Add(time.Nanosecond))
	f(def, "ms", "1.767225600001e12", newYear.Add(time.Millisecond))
	f(def, "ms", "1.767225600001E+12", newYear.Add(time.Millisecond))
	f(def, "s", "1767225600", newYear)
	f(def, "s", "1767225600.5", newYear.Add(500*time.Millisecond))
	f(def, "s", "1767225600.123456789", newYear.Add(123456789))
	f(def, "s", "1767225600.100000000000000000000000", newYear.Add(100*time.Millisecond)) // trailing zeros are exact
	f(def, "s", "1.7672256e9", newYear)
	f(def, "s", "17672256000e-1", newYear)
	f(def, "s", "0.0000000000000000000001767225600e31", newYear) // leading zeros are no significant digits
	f(def, "us", "1767225600000000", newYear)
	f(def, "us", "1767225600000000.001", newYear.Add(time.Nanosecond))
	f(def, "ns", "1767225600000000000", newYear)
	f(def, "ns", "1767225600123456789", newYear.Add(123456789)) // 19 digits: a float64 would round it
	f(def, "ns", "1767225600123456789.000", newYear.Add(123456789))
	// Beyond int64 nanoseconds (2262) and near the bounds of the years.
	f(wide, "ns", "9999999999999999999", time.Unix(9999999999, 999999999).UTC())
	f(wide, "s", "253402300799", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC))
	f(wide, "ms", "253402300799999", time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC))
	f(wide, "s", "-62135596800", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC))
	f(wide, "s", "-0", time.Unix(0, 0))
	f(wide, "ms", "0e999999999999999999999", time.Unix(0, 0))
	f(wide, "s", "-1.5", time.Unix(-2, 5e8))
	f(wide, "ms", "-1", time.Unix(0, -1e6))
	// RFC 3339, either case, and the record time, whatever the unit.
	f(def, "s", "2026-01-01T00:00:00Z", newYear)
	f(def, "ns", "2026-01-01t00:00:00z", newYear)
	f(def, "us", "2026-01-01t01:30:00.5+01:30", newYear.Add(500*time.Millisecond))
}

// TestTimeRejects checks the rejections of times and their hints; the
// messages are in testdata/time_rejects.golden.
func TestTimeRejects(t *testing.T) {
	y2025 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		cfg        DecoderConfig
		ts         string
		recordTime time.Time
		hint       string // the message must contain it
	}{
		{"seconds as ms", DecoderConfig{}, "1767225600", time.Time{},
			"ts 1767225600 read as milliseconds is 1970-01-21T10:53:45.6Z, before input.min_time 2000-01-01T00:00:00Z: is ts in seconds? set input.time_unit: s"},
		{"fractional seconds as ms", DecoderConfig{}, "1767225600.25", time.Time{}, "set input.time_unit: s"},
		{"us as ms", DecoderConfig{}, "1767225600000000", time.Time{}, "is after the year 9999, after input.max_time 2200-01-01T00:00:00Z: is ts in microseconds? set input.time_unit: us"},
		{"ns as ms", DecoderConfig{}, "1767225600000000000", time.Time{}, "set input.time_unit: ns"},
		{"ms as s", DecoderConfig{TimeUnit: "s"}, "1767225600000", time.Time{}, "read as seconds is after the year 9999"},
		{"ms as s hint", DecoderConfig{TimeUnit: "s"}, "1767225600000", time.Time{}, "is ts in milliseconds? set input.time_unit: ms"},
		{"ms as us", DecoderConfig{TimeUnit: "us"}, "1767225600000", time.Time{}, "1970-01-21T10:53:45.6Z, before input.min_time"},
		{"s as ns", DecoderConfig{TimeUnit: "ns"}, "1767225600", time.Time{}, "read as nanoseconds is 1970-01-01T00:00:01.7672256Z"},
		{"ms as ns", DecoderConfig{TimeUnit: "ns"}, "1767225600000", time.Time{}, "set input.time_unit: ms"},
		{"after max", DecoderConfig{MaxTime: y2025}, "1767225600000", time.Time{}, "is 2026-01-01T00:00:00Z, after input.max_time 2025-01-01T00:00:00Z: no input.time_unit"},
		{"fits no unit", DecoderConfig{}, "5", time.Time{}, "no input.time_unit (s, ms, us, ns) puts it between input.min_time and input.max_time"},
		{"negative", DecoderConfig{}, "-1767225600000", time.Time{}, "1914-01-01T00:00:00Z, before input.min_time"},
		{"before year 0", DecoderConfig{}, "-99999999999999999", time.Time{}, "is before the year 0000, before input.min_time"},
		{"huge exponent", DecoderConfig{}, "1e999999999999", time.Time{}, "after the year 9999"},
		{"tiny exponent", DecoderConfig{}, "1e-999999999999", time.Time{}, "not a whole number of nanoseconds"},
		{"half a nanosecond", DecoderConfig{TimeUnit: "ns"}, "1767225600000000000.5", time.Time{}, "more than 19 significant digits"},
		{"sub-nanosecond seconds", DecoderConfig{TimeUnit: "s"}, "1.0000000001", time.Time{}, "ts 1.0000000001 read as seconds is not a whole number of nanoseconds"},
		{"20 digits", DecoderConfig{TimeUnit: "ns"}, "17672256001234567891", time.Time{}, "more than 19 significant digits"},
		{"rfc3339 before min", DecoderConfig{}, "1999-12-31T23:59:59Z", time.Time{}, "ts 1999-12-31T23:59:59Z is before input.min_time 2000-01-01T00:00:00Z: lower input.min_time"},
		{"lower-case before min", DecoderConfig{}, "1999-12-31t23:59:59z", time.Time{}, "before input.min_time"},
		{"rfc3339 min by one ns", DecoderConfig{MinTime: newYear}, "2025-12-31T23:59:59.999999999Z", time.Time{}, "before input.min_time 2026-01-01T00:00:00Z"},
		{"rfc3339 after max", DecoderConfig{MaxTime: y2025}, "2026-01-01T00:00:00Z", time.Time{}, "ts 2026-01-01T00:00:00Z is after input.max_time 2025-01-01T00:00:00Z"},
		{"record time before min", DecoderConfig{UseRecordTime: true}, "", time.UnixMilli(1), "the Kafka record timestamp 1970-01-01T00:00:00.001Z, the event time of a value without ts (input.use_record_time), is before input.min_time 2000-01-01T00:00:00Z"},
		{"record time after max", DecoderConfig{UseRecordTime: true, MaxTime: y2025}, "", newYear, "record timestamp 2026-01-01T00:00:00Z"},
	}
	var golden strings.Builder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeBoth(t, tt.cfg, tt.ts, tt.recordTime)
			if got, _ := ReasonOf(err); got != ReasonInvalidTime {
				t.Fatalf("ts %q = %v, want an invalid-time rejection", tt.ts, err)
			}
			if !strings.Contains(err.Error(), tt.hint) {
				t.Fatalf("ts %q: error %q lacks %q", tt.ts, err, tt.hint)
			}
			golden.WriteString(tt.name + ": " + err.Error() + "\n")
		})
	}
	checkGolden(t, "time_rejects.golden", golden.String())
}

// TestTimeBoundsInclusive: MinTime and MaxTime themselves are accepted.
func TestTimeBoundsInclusive(t *testing.T) {
	for _, ts := range []string{"946684800000", "2000-01-01T00:00:00Z", "7258118400000", "2200-01-01T00:00:00Z"} {
		if _, err := decodeBoth(t, DecoderConfig{}, ts, time.Time{}); err != nil {
			t.Errorf("ts %s: %v, want it accepted", ts, err)
		}
	}
}

// TestTimeDecodeAllocs: reading a numeric ts in any unit, with a fraction
// or an exponent, or a lower-case RFC 3339 time, allocates nothing.
func TestTimeDecodeAllocs(t *testing.T) {
	f := func(cfg DecoderConfig, value string) {
		t.Helper()
		cfg.Features = 1
		d := newDecoder(t, cfg)
		key, v := []byte("sensor-1"), []byte(value)
		var r Reading
		allocs := testing.AllocsPerRun(100, func() {
			if err := d.Decode(key, v, recTime, &r); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("Decode(%s) with unit %q allocates %v times, want 0", value, cfg.TimeUnit, allocs)
		}
	}
	f(DecoderConfig{TimeUnit: "s"}, `{"ts":1767225600.123456,"value":1}`)
	f(DecoderConfig{TimeUnit: "ms"}, `{"ts":1.7672256e12,"value":1}`)
	f(DecoderConfig{TimeUnit: "us"}, `{"ts":1767225600000000,"value":1}`)
	f(DecoderConfig{TimeUnit: "ns"}, `{"ts":1767225600123456789,"value":1}`)
	f(DecoderConfig{}, `{"ts":"2026-01-01t00:00:00.5z","value":1}`)
	f(DecoderConfig{Format: FormatCSV, TimeUnit: "s"}, "1767225600.5,1")
	f(DecoderConfig{Format: FormatCSV}, "2026-01-01t00:00:00z,1")
}
