package main

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestCommandContext: a limit ends the context by its deadline; without one
// only stop (or a signal) ends it.
func TestCommandContext(t *testing.T) {
	ctx, stop := commandContext(time.Millisecond)
	<-ctx.Done()
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Errorf("with a limit: ctx ended with %v, want the deadline", ctx.Err())
	}
	stop()
	ctx, stop = commandContext(0)
	if _, ok := ctx.Deadline(); ok || ctx.Err() != nil {
		t.Errorf("without a limit: deadline set or ended early (%v)", ctx.Err())
	}
	stop()
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Errorf("after stop: ctx.Err() = %v, want Canceled", ctx.Err())
	}
}
