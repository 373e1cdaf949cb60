package scale

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestParseMode(t *testing.T) {
	for s, want := range map[string]Mode{"": Global, "global": Global, "window": Window, "sensor": Sensor} {
		if got, err := ParseMode(s); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
	if _, err := ParseMode("revin"); err == nil {
		t.Error("ParseMode(revin): no error")
	}
}

func TestWindowStats(t *testing.T) {
	// Two features over four steps, time-major.
	xs := []float32{1, 10, 2, 10, 3, 10, 4, 10}
	mean, std := make([]float64, 2), make([]float64, 2)
	WindowStats(xs, 4, 2, mean, std)
	if mean[0] != 2.5 || mean[1] != 10 {
		t.Errorf("mean = %v, want [2.5 10]", mean)
	}
	if want := math.Sqrt(1.25 + Eps); std[0] != want {
		t.Errorf("std[0] = %v, want %v", std[0], want)
	}
	if want := math.Sqrt(Eps); std[1] != want {
		t.Errorf("std of a constant feature = %v, want sqrt(Eps) %v", std[1], want)
	}
}

// TestRunningStart: the first readings give the plain mean and population
// variance of what was seen.
func TestRunningStart(t *testing.T) {
	var r Running
	xs := []float32{4, 8, 6}
	for _, x := range xs {
		r.Update(x, Alpha(1000))
	}
	if r.N != 3 || math.Abs(float64(r.Mean)-6) > 1e-6 || math.Abs(float64(r.Var)-8.0/3) > 1e-6 {
		t.Errorf("after %v: %+v, want N 3, mean 6, var 8/3", xs, r)
	}
}

// TestRunningTracks: after a level shift the estimate forgets the old level
// at the half-life's pace.
func TestRunningTracks(t *testing.T) {
	var r Running
	rng := rand.New(rand.NewPCG(1, 2))
	alpha := Alpha(50)
	for i := 0; i < 2000; i++ {
		r.Update(float32(1000+rng.NormFloat64()), alpha)
	}
	if math.Abs(float64(r.Mean)-1000) > 0.5 || math.Abs(r.Std()-1) > 0.3 {
		t.Fatalf("stationary: mean %v std %v, want about 1000 and 1", r.Mean, r.Std())
	}
	for i := 0; i < 50; i++ {
		r.Update(1010, alpha)
	}
	// One half-life after a shift by 10: about half way.
	if m := float64(r.Mean); m < 1004 || m > 1006 {
		t.Errorf("one half-life after a shift 1000 → 1010: mean %v, want about 1005", m)
	}
}
