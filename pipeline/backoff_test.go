package pipeline

import (
	"testing"
	"time"
)

// TestBackoff checks the pauses of failing generations: doubling from the
// minimum to the cap while a partition fails without progress, one pause
// per generation, and back to the minimum after the partition progressed
// (progress of another partition does not count).
func TestBackoff(t *testing.T) {
	now := time.Unix(0, 0)
	b := newBackoff()
	b.now = func() time.Time { return now }
	gen := int32(0)
	f := func(partition int, want time.Duration) {
		t.Helper()
		gen++
		until, pause := b.failed(gen, partition)
		if got := until.Sub(now); got != want || pause != want {
			t.Fatalf("generation %d: pause %v, want %v", gen, got, want)
		}
		if again, _ := b.failed(gen, partition+1); again.Sub(now) != want {
			t.Fatalf("generation %d: a second failing worker pauses %v, want the generation's %v", gen, again.Sub(now), want)
		}
	}
	for _, want := range []time.Duration{100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000} {
		f(0, want*time.Millisecond)
	}
	b.progressed(5)
	f(0, 30*time.Second)
	b.progressed(0)
	f(0, 100*time.Millisecond)
	f(0, 200*time.Millisecond)
}
