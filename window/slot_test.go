package window

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestSlots: a key's slot carries the caller's value from its first
// reading until Forget or Reset; Lookup, Intern and Flushed find the same
// slot.
func TestSlots(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	w, err := New[int](hourly(2, 1), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		w.Release()
		mem.AssertSize(t, 0)
	}()
	a, err := w.Put(reading("a", 0, 0, 0, 1))
	if err != nil || a == nil || a.Name() != "a" || a.Value != 0 {
		t.Fatalf("Put(a) = %v, %v; want a new slot of a", a, err)
	}
	a.Value = 7
	if k, err := w.Put(reading("a", 1, 0, 1, 2)); err != nil || k != a || k.Value != 7 {
		t.Fatalf("second Put(a) = %v, %v; want the same slot, value 7", k, err)
	}
	if k, err := w.Put(reading("a", 1, 0, 2, 2)); err == nil || k != nil {
		t.Fatalf("Put of a duplicate = %v, %v; want nil and an error", k, err)
	}
	b, _ := w.Put(reading("b", 0, 0, 3, 5))
	if w.Lookup("a") != a || w.Lookup("b") != b || w.Lookup("c") != nil {
		t.Fatal("Lookup does not find the slots Put returned")
	}
	if s, ok := w.Intern([]byte("a")); !ok || s != "a" {
		t.Fatalf("Intern(a) = %q, %v", s, ok)
	}
	if _, ok := w.Intern([]byte("c")); ok {
		t.Fatal("Intern(c) found a key never added")
	}
	batch, err := w.Flush()
	if err != nil {
		t.Fatal(err)
	}
	defer batch.Release()
	got := w.Flushed()
	if len(got) != batch.Len() {
		t.Fatalf("Flushed has %d slots for %d rows", len(got), batch.Len())
	}
	for i, k := range got {
		if k.Name() != batch.Keys[i] {
			t.Errorf("Flushed()[%d] is %q, row is %q", i, k.Name(), batch.Keys[i])
		}
	}
	n := 0
	for range w.All() {
		n++
	}
	if n != 2 {
		t.Fatalf("All yields %d slots, want 2", n)
	}
	snap := w.SnapshotOf(a)
	r, err := w.Reset("a", snap)
	if err != nil || r == a || r.Value != 0 || w.Lookup("a") != r {
		t.Fatalf("Reset(a) = %v, %v; want a new slot with a zero value", r, err)
	}
	w.Forget("b")
	if w.Lookup("b") != nil {
		t.Fatal("Lookup finds a forgotten key")
	}
	if k, _ := w.Put(reading("b", 5, 0, 4, 1)); k == b || k.Value != 0 {
		t.Fatal("a forgotten key came back with its old slot")
	}
}
