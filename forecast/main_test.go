package forecast

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind (the
// package starts none).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
