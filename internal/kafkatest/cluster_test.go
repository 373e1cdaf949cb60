package kafkatest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

func TestRealSkipsOrFailsWithoutBroker(t *testing.T) {
	tests := []struct {
		require  string
		wantSkip bool
		wantFail bool
	}{
		{require: "", wantSkip: true},
		{require: "0", wantSkip: true},
		{require: "1", wantFail: true},
	}
	for _, tt := range tests {
		t.Run("require="+tt.require, func(t *testing.T) {
			t.Setenv(EnvBrokers, "")
			t.Setenv(EnvRequireReal, tt.require)
			r := record(t, func(tb testing.TB) { Real(tb) })
			if r.skipped != tt.wantSkip || r.failed != tt.wantFail {
				t.Errorf("Real: skipped %v failed %v (%q), want skipped %v failed %v",
					r.skipped, r.failed, r.msg, tt.wantSkip, tt.wantFail)
			}
			if !strings.Contains(r.msg, EnvBrokers) {
				t.Errorf("Real: message %q does not name %s", r.msg, EnvBrokers)
			}
		})
	}
}

// testMessages makes n keyed messages with headers from a seeded source.
func testMessages(seed uint64, n int) []kafka.Message {
	rng := rand.New(rand.NewPCG(seed, 1))
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{
			Key:     []byte(fmt.Sprintf("sensor-%d", rng.IntN(50))),
			Value:   []byte(fmt.Sprintf(`{"ts":%d,"value":%g}`, 1_700_000_000_000+int64(i)*1000, rng.NormFloat64())),
			Headers: []kafka.Header{{Key: "seq", Value: []byte(fmt.Sprint(i))}},
		}
	}
	return msgs
}

func TestProduceReadAll(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			c := k.new(t)
			topic := Name(t, "in")
			const partitions, n = 3, 60
			c.CreateTopic(t, topic, partitions, nil)
			sent := testMessages(7, n)
			c.Produce(t, topic, sent...)

			got := c.ReadAll(t, topic, n, 30*time.Second)
			if len(got) != n {
				t.Fatalf("ReadAll got %d messages, want %d", len(got), n)
			}
			checkPartitioned(t, got, partitions)
			checkSameMessages(t, got, sent)
			checkEndOffsets(t, c.EndOffsets(t, topic), got)
		})
	}
}

// checkPartitioned checks each message is where Partition says its key goes.
func checkPartitioned(t *testing.T, got []kafka.Message, partitions int) {
	t.Helper()
	for _, m := range got {
		if want := Partition(m.Key, partitions); m.Partition != want {
			t.Errorf("key %s in partition %d, want %d", m.Key, m.Partition, want)
		}
	}
}

// checkSameMessages checks got holds sent (matched by the seq header), with
// keys, values and headers intact, and nothing else.
func checkSameMessages(t *testing.T, got, sent []kafka.Message) {
	t.Helper()
	bySeq := map[string]kafka.Message{}
	for _, m := range got {
		if len(m.Headers) != 1 || m.Headers[0].Key != "seq" {
			t.Fatalf("message at %d/%d has headers %v, want one seq header", m.Partition, m.Offset, m.Headers)
		}
		bySeq[string(m.Headers[0].Value)] = m
	}
	for i, s := range sent {
		m, ok := bySeq[fmt.Sprint(i)]
		if !ok {
			t.Errorf("message %d not read back", i)
			continue
		}
		if !bytes.Equal(m.Key, s.Key) || !bytes.Equal(m.Value, s.Value) {
			t.Errorf("message %d read back as %s=%s, want %s=%s", i, m.Key, m.Value, s.Key, s.Value)
		}
	}
	if len(bySeq) != len(sent) {
		t.Errorf("read %d distinct messages, want %d", len(bySeq), len(sent))
	}
}

// checkEndOffsets checks each partition ends right after its last message.
func checkEndOffsets(t *testing.T, ends map[int]int64, got []kafka.Message) {
	t.Helper()
	want := map[int]int64{}
	for _, m := range got {
		want[m.Partition] = max(want[m.Partition], m.Offset+1)
	}
	for p, end := range ends {
		if end != want[p] {
			t.Errorf("EndOffsets[%d] = %d, want %d", p, end, want[p])
		}
	}
}

func TestProduceTo(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			c := k.new(t)
			topic := Name(t, "in")
			c.CreateTopic(t, topic, 4, nil)
			c.ProduceTo(t, topic, 2, testMessages(3, 10)...)
			got := c.ReadAll(t, topic, 10, 30*time.Second)
			for _, m := range got {
				if m.Partition != 2 {
					t.Errorf("message %d read from partition %d, want 2", m.Offset, m.Partition)
				}
			}
			ends := c.EndOffsets(t, topic)
			if want := map[int]int64{0: 0, 1: 0, 2: 10, 3: 0}; fmt.Sprint(ends) != fmt.Sprint(want) {
				t.Errorf("EndOffsets = %v, want %v", ends, want)
			}
		})
	}
}

func TestReadAllFailsWhenTooFew(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			c := k.new(t)
			topic := Name(t, "in")
			c.CreateTopic(t, topic, 2, nil)
			c.Produce(t, topic, testMessages(5, 3)...)
			r := record(t, func(tb testing.TB) { c.ReadAll(tb, topic, 4, 5*time.Second) })
			// How many of the 3 arrive in time depends on the machine's load.
			if !r.failed || !tooFew.MatchString(r.msg) {
				t.Errorf("ReadAll of 4 from 3: failed %v, message %q; want a failure matching %s", r.failed, r.msg, tooFew)
			}
		})
	}
}

var tooFew = regexp.MustCompile(`read [0-3] of 4 messages`)

func TestCreateTopicConfigs(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			c := k.new(t)
			topic := Name(t, "state")
			want := map[string]string{"cleanup.policy": "compact", "segment.ms": "100", "min.cleanable.dirty.ratio": "0.01"}
			c.CreateTopic(t, topic, 2, want)
			if got := c.Partitions(t, topic); fmt.Sprint(got) != "[0 1]" {
				t.Errorf("Partitions = %v, want [0 1]", got)
			}
			got := describeConfigs(t, c, topic)
			for name, v := range want {
				if got[name] != v {
					t.Errorf("config %s = %q, want %q", name, got[name], v)
				}
			}
		})
	}
}

func describeConfigs(t *testing.T, c *Cluster, topic string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	cl, done := c.client()
	defer done()
	res, err := cl.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{
		Resources: []kafka.DescribeConfigRequestResource{{ResourceType: kafka.ResourceTypeTopic, ResourceName: topic}},
	})
	if err != nil {
		t.Fatalf("DescribeConfigs: %v", err)
	}
	got := map[string]string{}
	for _, r := range res.Resources {
		for _, e := range r.ConfigEntries {
			got[e.ConfigName] = e.ConfigValue
		}
	}
	return got
}

func TestCreateTopicTwiceFails(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			c := k.new(t)
			topic := Name(t, "in")
			c.CreateTopic(t, topic, 1, nil)
			r := record(t, func(tb testing.TB) { c.CreateTopic(tb, topic, 1, nil) })
			if !r.failed || !strings.Contains(r.msg, "cannot create topic") {
				t.Errorf("second CreateTopic: failed %v, message %q; want a failure", r.failed, r.msg)
			}
		})
	}
}

func TestName(t *testing.T) {
	seen := map[string]bool{}
	for _, suffix := range []string{"in", "in", "out", "a b/c", "x.y"} {
		n := Name(t, suffix)
		if seen[n] {
			t.Errorf("Name(%q) = %q twice", suffix, n)
		}
		seen[n] = true
		if strings.ContainsAny(n, ". /") || len(n) > 249 {
			t.Errorf("Name(%q) = %q: not a safe topic name", suffix, n)
		}
		if !strings.HasPrefix(n, "TestName-") {
			t.Errorf("Name(%q) = %q, want it to start with the test's name", suffix, n)
		}
	}
}
