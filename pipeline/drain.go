package pipeline

import (
	"context"
	"errors"
	"sync"
	"time"
)

// errDrainTimeout ends a drain that took longer than ShutdownTimeout.
var errDrainTimeout = errors.New("pipeline: drain took longer than the shutdown timeout")

// drainContext returns a context for a worker's writes and commits: it is
// not cancelled when ctx (the generation) ends, so the batch in hand is
// finished and committed, but it ends d after ctx does, which bounds the
// drain. The returned stop must be called when the worker returns.
func drainContext(ctx context.Context, d time.Duration) (context.Context, func()) {
	dctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	var (
		mu      sync.Mutex
		timer   *time.Timer
		stopped bool
	)
	stopAfter := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			timer = time.AfterFunc(d, func() { cancel(errDrainTimeout) })
		}
	})
	return dctx, func() {
		stopAfter()
		mu.Lock()
		stopped = true
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		cancel(context.Canceled)
	}
}
