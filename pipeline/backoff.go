package pipeline

import (
	"context"
	"sync"
	"time"
)

// Bounds of the pause before a failed generation ends.
const (
	RetryBackoffMin = 100 * time.Millisecond
	RetryBackoffMax = 30 * time.Second
)

// backoff paces the generations that fail: a worker whose write, commit or
// fetch failed (the cluster's failure, not a record's: those are dead
// letters) waits before it returns and so ends the generation; the member
// then rejoins and the partition restarts from its committed offset. The
// pause starts at min, doubles with each generation that fails without
// progress (a write or a commit) of the failing partition since the last
// failed generation, and is capped at max; a failure after progress starts
// again from min. (Progress of other partitions does not count: one
// partition that keeps failing must not make the whole group rejoin every
// 100ms.) Every worker of one generation gets the same deadline. Safe for
// concurrent use.
type backoff struct {
	min, max time.Duration
	now      func() time.Time

	mu       sync.Mutex
	cur      time.Duration // the last pause; 0 before the first failure
	gen      int32         // the generation the deadline belongs to
	deadline time.Time
	progress map[int]bool // partitions with a write or commit since the last failed generation
}

func newBackoff() *backoff {
	return &backoff{min: RetryBackoffMin, max: RetryBackoffMax, now: time.Now, progress: map[int]bool{}}
}

// progressed records a write or a commit of partition.
func (b *backoff) progressed(partition int) {
	b.mu.Lock()
	b.progress[partition] = true
	b.mu.Unlock()
}

// failed returns when the worker of partition that failed in generation
// gen may return, and the generation's pause: the first failure of a
// generation sets the pause, later ones of the same generation share it.
func (b *backoff) failed(gen int32, partition int) (time.Time, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur > 0 && gen == b.gen {
		return b.deadline, b.cur
	}
	switch {
	case b.cur == 0 || b.progress[partition]:
		b.cur = b.min
	default:
		b.cur = min(2*b.cur, b.max)
	}
	b.gen = gen
	clear(b.progress)
	b.deadline = b.now().Add(b.cur)
	return b.deadline, b.cur
}

// sleepUntil waits until t or until ctx ends.
func sleepUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}
