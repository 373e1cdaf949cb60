package kafkatest

import (
	"strings"
	"testing"
	"time"
)

func TestWaitCaughtUp(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			c := k.new(t)
			topic, group := Name(t, "in"), Name(t, "group")
			c.CreateTopic(t, topic, 3, nil) // partition 2 stays empty
			c.ProduceTo(t, topic, 0, testMessages(1, 4)...)
			c.ProduceTo(t, topic, 1, testMessages(2, 6)...)

			commitSimple(t, c, group, topic, map[int]int64{0: 4, 1: 5})
			r := record(t, func(tb testing.TB) { c.WaitCaughtUp(tb, group, topic, time.Second) })
			if !r.failed || !strings.Contains(r.msg, "want the end offsets map[0:4 1:6]") {
				t.Errorf("WaitCaughtUp one behind: failed %v (%q), want a failure naming the end offsets", r.failed, r.msg)
			}

			commitSimple(t, c, group, topic, map[int]int64{1: 6})
			c.WaitCaughtUp(t, group, topic, 30*time.Second)
		})
	}
}
