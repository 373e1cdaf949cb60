package kafkatest

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a helper leaves a goroutine behind (a
// kfake cluster, a kafka-go transport or writer not closed).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// kinds are the clusters every conformance test runs on.
var kinds = []struct {
	name string
	new  func(testing.TB) *Cluster
}{
	{"kfake", func(t testing.TB) *Cluster { return Kfake(t) }},
	{"real", func(t testing.TB) *Cluster { return Real(t) }},
}

// recorder is a testing.TB whose Fatal and Skip end only the goroutine of
// the helper under test, so a test can check that a helper fails or skips.
type recorder struct {
	testing.TB
	mu      sync.Mutex
	failed  bool
	skipped bool
	msg     string
}

func (r *recorder) Fatalf(format string, args ...any) { r.end(&r.failed, format, args) }
func (r *recorder) Skipf(format string, args ...any)  { r.end(&r.skipped, format, args) }

func (r *recorder) end(flag *bool, format string, args []any) {
	r.mu.Lock()
	*flag = true
	r.msg = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

// record calls fn with a recorder in a goroutine of its own and waits.
func record(t *testing.T, fn func(testing.TB)) *recorder {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	return r
}
