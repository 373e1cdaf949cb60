package sink

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// FuzzAppendForecast checks that every encoding is valid JSON that decodes
// back to the forecast (values as float32, time truncated to milliseconds)
// and that encoding is deterministic.
func FuzzAppendForecast(f *testing.F) {
	f.Add("s-1", int64(1714557600123), int64(time.Hour), "lstm", "1.0", "sensors", 3, int64(42), []byte{0, 0, 0xc0, 0x3f})
	f.Add("a\"\\\x01\xff\u2028", int64(-1), int64(-1), "", "\n", "t", -1, int64(-5), []byte{0xff, 0xff, 0xff, 0x7f, 1})
	f.Fuzz(func(t *testing.T, sensor string, ms, interval int64, name, version, topic string, partition int, offset int64, raw []byte) {
		ms %= 1 << 44 // years 1413 to 2527: four-digit years, as RFC 3339 needs
		fc := Forecast{Sensor: sensor, Time: time.UnixMilli(ms), Interval: time.Duration(interval),
			ModelName: name, ModelVersion: version, Topic: topic, Partition: partition, Offset: offset}
		for len(raw) >= 4 {
			fc.Values = append(fc.Values, float64(math.Float32frombits(binary.LittleEndian.Uint32(raw))))
			raw = raw[4:]
		}
		fc.Horizon = len(fc.Values)
		out := AppendForecast(nil, &fc)
		if again := AppendForecast(nil, &fc); !bytes.Equal(out, again) {
			t.Fatalf("encoding is not deterministic:\n%s\n%s", out, again)
		}
		checkDecodes(t, &fc, out)
	})
}

// decoded is the output contract as a consumer reads it.
type decoded struct {
	Sensor   string     `json:"sensor"`
	TS       string     `json:"ts"`
	Interval string     `json:"interval"`
	Horizon  int        `json:"horizon"`
	Forecast []*float64 `json:"forecast"`
	Model    struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"model"`
	Input struct {
		Topic     string `json:"topic"`
		Partition int    `json:"partition"`
		Offset    int64  `json:"offset"`
	} `json:"input"`
}

func checkDecodes(t *testing.T, fc *Forecast, out []byte) {
	t.Helper()
	var d decoded
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("output %s does not decode: %v", out, err)
	}
	ts, err := time.Parse(time.RFC3339Nano, d.TS)
	iv, ierr := time.ParseDuration(d.Interval)
	switch {
	case d.Sensor != valid(fc.Sensor) || d.Model.Name != valid(fc.ModelName) ||
		d.Model.Version != valid(fc.ModelVersion) || d.Input.Topic != valid(fc.Topic):
		t.Fatalf("strings of %s differ from %+v", out, fc)
	case err != nil || !ts.Equal(fc.Time.Truncate(time.Millisecond)) || !strings.HasSuffix(d.TS, "Z"):
		t.Fatalf("ts %q of %s: %v, want %v", d.TS, out, err, fc.Time)
	case ierr != nil || iv != fc.Interval:
		t.Fatalf("interval %q of %s: %v, want %v", d.Interval, out, ierr, fc.Interval)
	case d.Horizon != fc.Horizon || d.Input.Partition != fc.Partition || d.Input.Offset != fc.Offset:
		t.Fatalf("numbers of %s differ from %+v", out, fc)
	case len(d.Forecast) != len(fc.Values):
		t.Fatalf("forecast of %s has %d values, want %d", out, len(d.Forecast), len(fc.Values))
	}
	for i, v := range fc.Values {
		want := float32(v)
		finite := !math.IsNaN(float64(want)) && !math.IsInf(float64(want), 0)
		got := d.Forecast[i]
		if finite != (got != nil) || (got != nil && float32(*got) != want) {
			t.Fatalf("forecast[%d] of %s = %v, want %v", i, out, got, want)
		}
	}
}

// valid replaces each byte of invalid UTF-8 by U+FFFD, as encoding/json and
// AppendForecast do.
func valid(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r) // ranging yields utf8.RuneError per invalid byte
	}
	return b.String()
}
