package ingest

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind (a
// consumer group, a fetcher, a kfake cluster). The connections of
// kafka-go's shared DefaultTransport are ignored: a kafka.Client without a
// Transport of its own would leave idle connections that outlive the test
// (the admin calls of topicspec.go close theirs; the group and the fetcher
// use Dialer connections, which this still checks).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/segmentio/kafka-go.(*connPool).discover"),
		goleak.IgnoreTopFunction("github.com/segmentio/kafka-go.(*conn).run"))
}
