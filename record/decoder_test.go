package record

import (
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

var recTime = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func newDecoder(t testing.TB, cfg DecoderConfig) *Decoder {
	t.Helper()
	d, err := NewDecoder(cfg)
	if err != nil {
		t.Fatalf("NewDecoder(%+v): %v", cfg, err)
	}
	return d
}

func TestDecodeJSONAccepts(t *testing.T) {
	f := func(features int, useRecordTime bool, value string, wantTime time.Time, want ...float64) {
		t.Helper()
		d := newDecoder(t, DecoderConfig{Features: features, UseRecordTime: useRecordTime})
		r := Reading{Values: []float64{math.NaN(), math.NaN(), math.NaN()}} // poisoned
		if err := d.Decode([]byte("s-1"), []byte(value), recTime, &r); err != nil {
			t.Fatalf("Decode(%s): %v", value, err)
		}
		if r.Key != "s-1" || !r.Time.Equal(wantTime) || !equal(r.Values, want) {
			t.Fatalf("Decode(%s) = key %q time %v values %v, want s-1 %v %v", value, r.Key, r.Time, r.Values, wantTime, want)
		}
	}
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	f(1, false, `{"ts":"2024-05-01T10:00:00Z","value":21.5}`, at, 21.5)
	f(1, false, ` { "value" : -0.25e1 , "ts" : 1714557600000 } `, at, -2.5)
	f(1, false, `{"ts":"2024-05-01T12:30:00+02:30","value":0}`, at, 0)
	f(1, false, `{"ts":"2024-05-01T10:00:00.123456789Z","value":1}`, at.Add(123456789), 1)
	f(1, false, "{\"ts\":\"2024-05-01T10:00:00Z\",\n\t\"value\":1E2}", at, 100)
	f(2, false, `{"ts":"2024-05-01T10:00:00Z","values":[1.5,-3]}`, at, 1.5, -3)
	f(3, false, `{"ts":1714557600000,"values":[0,1e-3,2],"unit":"C","meta":{"a":[1,{"b":null}],"c":true}}`, at, 0, 0.001, 2)
	f(1, false, `{"\u0074s":"2024-05-01T10:00:00Z","v\u0061lue":7}`, at, 7)
	f(1, true, `{"value":3}`, recTime, 3)
	f(1, true, `{"ts":1714557600000,"value":3}`, at, 3)
	f(1, false, `{"ts":"2024-05-01T10:00:00Z","value":1e-400}`, at, 0) // underflow is 0
	f(1, false, `{"ts":"2024-05-01t10:00:00z","value":1}`, at, 1)
	f(1, false, `{"ts":1714557600000.5,"value":1}`, at.Add(500*time.Microsecond), 1)
	f(1, false, `{"ts":1.7145576e12,"value":1}`, at, 1)
}

func TestDecodeJSONRejects(t *testing.T) {
	tests := []struct {
		name  string
		cfg   DecoderConfig
		key   string
		value string
		want  Reason
	}{
		{"empty key", DecoderConfig{}, "", `{"ts":1714557600000,"value":1}`, ReasonInvalidKey},
		{"long key", DecoderConfig{}, strings.Repeat("k", 257), `{"ts":1714557600000,"value":1}`, ReasonInvalidKey},
		{"invalid utf-8 key", DecoderConfig{}, "s\xff1", `{"ts":1714557600000,"value":1}`, ReasonInvalidKey},
		{"too large", DecoderConfig{MaxValueBytes: 20}, "s", `{"ts":1714557600000,"value":1}`, ReasonTooLarge},
		{"empty", DecoderConfig{}, "s", ``, ReasonDecode},
		{"not an object", DecoderConfig{}, "s", `[1,2]`, ReasonDecode},
		{"truncated", DecoderConfig{}, "s", `{"ts":1714557600000,"value":1`, ReasonDecode},
		{"trailing data", DecoderConfig{}, "s", `{"ts":1714557600000,"value":1}x`, ReasonDecode},
		{"two objects", DecoderConfig{}, "s", `{"ts":1714557600000,"value":1}{}`, ReasonDecode},
		{"trailing comma", DecoderConfig{}, "s", `{"ts":1714557600000,"value":1,}`, ReasonDecode},
		{"single quotes", DecoderConfig{}, "s", `{'ts':1714557600000,'value':1}`, ReasonDecode},
		{"duplicate field", DecoderConfig{}, "s", `{"ts":1714557600000,"value":1,"value":2}`, ReasonDecode},
		{"value and values", DecoderConfig{}, "s", `{"ts":1714557600000,"value":1,"values":[2]}`, ReasonDecode},
		{"unknown field rejected", DecoderConfig{RejectUnknown: true}, "s", `{"ts":1714557600000,"value":1,"unit":"C"}`, ReasonDecode},
		{"malformed unknown field", DecoderConfig{}, "s", `{"ts":1714557600000,"value":1,"x":[1,}`, ReasonDecode},
		{"too deep unknown field", DecoderConfig{}, "s", `{"ts":1714557600000,"value":1,"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, ReasonDecode},
		{"invalid utf-8 string", DecoderConfig{}, "s", "{\"ts\":1714557600000,\"value\":1,\"x\":\"\xff\"}", ReasonDecode},
		{"control char in string", DecoderConfig{}, "s", "{\"ts\":1714557600000,\"value\":1,\"x\":\"a\nb\"}", ReasonDecode},
		{"bad escape", DecoderConfig{}, "s", `{"ts":1714557600000,"value":1,"x":"\q"}`, ReasonDecode},
		{"missing value", DecoderConfig{}, "s", `{"ts":1714557600000}`, ReasonInvalidValue},
		{"null value", DecoderConfig{}, "s", `{"ts":1714557600000,"value":null}`, ReasonInvalidValue},
		{"string value", DecoderConfig{}, "s", `{"ts":1714557600000,"value":"1.5"}`, ReasonInvalidValue},
		{"NaN string", DecoderConfig{}, "s", `{"ts":1714557600000,"value":"NaN"}`, ReasonInvalidValue},
		{"Infinity string", DecoderConfig{}, "s", `{"ts":1714557600000,"value":"-Infinity"}`, ReasonInvalidValue},
		{"NaN literal", DecoderConfig{}, "s", `{"ts":1714557600000,"value":NaN}`, ReasonInvalidValue},
		{"overflow", DecoderConfig{}, "s", `{"ts":1714557600000,"value":1e400}`, ReasonInvalidValue},
		{"float32 overflow", DecoderConfig{}, "s", `{"ts":1714557600000,"value":1e39}`, ReasonInvalidValue},
		{"leading zero", DecoderConfig{}, "s", `{"ts":1714557600000,"value":01}`, ReasonDecode},
		{"plus sign", DecoderConfig{}, "s", `{"ts":1714557600000,"value":+1}`, ReasonInvalidValue},
		{"bool value", DecoderConfig{}, "s", `{"ts":1714557600000,"value":true}`, ReasonInvalidValue},
		{"values not array", DecoderConfig{Features: 2}, "s", `{"ts":1714557600000,"values":1}`, ReasonInvalidValue},
		{"too few values", DecoderConfig{Features: 2}, "s", `{"ts":1714557600000,"values":[1]}`, ReasonInvalidValue},
		{"too many values", DecoderConfig{Features: 2}, "s", `{"ts":1714557600000,"values":[1,2,3]}`, ReasonInvalidValue},
		{"no values", DecoderConfig{Features: 2}, "s", `{"ts":1714557600000,"values":[]}`, ReasonInvalidValue},
		{"value for two features", DecoderConfig{Features: 2}, "s", `{"ts":1714557600000,"value":1}`, ReasonInvalidValue},
		{"NaN in values", DecoderConfig{Features: 2}, "s", `{"ts":1714557600000,"values":[1,"NaN"]}`, ReasonInvalidValue},
		{"missing ts", DecoderConfig{}, "s", `{"value":1}`, ReasonInvalidTime},
		{"missing ts and record time", DecoderConfig{UseRecordTime: true}, "s", `{"value":1}`, ReasonInvalidTime},
		{"null ts", DecoderConfig{}, "s", `{"ts":null,"value":1}`, ReasonInvalidTime},
		{"20 significant digits", DecoderConfig{}, "s", `{"ts":1714557600000.0000005,"value":1}`, ReasonInvalidTime},
		{"sub-nanosecond exponent", DecoderConfig{}, "s", `{"ts":1.7e-7,"value":1}`, ReasonInvalidTime},
		{"ms before 1970", DecoderConfig{}, "s", `{"ts":-1,"value":1}`, ReasonInvalidTime},
		{"ms before 2000", DecoderConfig{}, "s", `{"ts":946684799999,"value":1}`, ReasonInvalidTime},
		{"seconds read as ms", DecoderConfig{}, "s", `{"ts":1767225600,"value":1}`, ReasonInvalidTime},
		{"huge ms", DecoderConfig{}, "s", `{"ts":99999999999999999999,"value":1}`, ReasonInvalidTime},
		{"ms after 9999", DecoderConfig{}, "s", `{"ts":1767225600000000000,"value":1}`, ReasonInvalidTime},
		{"rfc3339 before 2000", DecoderConfig{}, "s", `{"ts":"1999-12-31T23:59:59.5Z","value":1}`, ReasonInvalidTime},
		{"lower-case t only", DecoderConfig{}, "s", `{"ts":"2024-05-01t10:00:00","value":1}`, ReasonInvalidTime},
		{"after 2200", DecoderConfig{}, "s", `{"ts":"2200-01-01T00:00:00.001Z","value":1}`, ReasonInvalidTime},
		{"after 2200 by a microsecond", DecoderConfig{}, "s", `{"ts":"2200-01-01T00:00:00.000001Z","value":1}`, ReasonInvalidTime},
		{"date only", DecoderConfig{}, "s", `{"ts":"2024-05-01","value":1}`, ReasonInvalidTime},
		{"no zone", DecoderConfig{}, "s", `{"ts":"2024-05-01T10:00:00","value":1}`, ReasonInvalidTime},
		{"february 30", DecoderConfig{}, "s", `{"ts":"2024-02-30T10:00:00Z","value":1}`, ReasonInvalidTime},
		{"hour 24", DecoderConfig{}, "s", `{"ts":"2024-05-01T24:00:00Z","value":1}`, ReasonInvalidTime},
		{"digit string ts", DecoderConfig{}, "s", `{"ts":"1714557600000","value":1}`, ReasonInvalidTime},
		{"record time out of range", DecoderConfig{UseRecordTime: true, MaxTime: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}, "s", `{"value":1}`, ReasonInvalidTime},
		{"record time before min", DecoderConfig{UseRecordTime: true, MinTime: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, "s", `{"value":1}`, ReasonInvalidTime},
	}
	var golden strings.Builder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDecoder(t, tt.cfg.withFeatures())
			var r Reading
			err := d.Decode([]byte(tt.key), []byte(tt.value), recordTimeFor(tt.cfg), &r)
			var re *RejectError
			if !errors.As(err, &re) {
				t.Fatalf("Decode(%q) error = %v, want a *RejectError", tt.value, err)
			}
			if re.Reason != tt.want {
				t.Fatalf("Decode(%q) reason = %q (%v), want %q", tt.value, re.Reason, err, tt.want)
			}
			if got, ok := ReasonOf(err); !ok || got != tt.want {
				t.Fatalf("ReasonOf = %q, %v; want %q", got, ok, tt.want)
			}
			golden.WriteString(tt.name + ": " + err.Error() + "\n")
		})
	}
	checkGolden(t, "json_rejects.golden", golden.String())
}

// withFeatures defaults Features to 1 for the tables.
func (c DecoderConfig) withFeatures() DecoderConfig {
	if c.Features == 0 {
		c.Features = 1
	}
	return c
}

// recordTimeFor returns the Kafka record time the tables pass: zero when
// the case is about a missing record time.
func recordTimeFor(c DecoderConfig) time.Time {
	if c.UseRecordTime && c.MaxTime.IsZero() && c.MinTime.IsZero() {
		return time.Time{}
	}
	return recTime
}

func TestDecodeCSV(t *testing.T) {
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		features int
		useRT    bool
		value    string
		wantErr  Reason
		wantTime time.Time
		want     []float64
	}{
		{"rfc3339", 1, false, "2024-05-01T10:00:00Z,21.5", "", at, []float64{21.5}},
		{"epoch ms and newline", 2, false, "1714557600000,1,2\n", "", at, []float64{1, 2}},
		{"lower-case rfc3339", 1, false, "2024-05-01t10:00:00z,21.5", "", at, []float64{21.5}},
		{"fractional ms", 1, false, "1714557600000.25,1", "", at.Add(250 * time.Microsecond), []float64{1}},
		{"leading zeros", 1, false, "001714557600000,1", "", at, []float64{1}},
		{"seconds read as ms", 1, false, "1714557600,1", ReasonInvalidTime, time.Time{}, nil},
		{"20 significant digits", 1, false, "1714557600000.0000001,1", ReasonInvalidTime, time.Time{}, nil},
		{"number then junk", 1, false, "1714557600000x,1", ReasonInvalidTime, time.Time{}, nil},
		{"crlf and spaces", 2, false, " 1714557600000 , 1 ,\t2 \r\n", "", at, []float64{1, 2}},
		{"record time", 1, true, ",3", "", recTime, []float64{3}},
		{"missing ts", 1, false, ",3", ReasonInvalidTime, time.Time{}, nil},
		{"bad ts", 1, false, "yesterday,3", ReasonInvalidTime, time.Time{}, nil},
		{"no value", 1, false, "1714557600000", ReasonInvalidValue, time.Time{}, nil},
		{"empty value", 1, false, "1714557600000,", ReasonInvalidValue, time.Time{}, nil},
		{"NaN", 1, false, "1714557600000,NaN", ReasonInvalidValue, time.Time{}, nil},
		{"Inf", 1, false, "1714557600000,-inf", ReasonInvalidValue, time.Time{}, nil},
		{"not a number", 1, false, "1714557600000,abc", ReasonInvalidValue, time.Time{}, nil},
		{"too many", 1, false, "1714557600000,1,2", ReasonInvalidValue, time.Time{}, nil},
		{"too few", 3, false, "1714557600000,1,2", ReasonInvalidValue, time.Time{}, nil},
		{"two lines", 1, false, "1714557600000,1\n1714557600000,2", ReasonDecode, time.Time{}, nil},
		{"quoted", 1, false, `"2024-05-01T10:00:00Z",1`, ReasonInvalidTime, time.Time{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDecoder(t, DecoderConfig{Format: FormatCSV, Features: tt.features, UseRecordTime: tt.useRT})
			var r Reading
			err := d.Decode([]byte("k"), []byte(tt.value), recTime, &r)
			if tt.wantErr != "" {
				if got, _ := ReasonOf(err); got != tt.wantErr {
					t.Fatalf("Decode(%q) = %v, want reason %q", tt.value, err, tt.wantErr)
				}
				return
			}
			if err != nil || !r.Time.Equal(tt.wantTime) || !equal(r.Values, tt.want) {
				t.Fatalf("Decode(%q) = %v %v %v, want %v %v", tt.value, r.Time, r.Values, err, tt.wantTime, tt.want)
			}
		})
	}
}

// TestParseRFC3339 checks acceptance and, for accepted inputs, that the
// instant equals time.Parse's. parseRFC3339 is stricter than time.Parse
// where time.Parse strays from RFC 3339 (one-digit hours, a +24:00 offset,
// more than nine fraction digits).
func TestParseRFC3339(t *testing.T) {
	f := func(in string, wantOK bool) {
		t.Helper()
		got, ok := parseRFC3339([]byte(in))
		if ok != wantOK {
			t.Fatalf("parseRFC3339(%q) ok = %v, want %v", in, ok, wantOK)
		}
		if !ok {
			return
		}
		want, err := time.Parse(time.RFC3339Nano, strings.ToUpper(in)) // Go's layouts want T and Z
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Fatalf("parseRFC3339(%q) = %v; time.Parse = %v, %v", in, got, want, err)
		}
	}
	f("2024-05-01T10:00:00Z", true)
	f("2024-05-01T10:00:00.5Z", true)
	f("2024-05-01T10:00:00.123456789+05:30", true)
	f("2024-02-29T23:59:59-00:00", true)
	f("2000-02-29T00:00:00Z", true)
	f("0000-01-01T00:00:00Z", true)
	f("2024-05-01T10:00:00+23:59", true)
	f("1900-02-29T00:00:00Z", false)
	f("2023-02-29T00:00:00Z", false)
	f("2024-04-31T00:00:00Z", false)
	f("2024-13-01T00:00:00Z", false)
	f("2024-00-01T00:00:00Z", false)
	f("2024-05-01T10:00:60Z", false)
	f("2024-05-01T10:60:00Z", false)
	f("2024-05-01t10:00:00Z", true)
	f("2024-05-01T10:00:00z", true)
	f("2024-05-01t10:00:00.25z", true)
	f("2024-05-01t10:00:00-07:00", true)
	f("2024-05-01x10:00:00Z", false)
	f("2024-05-01T10:00:00zz", false)
	f("2024-05-01T10:00:00Zz", false)
	f("2024-05-01T10:00:00y", false)
	f("2024-05-01 10:00:00Z", false)
	f("2024-05-01T10:00:00.Z", false)
	f("2024-05-01T10:00:00+24:00", false)
	f("2024-05-01T10:00:00+0530", false)
	f("2024-05-01T1:00:00Z", false)
	f("2024-05-01T10:00:00.1234567890Z", false)
	f("+024-05-01T10:00:00Z", false)
	f("2024-05-01T10:00:00Z ", false)
	f("2024-05-01T10:00:00", false)
}

func TestNewDecoderRejectsBadConfig(t *testing.T) {
	for _, cfg := range []DecoderConfig{
		{Features: 0},
		{Features: 1, Format: "xml"},
		{Features: 1, MaxKeyBytes: -1},
		{Features: 1, MinTime: DefaultMaxTime, MaxTime: DefaultMinTime},
		{Features: 1, TimeUnit: "sec"},
		{Features: 1, TimeUnit: "MS"},
	} {
		if _, err := NewDecoder(cfg); err == nil {
			t.Errorf("NewDecoder(%+v) = nil error, want one", cfg)
		}
	}
}

func TestDecodeInternsKeys(t *testing.T) {
	d := newDecoder(t, DecoderConfig{Features: 1})
	var r Reading
	// The key is a record's, made once: Decode's interner may keep it
	// (InternWith), so a literal converted in the loop would escape.
	key, value := []byte("sensor-42"), []byte(`{"ts":1714557600000,"value":1}`)
	allocs := testing.AllocsPerRun(100, func() {
		if err := d.Decode(key, value, recTime, &r); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Decode of a known key allocates %v times, want 0", allocs)
	}
	if err := d.Decode([]byte("rejected"), []byte(`{}`), recTime, &r); err == nil {
		t.Fatal("Decode of {} accepted")
	}
	if _, ok := d.keys["rejected"]; ok || len(d.keys) != 1 {
		t.Fatalf("intern table %v, want only sensor-42", d.keys)
	}
}

// TestDecodeInternWith: a decoder with an interner returns the interner's
// string for a known key, allocating nothing, and a fresh string for an
// unknown one, keeping no table of its own.
func TestDecodeInternWith(t *testing.T) {
	d := newDecoder(t, DecoderConfig{Features: 1})
	held := "sensor-42"
	d.InternWith(func(key []byte) (string, bool) {
		if string(key) == held {
			return held, true
		}
		return "", false
	})
	var r Reading
	key, value := []byte("sensor-42"), []byte(`{"ts":1714557600000,"value":1}`)
	allocs := testing.AllocsPerRun(100, func() {
		if err := d.Decode(key, value, recTime, &r); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Decode of a known key allocates %v times, want 0", allocs)
	}
	if unsafe.StringData(r.Key) != unsafe.StringData(held) {
		t.Fatal("Decode did not return the interner's string")
	}
	if err := d.Decode([]byte("sensor-7"), value, recTime, &r); err != nil || r.Key != "sensor-7" {
		t.Fatalf("Decode of an unknown key: key %q, err %v", r.Key, err)
	}
	if len(d.keys) != 0 {
		t.Fatalf("intern table %v, want none", d.keys)
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkGolden compares got with testdata/name, or rewrites it under -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
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
