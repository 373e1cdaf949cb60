package kafkatest

import (
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// TestCompaction checks that the test broker compacts a topic quickly, so
// that tests of the compacted state topic can see compaction happen.
func TestCompaction(t *testing.T) {
	c := Real(t)
	topic := Name(t, "state")
	c.CreateTopic(t, topic, 1, CompactConfigs())
	const keys, versions = 5, 3
	var msgs []kafka.Message
	for v := 0; v < versions; v++ {
		for k := 0; k < keys; k++ {
			msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprint("k", k)), Value: []byte(fmt.Sprint("v", v))})
		}
	}
	c.Produce(t, topic, msgs...)
	// Only a closed segment is compacted: a later message rolls the one
	// holding msgs once it is older than segment.ms.
	time.Sleep(300 * time.Millisecond)
	c.Produce(t, topic, kafka.Message{Key: []byte("roll"), Value: []byte("x")})

	want := map[string]string{"roll": "x"}
	for k := 0; k < keys; k++ {
		want[fmt.Sprint("k", k)] = fmt.Sprint("v", versions-1)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := c.ReadToEnd(t, topic, 30*time.Second)
		if compacted(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("topic not compacted within 60s: %d messages left, want %d: %v", len(got), len(want), got)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// compacted reports whether msgs hold exactly one message per key of want,
// with want's value.
func compacted(msgs []kafka.Message, want map[string]string) bool {
	if len(msgs) != len(want) {
		return false
	}
	for _, m := range msgs {
		if want[string(m.Key)] != string(m.Value) {
			return false
		}
	}
	return true
}
