package kafkatest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// EndOffsets returns each partition's high watermark: the offset the next
// produced message will get. For a topic nobody compacts or deletes from,
// their sum is the number of messages in it.
func (c *Cluster) EndOffsets(t testing.TB, topic string) map[int]int64 {
	t.Helper()
	return c.offsets(t, topic, kafka.LastOffset)
}

// offsets lists each partition's first (kafka.FirstOffset) or end
// (kafka.LastOffset) offset.
func (c *Cluster) offsets(t testing.TB, topic string, which int64) map[int]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for _, p := range c.Partitions(t, topic) {
		req.Topics[topic] = append(req.Topics[topic], kafka.OffsetRequest{Partition: p, Timestamp: which})
	}
	cl, done := c.client()
	defer done()
	got := map[int]int64{}
	err := retry(ctx, func() error {
		res, err := cl.ListOffsets(ctx, req)
		if err != nil {
			return err
		}
		for _, p := range res.Topics[topic] {
			if p.Error != nil {
				return fmt.Errorf("partition %d: %w", p.Partition, p.Error)
			}
			got[p.Partition] = p.LastOffset
			if which == kafka.FirstOffset {
				got[p.Partition] = p.FirstOffset
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("kafkatest: cannot list offsets of %s: %v", topic, err)
	}
	return got
}

// retry calls fn until it returns nil or an error that is not temporary,
// or ctx ends. A broker that has just started or restarted answers
// NOT_LEADER_OR_FOLLOWER and COORDINATOR_LOAD_IN_PROGRESS for a while.
func retry(ctx context.Context, fn func() error) error {
	for {
		err := fn()
		if err == nil || !temporary(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// CommittedOffsets returns the offsets group has committed for topic, by
// partition; a partition without a commit is absent.
func (c *Cluster) CommittedOffsets(t testing.TB, group, topic string) map[int]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	req := &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: c.Partitions(t, topic)}}
	cl, done := c.client()
	defer done()
	got := map[int]int64{}
	err := retry(ctx, func() error {
		res, err := cl.OffsetFetch(ctx, req)
		if err == nil {
			err = res.Error
		}
		if err != nil {
			return err
		}
		for _, p := range res.Topics[topic] {
			if p.Error != nil {
				return fmt.Errorf("partition %d: %w", p.Partition, p.Error)
			}
			if p.CommittedOffset >= 0 {
				got[p.Partition] = p.CommittedOffset
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("kafkatest: cannot fetch offsets of group %s on %s: %v", group, topic, err)
	}
	return got
}

// WaitCaughtUp waits until group has committed, on every non-empty
// partition of topic, the partition's end offset: everything produced so
// far is consumed and committed. It fails the test after timeout, showing
// both. Produce nothing to topic meanwhile.
func (c *Cluster) WaitCaughtUp(t testing.TB, group, topic string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ends := c.EndOffsets(t, topic)
		maps.DeleteFunc(ends, func(_ int, end int64) bool { return end == 0 })
		got := c.CommittedOffsets(t, group, topic)
		if maps.Equal(got, ends) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("kafkatest: group %s committed %v on %s within %s, want the end offsets %v", group, got, topic, timeout, ends)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// temporary reports whether err is a Kafka error a client retries, such as
// NOT_LEADER_OR_FOLLOWER from a broker that has just become leader.
func temporary(err error) bool {
	var ke kafka.Error
	return errors.As(err, &ke) && ke.Temporary()
}
