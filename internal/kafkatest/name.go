package kafkatest

import (
	"fmt"
	"os"
	"regexp"
	"sync/atomic"
	"testing"
	"time"
)

var (
	nameSeq   atomic.Int64
	nameEpoch = time.Now().UnixNano() / int64(time.Millisecond) % 1e9
	nameBad   = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)
)

// maxTestNameLen keeps names far below Kafka's 249-character topic limit.
const maxTestNameLen = 80

// Name returns a topic or group name unique to this call: the test's name,
// the suffix, and a sequence number, process id and start time, so that no
// two tests, packages or runs share a topic on the same broker. Names hold
// no '.', so Kafka never rejects one as colliding with another's '_'.
func Name(t testing.TB, suffix string) string {
	base := nameBad.ReplaceAllString(t.Name(), "-")
	if len(base) > maxTestNameLen {
		base = base[:maxTestNameLen]
	}
	return fmt.Sprintf("%s-%s-%d-%d-%d", base, nameBad.ReplaceAllString(suffix, "-"),
		nameSeq.Add(1), os.Getpid(), nameEpoch)
}
