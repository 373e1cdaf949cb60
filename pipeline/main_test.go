package pipeline

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind (a
// worker, a fetcher, the consumer group, the writer, a kfake cluster).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
