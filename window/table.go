package window

import "hash/maphash"

// table is Windows' key table: open addressing with linear probing over
// slot pointers, the key string kept in the slot. It holds a key in one
// pointer (8 bytes at a load of at most 3/4 after growth: 11 to 21 bytes
// per key), where a Go map[string]*Key holds the key's string header
// besides (about 53 bytes per key at 2^20 keys, BenchmarkStateMemory): at
// a million sensors per worker the difference is 35 MB.
type table[P any] struct {
	seed  maphash.Seed
	slots []*Key[P] // len a power of two; nil = empty
	n     int
}

func newTable[P any]() table[P] {
	return table[P]{seed: maphash.MakeSeed(), slots: make([]*Key[P], 8)}
}

// home returns the first slot to probe for a key of hash h.
func (t *table[P]) home(h uint64) int { return int(h & uint64(len(t.slots)-1)) }

// get returns the slot of key, or nil.
func (t *table[P]) get(key string) *Key[P] {
	mask := len(t.slots) - 1
	for i := t.home(maphash.String(t.seed, key)); ; i = (i + 1) & mask {
		k := t.slots[i]
		if k == nil || k.key == key {
			return k
		}
	}
}

// getBytes returns the slot of the key spelt key, or nil.
func (t *table[P]) getBytes(key []byte) *Key[P] {
	mask := len(t.slots) - 1
	for i := t.home(maphash.Bytes(t.seed, key)); ; i = (i + 1) & mask {
		k := t.slots[i]
		if k == nil || k.key == string(key) {
			return k
		}
	}
}

// put adds k, whose key the table does not hold.
func (t *table[P]) put(k *Key[P]) {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow()
	}
	t.insert(k)
	t.n++
}

func (t *table[P]) insert(k *Key[P]) {
	mask := len(t.slots) - 1
	i := t.home(maphash.String(t.seed, k.key))
	for t.slots[i] != nil {
		i = (i + 1) & mask
	}
	t.slots[i] = k
}

func (t *table[P]) grow() {
	old := t.slots
	t.slots = make([]*Key[P], 2*len(old))
	for _, k := range old {
		if k != nil {
			t.insert(k)
		}
	}
}

// remove removes the slot of key, if held, and returns it. Later entries
// of its probe run shift back (no tombstones), so a lookup stops at the
// first empty slot.
func (t *table[P]) remove(key string) *Key[P] {
	mask := len(t.slots) - 1
	i := t.home(maphash.String(t.seed, key))
	for t.slots[i] != nil && t.slots[i].key != key {
		i = (i + 1) & mask
	}
	k := t.slots[i]
	if k == nil {
		return nil
	}
	t.slots[i] = nil
	t.n--
	for j := (i + 1) & mask; t.slots[j] != nil; j = (j + 1) & mask {
		// Move slots[j] to the hole i when its home is not in (i, j]
		// (cyclically): there a lookup from its home would stop at i.
		h := t.home(maphash.String(t.seed, t.slots[j].key))
		if (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
			t.slots[i], t.slots[j] = t.slots[j], nil
			i = j
		}
	}
	return k
}
