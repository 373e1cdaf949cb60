package sink

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind (a
// writer or its transport, a kfake cluster).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
