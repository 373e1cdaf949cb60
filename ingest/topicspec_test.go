package ingest

import (
	"strings"
	"testing"
)

// TestTopicSpecProblems: each way a topic can miss its spec is one problem
// naming what it has and what it wants; a topic that fits has none.
func TestTopicSpecProblems(t *testing.T) {
	keep := int64(-1)
	spec := TopicSpec{Name: "t", Partitions: 4, ReplicationFactor: 3, CheckReplication: true, RetentionMs: &keep, MinMessageBytes: 1000}
	ok := TopicInfo{Partitions: 4, Replication: 3, Configs: map[string]string{"cleanup.policy": "delete", "retention.ms": "-1", "max.message.bytes": "1000"}}
	f := func(s TopicSpec, change func(*TopicInfo), want ...string) {
		t.Helper()
		info := ok
		info.Configs = map[string]string{}
		for k, v := range ok.Configs {
			info.Configs[k] = v
		}
		change(&info)
		got := s.Problems(info)
		if len(got) != len(want) {
			t.Fatalf("got problems %q, want %d like %q", got, len(want), want)
		}
		for i, w := range want {
			if !strings.Contains(got[i], w) {
				t.Errorf("problem %d: got %q, want it to contain %q", i, got[i], w)
			}
		}
	}
	f(spec, func(*TopicInfo) {})
	f(spec, func(i *TopicInfo) { i.Partitions = 2 }, "has 2 partitions, want 4")
	f(spec, func(i *TopicInfo) { i.Replication = 1 }, "replication factor 1, want 3")
	f(spec, func(i *TopicInfo) { i.Configs["cleanup.policy"] = "compact" }, "cleanup.policy=compact, want delete")
	f(spec, func(i *TopicInfo) { i.Configs["retention.ms"] = "604800000" }, "retention.ms=604800000, want -1")
	f(spec, func(i *TopicInfo) { i.Configs["max.message.bytes"] = "999" }, "max.message.bytes=999, want at least 1000")
	loose := spec
	loose.CheckReplication, loose.RetentionMs, loose.MinMessageBytes = false, nil, 0
	f(loose, func(i *TopicInfo) {
		i.Replication, i.Configs["retention.ms"], i.Configs["max.message.bytes"] = 1, "5", "1"
	})
	state := TopicSpec{Partitions: 4, Compacted: true}
	f(state, func(i *TopicInfo) { i.Configs["cleanup.policy"] = "compact,delete" })
	f(state, func(i *TopicInfo) {}, "cleanup.policy=delete, want compact")
}
