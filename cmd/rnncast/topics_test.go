package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rnncast/rnncast/ingest"
	"github.com/rnncast/rnncast/internal/kafkatest"
)

// TestTopics: check names every missing topic; create makes the four
// topics co-partitioned, the state topic compacted, the input kept forever
// when asked; check then passes and a second create changes nothing; topics
// that do not fit (partitions, cleanup policy, max.message.bytes,
// retention) are problems of both check and create, each naming its topic.
func TestTopics(t *testing.T) {
	t.Run("kfake", func(t *testing.T) { testTopics(t, kafkatest.Kfake(t)) })
	t.Run("real", func(t *testing.T) { testTopics(t, kafkatest.Real(t)) })
}

func testTopics(t *testing.T, c *kafkatest.Cluster) {
	in, out, dead, st := kafkatest.Name(t, "in"), kafkatest.Name(t, "out"), kafkatest.Name(t, "dead"), kafkatest.Name(t, "state")
	cfg := writeFile(t, t.TempDir(), "pipeline.yaml", []byte(fmt.Sprintf("kafka:\n  brokers: [%s]\n  input_topic: %s\n"+
		"  output_topic: %s\n  dead_letter_topic: %s\n  state_topic: %s\n", c.Brokers[0], in, out, dead, st)))
	topicsCmd := func(wantCode int, args ...string) (string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"topics"}, args...), &stdout, &stderr); code != wantCode {
			t.Fatalf("rnncast topics %q: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, wantCode, stdout.String(), stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	_, stderr := topicsCmd(1, "check", "--config", cfg)
	for _, name := range []string{in, out, dead, st} {
		if !strings.Contains(stderr, "topic "+name+" (") || !strings.Contains(stderr, "does not exist") {
			t.Errorf("check before create: stderr does not say topic %s does not exist:\n%s", name, stderr)
		}
	}
	stdout, _ := topicsCmd(0, "create", "--config", cfg, "--partitions", "3", "--input-retention-ms", "-1")
	if n := strings.Count(stdout, ": created: "); n != 4 {
		t.Errorf("create: %d topics created, want 4:\n%s", n, stdout)
	}
	got := describeTopics(t, c, in, out, dead, st)
	for _, name := range []string{in, out, dead, st} {
		if got[name].Partitions != 3 {
			t.Errorf("topic %s has %d partitions, want 3", name, got[name].Partitions)
		}
	}
	if p := got[st].Configs["cleanup.policy"]; p != "compact" {
		t.Errorf("state topic: cleanup.policy=%s, want compact", p)
	}
	if r := got[in].Configs["retention.ms"]; r != "-1" {
		t.Errorf("input topic: retention.ms=%s, want -1", r)
	}
	topicsCmd(0, "check", "--config", cfg, "--input-retention-ms", "-1", "--replication-factor", "1")
	stdout, _ = topicsCmd(0, "create", "--config", cfg) // idempotent: the input's 3 partitions, not the default 4
	if n := strings.Count(stdout, ": exists: "); n != 4 || strings.Contains(stdout, "created") {
		t.Errorf("second create: want 4 existing topics and none created:\n%s", stdout)
	}

	// Topics that do not fit: the output has 2 partitions, the state topic
	// is not compacted, the dead-letter topic takes 1000 bytes at most.
	out2, dead2, st2 := kafkatest.Name(t, "out2"), kafkatest.Name(t, "dead2"), kafkatest.Name(t, "state2")
	c.CreateTopic(t, out2, 2, nil)
	c.CreateTopic(t, dead2, 3, map[string]string{"max.message.bytes": "1000"})
	c.CreateTopic(t, st2, 3, map[string]string{"cleanup.policy": "delete"})
	bad := writeFile(t, t.TempDir(), "pipeline.yaml", []byte(fmt.Sprintf("kafka:\n  brokers: [%s]\n  input_topic: %s\n"+
		"  output_topic: %s\n  dead_letter_topic: %s\n  state_topic: %s\n", c.Brokers[0], in, out2, dead2, st2)))
	for _, action := range []string{"check", "create"} {
		_, stderr := topicsCmd(1, action, "--config", bad, "--input-retention-ms", "604800000", "--partitions", "3")
		for _, want := range []string{
			"topic " + out2 + " (output) has 2 partitions, want 3, as many as input topic",
			"topic " + dead2 + " (dead letters) has max.message.bytes=1000, want at least 1048588",
			"topic " + st2 + " (state) has cleanup.policy=delete, want compact",
			"topic " + in + " (input) has retention.ms=-1, want 604800000",
			"4 problem(s)",
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%s: stderr does not say %q:\n%s", action, want, stderr)
			}
		}
	}
	if got := describeTopics(t, c, out2); got[out2].Partitions != 2 {
		t.Errorf("create changed the existing topic %s: %d partitions", out2, got[out2].Partitions)
	}
}

func describeTopics(t *testing.T, c *kafkatest.Cluster, names ...string) map[string]ingest.TopicInfo {
	t.Helper()
	got, err := ingest.DescribeTopics(context.Background(), c.Brokers, nil, names...)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
