package sink

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rnncast/rnncast/record"
	"github.com/segmentio/kafka-go"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestAppendForecastGolden(t *testing.T) {
	at := time.Date(2024, 5, 1, 10, 0, 0, 123_999_999, time.UTC)
	tests := []Forecast{
		{Sensor: "s-1", Time: at, Interval: time.Hour, Horizon: 3, Values: []float64{21.5, 21.75, -0.1},
			ModelName: "lstm-temp", ModelVersion: "1.2.0", Topic: "sensors", Partition: 3, Offset: 42},
		{Sensor: `quote" back\slash ctl` + "\x01\n\t" + ` ünïcode ` + "\u2028 bad\xff", Time: at.In(time.FixedZone("X", 3600)),
			Interval: 90 * time.Minute, Horizon: 2, Values: []float64{1e-8, 123456789},
			ModelName: "m", ModelVersion: "v\"2", Topic: "t", Partition: 0, Offset: 0},
		{Sensor: "nan", Time: time.UnixMilli(0), Interval: 1500 * time.Millisecond, Horizon: 3,
			Values: []float64{math.NaN(), math.Inf(1), 1e39}, ModelName: "", ModelVersion: "", Topic: "", Offset: math.MaxInt64},
		{Sensor: "empty", Time: at, Interval: 15 * time.Minute, Horizon: 0, Values: nil,
			ModelName: "m", ModelVersion: "1", Topic: "sensors", Partition: 11, Offset: 7},
	}
	var got bytes.Buffer
	buf := make([]byte, 0, 16)
	for i := range tests {
		buf = AppendForecast(buf[:0], &tests[i])
		if !json.Valid(buf) {
			t.Errorf("AppendForecast(%+v) = %s, not valid JSON", tests[i], buf)
		}
		got.Write(buf)
		got.WriteByte('\n')
	}
	checkGolden(t, "forecast.golden", got.Bytes())
}

func TestAppendForecastAppends(t *testing.T) {
	f := Forecast{Sensor: "s", Time: time.UnixMilli(1714557600000), Interval: time.Hour, Horizon: 1, Values: []float64{1}}
	got := AppendForecast([]byte("prefix:"), &f)
	want := `prefix:{"sensor":"s","ts":"2024-05-01T10:00:00.000Z","interval":"1h","horizon":1,"forecast":[1],` +
		`"model":{"name":"","version":""},"input":{"topic":"","partition":0,"offset":0}}`
	if string(got) != want {
		t.Fatalf("AppendForecast = %s, want %s", got, want)
	}
	if n := testing.AllocsPerRun(100, func() { got = AppendForecast(got[:0], &f) }); n != 0 {
		t.Fatalf("AppendForecast into a large enough buffer allocates %v times, want 0", n)
	}
}

func TestAppendDuration(t *testing.T) {
	f := func(d time.Duration, want string) {
		t.Helper()
		got := string(appendDuration(nil, d))
		if got != want {
			t.Fatalf("appendDuration(%v) = %q, want %q", d, got, want)
		}
		back, err := time.ParseDuration(got)
		if err != nil || back != d {
			t.Fatalf("time.ParseDuration(%q) = %v, %v; want %v", got, back, err, d)
		}
	}
	f(0, "0s")
	f(time.Hour, "1h")
	f(24*time.Hour, "24h")
	f(90*time.Minute, "1h30m")
	f(15*time.Minute, "15m")
	f(90*time.Second, "1m30s")
	f(time.Hour+time.Second, "1h1s")
	f(500*time.Millisecond, "500ms")
	f(1500*time.Millisecond, "1.5s")
	f(time.Nanosecond, "0.000000001s")
	f(time.Minute+time.Nanosecond, "1m0.000000001s")
	f(-time.Hour, "-1h")
	f(math.MaxInt64, "2562047h47m16.854775807s")
	f(math.MinInt64, "-2562047h47m16.854775808s")
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", `"`, `\`, "\x00\x1f\x7f", "<a&b>", "é€𝄞", "\u2028\u2029", "bad\xffutf8", "\xed\xa0\x80", "tab\tnl\ncr\r\b\f",
	} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		got := string(appendString(nil, s))
		if got != strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("appendString(%q) = %s, encoding/json gives %s", s, got, want.Bytes())
		}
	}
}

func TestDeadLetterHeaders(t *testing.T) {
	err := &record.RejectError{Reason: record.ReasonDecode, Err: errors.New("malformed json at byte 3")}
	at := time.UnixMilli(1767225600123)
	orig := []kafka.Header{{Key: "reason", Value: []byte("forged")}, {Key: "trace", Value: nil}}
	tests := []struct {
		name string
		d    DeadLetter
		want []string // key=value, in order
	}{
		{"with error", DeadLetter{Reason: record.ReasonDecode, Topic: "sensors", Partition: 7, Offset: 12345, Time: at, Err: err},
			[]string{"reason=decode", "source-topic=sensors", "source-partition=7", "source-offset=12345",
				"source-timestamp=1767225600123", "error=record: decode: malformed json at byte 3"}},
		{"nil error, original headers", DeadLetter{Reason: record.ReasonDecode, Topic: "sensors", Partition: 7, Offset: 12345, Time: at, Headers: orig},
			[]string{"reason=decode", "source-topic=sensors", "source-partition=7", "source-offset=12345",
				"source-timestamp=1767225600123", "error=", "original.reason=forged", "original.trace="}},
		{"too large", DeadLetter{Reason: record.ReasonTooLarge, Topic: "in", Offset: 1, Time: at, Key: []byte("k"), Value: make([]byte, 3000), Headers: orig},
			[]string{"reason=too-large", "source-topic=in", "source-partition=0", "source-offset=1",
				"source-timestamp=1767225600123", "error=", "truncated=value", "original-key-size=1", "original-value-size=3000",
				"original.reason=forged", "original.trace="}},
		{"refused", DeadLetter{Reason: record.ReasonForecastRefused, Topic: "in", Offset: 2, Time: at, Value: []byte("{}"), Headers: orig, Refused: true},
			[]string{"reason=forecast-refused", "source-topic=in", "source-partition=0", "source-offset=2",
				"source-timestamp=1767225600123", "error=", "original-headers=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, h := range DeadLetterHeaders(&tt.d, DeadLetterLimits{MaxBytes: 8192, ValuePrefix: 1024}) {
				got = append(got, h.Key+"="+string(h.Value))
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("headers =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// checkGolden compares got with testdata/name, or rewrites it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update and review the diff):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// BenchmarkAppendForecast encodes a 24-step forecast into a reused buffer.
func BenchmarkAppendForecast(b *testing.B) {
	f := Forecast{Sensor: "sensor-0042", Time: time.UnixMilli(1714557600000), Interval: time.Hour, Horizon: 24,
		ModelName: "lstm-temp", ModelVersion: "1.2.0", Topic: "sensors", Partition: 3, Offset: 1234567}
	for i := range f.Horizon {
		f.Values = append(f.Values, 20+float64(i)/7)
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendForecast(buf[:0], &f)
	}
	b.SetBytes(int64(len(buf)))
}
