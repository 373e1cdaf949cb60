package conformal

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestNormalQuantile(t *testing.T) {
	for p, want := range map[float64]float64{0.5: 0, 0.9: 1.2815515655, 0.975: 1.9599639845, 0.01: -2.3263478740, 0.999: 3.0902323062} {
		if got := normalQuantile(p); math.Abs(got-want) > 1e-8 {
			t.Errorf("normalQuantile(%v) = %.10f, want %.10f", p, got, want)
		}
	}
}

// run streams n steps of a sensor whose readings are level + noise(i) and
// whose H-step forecasts are the level: it returns the coverage of each
// level over the steps from `from` on, scoring each forecast when its
// actual arrives, as live scoring does.
func run(t *testing.T, k *Calibrator, n, from int, noise func(i int) float64, issued bool) []float64 {
	t.Helper()
	const level = 100.0
	H := k.c.Horizon
	pool := k.NewPool()
	var s Sensor
	k.Start(&s, pool)
	x := make([]float64, n+H)
	for i := range x {
		x[i] = level + noise(i)
	}
	covered := make([]int, len(k.c.Levels))
	count := 0
	qs, sds := make([][]float32, n), make([]float64, n) // what was issued at each row
	for i := 0; i < n; i++ {
		k.Reading(&s, x[i])
		for h := 0; h < H && i-1-h >= 0; h++ { // forecasts made at i−1−h cover row i
			if issued {
				k.ScoreIssued(&s, pool, h, level, x[i], qs[i-1-h], sds[i-1-h])
			} else {
				k.Score(&s, pool, h, level, x[i])
			}
		}
		qs[i], sds[i] = append([]float32(nil), s.Q...), k.Scale(&s)
		if i < from {
			continue
		}
		for h := 0; h < H; h++ { // the forecast made now, of rows i+1 … i+H
			for l := range k.c.Levels {
				lo, hi := k.Interval(&s, l, h, level)
				if a := x[i+1+h]; a >= lo && a <= hi {
					covered[l]++
				}
			}
			count++
		}
	}
	cov := make([]float64, len(covered))
	for l, c := range covered {
		cov[l] = float64(c) / float64(count)
	}
	return cov
}

// TestCoverageStationary: on a stationary series the intervals cover their
// nominal share within one point, at every level.
func TestCoverageStationary(t *testing.T) {
	k, err := New(Config{Horizon: 4})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]float64, 40000)
	for i := range noise {
		noise[i] = 5 * rng.NormFloat64()
	}
	for _, issued := range []bool{false, true} {
		cov := run(t, k, 39990, 2000, func(i int) float64 { return noise[i] }, issued)
		for l, lv := range k.Levels() {
			if math.Abs(cov[l]-lv) > 0.01 {
				t.Errorf("issued feedback %v, level %v: coverage %.4f, want within 0.01", issued, lv, cov[l])
			}
		}
	}
}

// TestCoverageUnderDrift: when the noise triples halfway and the running
// std lags, the tracker still holds coverage over the second half within
// two points.
func TestCoverageUnderDrift(t *testing.T) {
	k, err := New(Config{Horizon: 3, HalfLife: 5000})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	noise := make([]float64, 40000)
	for i := range noise {
		sd := 1.0
		if i >= 20000 {
			sd = 3
		}
		noise[i] = sd * rng.NormFloat64()
	}
	for _, issued := range []bool{false, true} {
		cov := run(t, k, 39990, 20000, func(i int) float64 { return noise[i] }, issued)
		for l, lv := range k.Levels() {
			if math.Abs(cov[l]-lv) > 0.02 {
				t.Errorf("issued feedback %v, level %v: coverage %.4f after the drift, want within 0.02", issued, lv, cov[l])
			}
		}
	}
}

// TestPoolStartsSensors: a new sensor's intervals are the pool's until its
// own scores move them.
func TestPoolStartsSensors(t *testing.T) {
	k, _ := New(Config{Horizon: 2, Levels: []float64{0.9}})
	pool := k.NewPool()
	if got := pool.Q[0]; math.Abs(float64(got)-1.6448536) > 1e-6 {
		t.Errorf("fresh pool half-width %v, want the two-sided normal 0.9 half-width z(0.95)", got)
	}
	var a, b Sensor
	k.Start(&a, pool)
	for i := 0; i < 500; i++ {
		k.Reading(&a, float64(i%2)*10)
		k.Score(&a, pool, 0, 0, 10) // always a miss: the pool widens
	}
	k.Start(&b, pool)
	if b.Q[0] != pool.Q[0] || b.Q[0] <= 1.7 || b.Q[1] != pool.Q[1] {
		t.Errorf("a new sensor starts at %v, pool %v: want the widened pool's", b.Q, pool.Q)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		c    Config
		want string
	}{
		{Config{}, "horizon"},
		{Config{Horizon: 1, Levels: []float64{0.8, 1}}, "not in (0, 1)"},
		{Config{Horizon: 1, Levels: []float64{0.95, 0.8}}, "not increasing"},
		{Config{Horizon: 1, Eta: -1}, "eta"},
	} {
		if _, err := New(tc.c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error saying %q", tc.c, err, tc.want)
		}
	}
}
