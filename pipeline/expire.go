package pipeline

import (
	"slices"
	"strings"
)

// Reasons of Observer.StateDropped for keys a worker forgets.
const (
	// DropTTL: the key saw no reading for Config.KeyTTL of event time.
	DropTTL = "ttl"
	// DropCap: the partition held more than Config.MaxKeys keys and this
	// one was the least recently seen.
	DropCap = "cap"
)

// checkpointDue reports whether the commit interval has passed or, with
// CheckpointRecords, enough records were processed since the last commit.
func (w *worker) checkpointDue() bool {
	n := w.cfg.CheckpointRecords
	return w.now().Sub(w.lastCommit) >= w.cfg.CommitInterval || (n > 0 && w.sinceCkpt >= n)
}

// expire forgets the keys past their TTL and, beyond MaxKeys, the least
// recently seen ones, and appends a tombstone for each to dst. It runs at
// a commit, after every batch fetched was processed, so no forgotten key
// has a row in flight; a key holding readings for reordering is kept (its
// offsets are not settled yet, and forgetting them would stall the commit).
func (w *worker) expire(dst []KeyState) []KeyState {
	start := len(dst)
	dst = w.expireTTL(dst)
	dst = w.expireCap(dst)
	if len(dst) > start {
		w.dropDirty(dst[start:])
	}
	return dst
}

func (w *worker) expireTTL(dst []KeyState) []KeyState {
	ttl := w.cfg.KeyTTL.Milliseconds()
	s := w.st.stage
	if ttl <= 0 || s.Held() == 0 {
		return dst
	}
	var stream int64 = -1 << 63
	for k := range w.st.win.All() {
		if k.Value.Live() {
			stream = max(stream, k.Latest())
		}
	}
	var old []string
	for k := range w.st.win.All() {
		if k.Value.Live() && stream-k.Latest() > ttl {
			old = append(old, k.Name())
		}
	}
	slices.Sort(old) // tombstones in a deterministic order
	for _, k := range old {
		dst = w.forget(dst, k, DropTTL)
	}
	return dst
}

func (w *worker) expireCap(dst []KeyState) []KeyState {
	s := w.st.stage
	limit := w.cfg.MaxKeys
	if limit <= 0 || s.Held() <= limit {
		return dst
	}
	type seen struct {
		key    string
		offset int64
	}
	all := make([]seen, 0, s.Held())
	for k := range w.st.win.All() {
		if k.Value.Live() {
			all = append(all, seen{k.Name(), k.Value.Added})
		}
	}
	slices.SortFunc(all, func(a, b seen) int {
		if a.offset != b.offset {
			return int(a.offset - b.offset)
		}
		return strings.Compare(a.key, b.key)
	})
	for i := 0; i < len(all) && s.Held() > limit; i++ {
		dst = w.forget(dst, all[i].key, DropCap)
	}
	return dst
}

// forget drops key k from the stage and the window, unless it holds
// readings for reordering, and appends its tombstone.
func (w *worker) forget(dst []KeyState, k, reason string) []KeyState {
	sl := w.st.win.Lookup(k)
	if sl == nil || sl.Held() > 0 {
		return dst
	}
	w.st.stage.Forget(sl)
	w.obs.StateDropped(reason, 1)
	return append(dst, KeyState{Key: k, Deleted: true})
}

// dropDirty removes forgotten keys from the stage's list of keys changed
// since the last checkpoint.
func (w *worker) dropDirty(gone []KeyState) {
	w.st.stage.PruneDirty()
}
