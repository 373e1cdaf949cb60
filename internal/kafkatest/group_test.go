package kafkatest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// groupWait bounds every wait on the group protocol in these tests.
const groupWait = 60 * time.Second

func newGroup(t *testing.T, c *Cluster, id, topic string) *kafka.ConsumerGroup {
	t.Helper()
	g, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                id,
		Brokers:           c.Brokers,
		Topics:            []string{topic},
		HeartbeatInterval: 200 * time.Millisecond,
		SessionTimeout:    6 * time.Second, // kfake's minimum
		RebalanceTimeout:  10 * time.Second,
		JoinGroupBackoff:  200 * time.Millisecond,
		StartOffset:       kafka.FirstOffset,
		Timeout:           10 * time.Second,
	})
	if err != nil {
		t.Fatalf("NewConsumerGroup: %v", err)
	}
	return g
}

func nextGen(t *testing.T, g *kafka.ConsumerGroup) *kafka.Generation {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), groupWait)
	defer cancel()
	gen, err := g.Next(ctx)
	if err != nil {
		t.Fatalf("ConsumerGroup.Next: %v", err)
	}
	return gen
}

// ended returns a channel closed when gen ends (a rebalance started).
func ended(gen *kafka.Generation) <-chan struct{} {
	done := make(chan struct{})
	gen.Start(func(ctx context.Context) {
		<-ctx.Done()
		close(done)
	})
	return done
}

func waitEnded(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(groupWait):
		t.Fatalf("%s did not end within %s", what, groupWait)
	}
}

// assigned maps each partition of topic in gen to its starting offset.
func assigned(gen *kafka.Generation, topic string) map[int]int64 {
	m := map[int]int64{}
	for _, a := range gen.Assignments[topic] {
		m[a.ID] = a.Offset
	}
	return m
}

func commit(t *testing.T, gen *kafka.Generation, topic string, offsets map[int]int64) {
	t.Helper()
	if err := gen.CommitOffsets(map[string]map[int]int64{topic: offsets}); err != nil {
		t.Fatalf("generation %d: CommitOffsets: %v", gen.ID, err)
	}
}

// TestConsumerGroupRebalance proves the group protocol of kafka-go works
// with the cluster: a second member joins and the partitions are split, a
// commit by the old generation is fenced, commits reach the new owners
// through their assignments, and the partitions return when a member leaves.
func TestConsumerGroupRebalance(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			c := k.new(t)
			topic, group := Name(t, "in"), Name(t, "group")
			const partitions = 4
			c.CreateTopic(t, topic, partitions, nil)

			a := newGroup(t, c, group, topic)
			defer a.Close()
			genA1 := nextGen(t, a)
			if got := assigned(genA1, topic); len(got) != partitions {
				t.Fatalf("first member assigned %v, want all %d partitions", got, partitions)
			}
			first := map[int]int64{0: 10, 1: 11, 2: 12, 3: 13}
			commit(t, genA1, topic, first)
			checkCommitted(t, c, group, topic, first)

			genA2, genB, b := joinSecond(t, c, a, genA1, group, topic)
			checkSplit(t, genA1, genA2, genB, topic, partitions, first)

			// The old generation is fenced: kafka-go refuses its commit,
			// and so does the broker when the request reaches it.
			if err := genA1.CommitOffsets(map[string]map[int]int64{topic: {0: 99}}); err == nil {
				t.Errorf("kafka-go committed for the ended generation %d", genA1.ID)
			}
			checkFenced(t, c, genA1, topic)
			checkCommitted(t, c, group, topic, first)

			second := map[int]int64{}
			for p := range assigned(genB, topic) {
				second[p] = 100 + int64(p)
			}
			commit(t, genB, topic, second)
			want := merge(first, second)
			checkCommitted(t, c, group, topic, want)

			endA2 := ended(genA2)
			if err := b.Close(); err != nil {
				t.Fatalf("second member Close: %v", err)
			}
			waitEnded(t, endA2, "first member's generation after the second left")
			genA3 := nextGen(t, a)
			if got := assigned(genA3, topic); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("after the second member left, first member assigned %v, want %v", got, want)
			}
		})
	}
}

// joinSecond starts a second member and waits for both members' next
// generation.
func joinSecond(t *testing.T, c *Cluster, a *kafka.ConsumerGroup, genA1 *kafka.Generation, group, topic string) (*kafka.Generation, *kafka.Generation, *kafka.ConsumerGroup) {
	t.Helper()
	endA1 := ended(genA1)
	b := newGroup(t, c, group, topic)
	t.Cleanup(func() { b.Close() })
	type result struct {
		gen *kafka.Generation
		err error
	}
	bCh := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), groupWait)
		defer cancel()
		gen, err := b.Next(ctx)
		bCh <- result{gen, err}
	}()
	waitEnded(t, endA1, "first member's generation after a second joined")
	genA2 := nextGen(t, a)
	r := <-bCh
	if r.err != nil {
		t.Fatalf("second member Next: %v", r.err)
	}
	return genA2, r.gen, b
}

// checkSplit checks both members are in one newer generation, own disjoint
// non-empty halves that cover the topic, and start at the committed offsets.
func checkSplit(t *testing.T, old, genA, genB *kafka.Generation, topic string, partitions int, committed map[int]int64) {
	t.Helper()
	if genA.ID != genB.ID || genA.ID <= old.ID {
		t.Errorf("generations after the join: %d and %d, want one, newer than %d", genA.ID, genB.ID, old.ID)
	}
	pa, pb := assigned(genA, topic), assigned(genB, topic)
	if len(pa) == 0 || len(pb) == 0 {
		t.Errorf("assignments %v and %v: want both members to own partitions", pa, pb)
	}
	all := merge(pa, pb)
	if len(all) != len(pa)+len(pb) || len(all) != partitions {
		t.Errorf("assignments %v and %v: want disjoint, covering %d partitions", pa, pb, partitions)
	}
	if fmt.Sprint(all) != fmt.Sprint(committed) {
		t.Errorf("assigned start offsets %v, want the committed %v", all, committed)
	}
}

// checkFenced sends an OffsetCommit as the ended generation gen and checks
// the broker rejects it with ILLEGAL_GENERATION.
func checkFenced(t *testing.T, c *Cluster, gen *kafka.Generation, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	cl, done := c.client()
	defer done()
	res, err := cl.OffsetCommit(ctx, &kafka.OffsetCommitRequest{
		GroupID: gen.GroupID, GenerationID: int(gen.ID), MemberID: gen.MemberID,
		Topics: map[string][]kafka.OffsetCommit{topic: {{Partition: 0, Offset: 99}}},
	})
	if err != nil {
		t.Fatalf("OffsetCommit as generation %d: %v", gen.ID, err)
	}
	for _, p := range res.Topics[topic] {
		if !errors.Is(p.Error, kafka.IllegalGeneration) {
			t.Errorf("OffsetCommit as ended generation %d on partition %d: error %v, want %v", gen.ID, p.Partition, p.Error, kafka.IllegalGeneration)
		}
	}
	if len(res.Topics[topic]) != 1 {
		t.Errorf("OffsetCommit answered for %v, want partition 0", res.Topics[topic])
	}
}

func checkCommitted(t *testing.T, c *Cluster, group, topic string, want map[int]int64) {
	t.Helper()
	if got := c.CommittedOffsets(t, group, topic); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("committed offsets %v, want %v", got, want)
	}
}

func merge(ms ...map[int]int64) map[int]int64 {
	out := map[int]int64{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
