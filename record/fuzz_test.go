package record

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"time"
)

// fuzzSeeds are values of both codecs, valid and not.
var fuzzSeeds = []string{
	`{"ts":"2024-05-01T10:00:00Z","value":21.5}`,
	`{"ts":1714557600000,"values":[1.5,-3,2e-3]}`,
	`{"value":3,"unit":"C","meta":{"a":[1,{"b":null}],"c":true}}`,
	`{"\u0074s":"2024-05-01T12:30:00.123+02:30","v\u0061lue":7}`,
	`{"ts":"2024-05-01T10:00:00Z","value":"NaN"}`,
	`{"ts":1714557600000,"value":1e400}`,
	"2024-05-01T10:00:00Z,21.5",
	"1714557600000,1,2\r\n",
	",3",
	"1714557600000,NaN",
}

// checkAccepted checks the invariants of an accepted Reading.
func checkAccepted(t *testing.T, d *Decoder, r *Reading) {
	t.Helper()
	if len(r.Values) != d.cfg.Features {
		t.Fatalf("accepted %d values, want %d", len(r.Values), d.cfg.Features)
	}
	for _, v := range r.Values {
		if math.IsNaN(v) || math.IsInf(float64(float32(v)), 0) {
			t.Fatalf("accepted non-finite value %v", v)
		}
	}
	if r.Time.Before(d.cfg.MinTime) || r.Time.After(d.cfg.MaxTime) {
		t.Fatalf("accepted time %v out of range", r.Time)
	}
}

// roundTrip re-encodes r in the given codec and checks it decodes to the
// same reading.
func roundTrip(t *testing.T, d *Decoder, r *Reading, value []byte) {
	t.Helper()
	want := Reading{Key: r.Key, Time: r.Time, Values: append([]float64(nil), r.Values...)}
	var got Reading
	if err := d.Decode([]byte(r.Key), value, time.Time{}, &got); err != nil {
		t.Fatalf("re-encoded %q rejected: %v", value, err)
	}
	if got.Key != want.Key || !got.Time.Equal(want.Time) || !equal(got.Values, want.Values) {
		t.Fatalf("round trip of %q = %v %v, want %v %v", value, got.Time, got.Values, want.Time, want.Values)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(uint8(0), false, s)
		f.Add(uint8(2), true, s)
	}
	f.Fuzz(func(t *testing.T, features uint8, useRT bool, value string) {
		d := newDecoder(t, DecoderConfig{Features: 1 + int(features%3), UseRecordTime: useRT})
		var r Reading
		if err := d.Decode([]byte("k"), []byte(value), recTime, &r); err != nil {
			if _, ok := ReasonOf(err); !ok {
				t.Fatalf("error %v is not a *RejectError", err)
			}
			return
		}
		checkAccepted(t, d, &r)
		if !json.Valid([]byte(value)) {
			t.Fatalf("accepted invalid JSON %q", value)
		}
		out := []byte(`{"ts":"` + r.Time.Format(time.RFC3339Nano) + `","values":[`)
		for i, v := range r.Values {
			if i > 0 {
				out = append(out, ',')
			}
			out = strconv.AppendFloat(out, v, 'g', -1, 64)
		}
		roundTrip(t, d, &r, append(out, "]}"...))
	})
}

func FuzzDecodeCSV(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(uint8(0), false, s)
		f.Add(uint8(1), true, s)
	}
	f.Fuzz(func(t *testing.T, features uint8, useRT bool, value string) {
		d := newDecoder(t, DecoderConfig{Format: FormatCSV, Features: 1 + int(features%3), UseRecordTime: useRT})
		var r Reading
		if err := d.Decode([]byte("k"), []byte(value), recTime, &r); err != nil {
			if _, ok := ReasonOf(err); !ok {
				t.Fatalf("error %v is not a *RejectError", err)
			}
			return
		}
		checkAccepted(t, d, &r)
		out := []byte(r.Time.Format(time.RFC3339Nano))
		for _, v := range r.Values {
			out = strconv.AppendFloat(append(out, ','), v, 'g', -1, 64)
		}
		roundTrip(t, d, &r, out)
	})
}
