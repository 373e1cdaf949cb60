package record

import (
	"strconv"
	"testing"
)

// BenchmarkDecodeJSON decodes readings of 1000 sensors round robin, as a
// partition worker does.
func BenchmarkDecodeJSON(b *testing.B) {
	for _, tc := range []struct {
		name  string
		value string
		f     int
		unit  string
	}{
		{"value-rfc3339", `{"ts":"2024-05-01T10:00:00.250Z","value":21.53}`, 1, ""},
		{"values-ms", `{"ts":1714557600250,"values":[21.53,0.41,1013.2,-7.5e-2]}`, 4, ""},
		{"values-s-fraction", `{"ts":1714557600.25,"values":[21.53,0.41,1013.2,-7.5e-2]}`, 4, UnitSeconds},
	} {
		b.Run(tc.name, func(b *testing.B) {
			d := newDecoder(b, DecoderConfig{Features: tc.f, TimeUnit: tc.unit})
			keys := make([][]byte, 1000)
			for i := range keys {
				keys[i] = []byte("sensor-" + strconv.Itoa(i))
			}
			value := []byte(tc.value)
			var r Reading
			b.SetBytes(int64(len(value)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := d.Decode(keys[i%len(keys)], value, recTime, &r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeCSV is BenchmarkDecodeJSON's csv counterpart.
func BenchmarkDecodeCSV(b *testing.B) {
	d := newDecoder(b, DecoderConfig{Format: FormatCSV, Features: 2})
	value := []byte("2024-05-01T10:00:00.250Z,21.53,0.41\n")
	var r Reading
	b.SetBytes(int64(len(value)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Decode([]byte("sensor-1"), value, recTime, &r); err != nil {
			b.Fatal(err)
		}
	}
}
