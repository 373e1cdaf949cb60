package pipeline

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDrainContext(t *testing.T) {
	tests := []struct {
		name      string
		cancelGen bool
		wantDone  bool
	}{
		{"generation alive", false, false},
		{"generation ended", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gen, cancelGen := context.WithCancel(context.Background())
			defer cancelGen()
			d, stop := drainContext(gen, 20*time.Millisecond)
			defer stop()
			if tt.cancelGen {
				cancelGen()
				if d.Err() != nil {
					t.Fatalf("drain context ended with its generation: %v", d.Err())
				}
			}
			select {
			case <-d.Done():
				if !tt.wantDone {
					t.Fatalf("drain context ended: %v", context.Cause(d))
				}
				if !errors.Is(context.Cause(d), errDrainTimeout) {
					t.Errorf("cause %v, want %v", context.Cause(d), errDrainTimeout)
				}
			case <-time.After(500 * time.Millisecond):
				if tt.wantDone {
					t.Fatalf("drain context still alive 500ms after a 20ms drain began")
				}
			}
		})
	}
}
