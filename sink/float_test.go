package sink

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestAppendShortF32 checks appendShortF32 against strconv on every float32
// of two whole binades (one of each mantissa parity pattern and the
// binade-start case), on random values of every binade of the fast range
// and its neighbours, both signs, and on the values strconv handles alone.
func TestAppendShortF32(t *testing.T) {
	var got, want []byte
	check := func(x float32) {
		got = appendShortF32(got[:0], x)
		want = strconv.AppendFloat(want[:0], float64(x), 'g', -1, 32)
		if string(got) != string(want) {
			t.Fatalf("appendShortF32(%#x) = %s, want %s", math.Float32bits(x), got, want)
		}
	}
	for _, exp := range []uint32{127 + 4, 127 - 3} { // [16, 32): sensor values; [0.125, 0.25)
		for frac := range uint32(1 << 23) {
			check(math.Float32frombits(exp<<23 | frac))
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for exp := uint32(fastExpMin - 2); exp <= fastExpMax+2; exp++ {
		for _, frac := range []uint32{0, 1, 2, 1<<23 - 1, 1<<23 - 2} {
			check(math.Float32frombits(exp<<23 | frac))
			check(-math.Float32frombits(exp<<23 | frac))
		}
		for range 40000 {
			x := math.Float32frombits(exp<<23 | rng.Uint32N(1<<23))
			check(x)
			check(-x)
		}
	}
	for _, x := range []float32{0, float32(math.Copysign(0, -1)), 1e-30, 1e-4, 0.0001234, 1e6, 999999.94, 1048575.9, 1e7, 3e38, math.SmallestNonzeroFloat32, 0.1, 0.5, 1, 21.5, 100000, 123456.7} {
		check(x)
		check(-x)
	}
}

// BenchmarkAppendFloat32 formats the values of a demo forecast (around 20,
// float32 precision): the encoder's path and strconv's.
func BenchmarkAppendFloat32(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	vals := make([]float32, 1024)
	for i := range vals {
		vals[i] = float32(20 + 5*rng.NormFloat64())
	}
	buf := make([]byte, 0, 64)
	b.Run("fast", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			buf = appendShortF32(buf[:0], vals[i%len(vals)])
		}
	})
	b.Run("strconv", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			buf = strconv.AppendFloat(buf[:0], float64(vals[i%len(vals)]), 'g', -1, 32)
		}
	})
}

// TestAppendTimestamp checks appendTimestamp against time's layout
// formatting on random instants of years -2..10001, in several zones.
func TestAppendTimestamp(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	zones := []*time.Location{time.UTC, time.FixedZone("east", 5*3600+1800), time.FixedZone("west", -11*3600)}
	lo := time.Date(-2, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	hi := time.Date(10001, 12, 31, 0, 0, 0, 0, time.UTC).UnixMicro()
	check := func(tm time.Time) {
		got := string(appendTimestamp(nil, tm))
		want := tm.UTC().Format("2006-01-02T15:04:05.000Z")
		if got != want {
			t.Fatalf("appendTimestamp(%v) = %s, want %s", tm, got, want)
		}
	}
	for i := range 200000 {
		us := lo + rng.Int64N(hi-lo)
		check(time.UnixMicro(us).Add(time.Duration(rng.IntN(1000))).In(zones[i%len(zones)]))
	}
	check(time.Time{})
	check(time.UnixMilli(1_700_000_000_999))
	check(time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC))
	check(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
}
