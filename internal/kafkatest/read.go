package kafkatest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
)

// fetchWait is how long one fetch waits on a partition with no new data.
const fetchWait = 50 * time.Millisecond

// ReadAll reads topic from the start of every partition, without a
// consumer group, until it has at least n messages, and fails the test when
// fewer arrive within timeout. It returns every message it fetched (more
// than n when more were there), ordered by partition and offset; compare
// with EndOffsets to prove there are no more.
func (c *Cluster) ReadAll(t testing.TB, topic string, n int, timeout time.Duration) []kafka.Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	parts, err := c.partitions(ctx, topic)
	if err != nil {
		t.Fatalf("kafkatest: cannot read partitions of %s: %v", topic, err)
	}
	cl, done := c.client()
	defer done()
	next := make([]int64, len(parts)) // next offset to read, by partition index
	for i := range next {
		next[i] = kafka.FirstOffset
	}
	var out []kafka.Message
	for len(out) < n && time.Now().Before(deadline) {
		for i, p := range parts {
			out, next[i], err = fetch(ctx, cl, topic, p.ID, next[i], out)
			if err != nil && !temporary(err) && time.Now().Before(deadline) {
				t.Fatalf("kafkatest: cannot fetch %s/%d at offset %d: %v", topic, p.ID, next[i], err)
			}
		}
	}
	if len(out) < n {
		t.Fatalf("kafkatest: read %d of %d messages from %s within %s", len(out), n, topic, timeout)
	}
	sortMessages(out)
	return out
}

func sortMessages(ms []kafka.Message) {
	sort.SliceStable(ms, func(i, j int) bool {
		if ms[i].Partition != ms[j].Partition {
			return ms[i].Partition < ms[j].Partition
		}
		return ms[i].Offset < ms[j].Offset
	})
}

// fetch appends the records of one fetch at offset to out and returns the
// next offset to fetch.
func fetch(ctx context.Context, cl *kafka.Client, topic string, partition int, offset int64, out []kafka.Message) ([]kafka.Message, int64, error) {
	res, err := cl.Fetch(ctx, &kafka.FetchRequest{
		Topic: topic, Partition: partition, Offset: offset,
		MinBytes: 1, MaxBytes: 8 << 20, MaxWait: fetchWait,
	})
	if err != nil {
		return out, offset, err
	}
	if res.Error != nil {
		return out, offset, res.Error
	}
	for {
		r, err := res.Records.ReadRecord()
		if errors.Is(err, io.EOF) {
			return out, offset, nil
		}
		if err != nil {
			return out, offset, err
		}
		// A fetch returns whole batches: skip records before the offset.
		if offset >= 0 && r.Offset < offset {
			continue
		}
		m, err := message(topic, partition, r)
		if err != nil {
			return out, offset, err
		}
		out = append(out, m)
		offset = r.Offset + 1
	}
}

func message(topic string, partition int, r *kafka.Record) (kafka.Message, error) {
	m := kafka.Message{Topic: topic, Partition: partition, Offset: r.Offset, Time: r.Time, Headers: r.Headers}
	var err error
	if r.Key != nil {
		if m.Key, err = protocol.ReadAll(r.Key); err != nil {
			return m, fmt.Errorf("cannot read key: %w", err)
		}
	}
	if r.Value != nil {
		if m.Value, err = protocol.ReadAll(r.Value); err != nil {
			return m, fmt.Errorf("cannot read value: %w", err)
		}
	}
	return m, nil
}

// ReadToEnd reads every message in topic now: each partition from its
// first offset up to its high watermark at the call, without a consumer
// group; it fails the test when that takes longer than timeout. On a
// compacted topic it reads what compaction has left (restoring state reads
// the state topic this way). Messages are ordered by partition and offset.
func (c *Cluster) ReadToEnd(t testing.TB, topic string, timeout time.Duration) []kafka.Message {
	t.Helper()
	starts, ends := c.offsets(t, topic, kafka.FirstOffset), c.EndOffsets(t, topic)
	deadline := time.Now().Add(timeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	cl, done := c.client()
	defer done()
	var out []kafka.Message
	for p, start := range starts {
		var err error
		if out, err = readRange(ctx, cl, topic, p, start, ends[p], out); err != nil {
			t.Fatalf("kafkatest: cannot read %s/%d up to offset %d: %v", topic, p, ends[p], err)
		}
	}
	sortMessages(out)
	return out
}

// readRange appends the messages of one partition from offset next up to
// end to out, retrying temporary errors until ctx ends.
func readRange(ctx context.Context, cl *kafka.Client, topic string, p int, next, end int64, out []kafka.Message) ([]kafka.Message, error) {
	var err error
	for next < end {
		out, next, err = fetch(ctx, cl, topic, p, next, out)
		if err != nil && !temporary(err) {
			return out, err
		}
		if ctx.Err() != nil {
			return out, fmt.Errorf("stopped at offset %d: %w", next, ctx.Err())
		}
	}
	return out, nil
}
