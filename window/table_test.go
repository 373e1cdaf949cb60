package window

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestTable runs seeded random puts and removes against a Go map and
// checks every key's presence after each operation batch, so probe runs
// broken by a removal's back-shift would show.
func TestTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	tb := newTable[struct{}]()
	ref := map[string]*Key[struct{}]{}
	names := make([]string, 300)
	for i := range names {
		names[i] = fmt.Sprintf("k%d", i)
	}
	for step := range 20000 {
		name := names[rng.IntN(len(names))]
		if _, ok := ref[name]; ok && rng.IntN(2) == 0 {
			if got := tb.remove(name); got != ref[name] {
				t.Fatalf("step %d: remove(%q) = %p, want %p", step, name, got, ref[name])
			}
			delete(ref, name)
		} else if !ok {
			k := &Key[struct{}]{keyState: keyState{key: name}}
			tb.put(k)
			ref[name] = k
		}
		if step%97 != 0 {
			continue
		}
		for _, n := range names {
			if got, want := tb.get(n), ref[n]; got != want {
				t.Fatalf("step %d: get(%q) = %p, want %p", step, n, got, want)
			}
			if got, want := tb.getBytes([]byte(n)), ref[n]; got != want {
				t.Fatalf("step %d: getBytes(%q) = %p, want %p", step, n, got, want)
			}
		}
		if tb.n != len(ref) {
			t.Fatalf("step %d: %d keys, want %d", step, tb.n, len(ref))
		}
	}
	if tb.remove("absent") != nil {
		t.Fatal("remove of an absent key returned a slot")
	}
}
