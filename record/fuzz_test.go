package record

import (
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
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
	// Times: every unit's magnitude, fractions, exponents, lower case,
	// bounds and overflow.
	`{"ts":1767225600,"value":1}`,
	`{"ts":1767225600.123456789,"value":1}`,
	`{"ts":1767225600123456789,"value":1}`,
	`{"ts":1.7672256e15,"value":1}`,
	`{"ts":-1e-9,"value":1}`,
	`{"ts":1e999999999999,"value":1}`,
	`{"ts":99999999999999999999,"value":1}`,
	`{"ts":"2026-01-01t00:00:00.5z","value":1}`,
	`{"ts":"1999-12-31T23:59:59Z","value":1}`,
	"1767225600.5,1",
	"0001767225600000e-3,1",
	"1767225600000000000,1",
	"-0,1",
	"2026-01-01t00:00:00z,1",
	"2199-12-31T23:59:59.999999999+00:00,1",
}

// unitOf picks a time unit for a fuzz case ("" is the default).
func unitOf(u uint8) string {
	return [...]string{"", UnitSeconds, UnitMilliseconds, UnitMicroseconds, UnitNanoseconds}[u%5]
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
		f.Add(uint8(0), false, uint8(0), s)
		f.Add(uint8(2), true, uint8(1), s)
		f.Add(uint8(0), false, uint8(4), s)
	}
	f.Fuzz(func(t *testing.T, features uint8, useRT bool, unit uint8, value string) {
		d := newDecoder(t, DecoderConfig{Features: 1 + int(features%3), UseRecordTime: useRT, TimeUnit: unitOf(unit)})
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
		f.Add(uint8(0), false, uint8(0), s)
		f.Add(uint8(1), true, uint8(1), s)
		f.Add(uint8(0), false, uint8(3), s)
	}
	f.Fuzz(func(t *testing.T, features uint8, useRT bool, unit uint8, value string) {
		d := newDecoder(t, DecoderConfig{Format: FormatCSV, Features: 1 + int(features%3), UseRecordTime: useRT, TimeUnit: unitOf(unit)})
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

// FuzzNumericTime checks the exact conversion of numeric times against
// math/big: an accepted number is the same instant as the rational number
// it spells, counted in the unit; a rejection as sub-nanosecond or out of
// the years 0000-9999 is one.
func FuzzNumericTime(f *testing.F) {
	for _, s := range []string{"1767225600", "1767225600.123456789", "-1.5", "1.7672256e9", "0.0000000001",
		"1e-9", "253402300799.999999999", "9999999999999999999", "-62167219200", "1e12", "007", "5.", "1e", "+1"} {
		for u := range uint8(4) {
			f.Add(u, s)
		}
	}
	f.Fuzz(func(t *testing.T, unit uint8, num string) {
		u := timeUnits[unit%4]
		if i := strings.IndexAny(num, "eE"); i >= 0 && len(strings.TrimLeft(num[i+1:], "+-")) > 3 {
			return // math/big would take too long over 10^(10^4)
		}
		dec, status := parseDecimal([]byte(num))
		if status == numSyntax {
			return // the grammar is stricter than math/big's (no '+', no ".5", no "0x")
		}
		want, ok := new(big.Rat).SetString(num)
		if status == numDigits {
			if !ok {
				t.Fatalf("%q: more than %d significant digits, but math/big cannot read it", num, maxSignificant)
			}
			return
		}
		if !ok {
			t.Fatalf("%q parsed (%+v) but math/big cannot read it", num, dec)
		}
		ns := want.Mul(want, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(u.exp)), nil)))
		got, status := dec.toTime(u)
		switch status {
		case numSubNano:
			if ns.IsInt() {
				t.Fatalf("%q %s: rejected as sub-nanosecond, but it is %v ns", num, u.word, ns)
			}
		case numRange:
			lo, hi := new(big.Int).Mul(big.NewInt(minNumericSec), big.NewInt(1e9)), new(big.Int).Mul(big.NewInt(maxNumericSec+1), big.NewInt(1e9))
			if ns.IsInt() && ns.Num().Cmp(lo) >= 0 && ns.Num().Cmp(hi) < 0 {
				t.Fatalf("%q %s: rejected as out of range, but it is %v ns", num, u.word, ns)
			}
		case numOK:
			g := new(big.Int).Mul(big.NewInt(got.Unix()), big.NewInt(1e9))
			g.Add(g, big.NewInt(int64(got.Nanosecond())))
			if !ns.IsInt() || ns.Num().Cmp(g) != 0 {
				t.Fatalf("%q %s = %v (%v ns), want %v ns", num, u.word, got, g, ns)
			}
		default:
			t.Fatalf("%q: status %d", num, status)
		}
	})
}
