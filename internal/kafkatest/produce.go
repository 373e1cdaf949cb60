package kafkatest

import (
	"context"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// Produce writes msgs to topic and waits for acks from all in-sync
// replicas. A message with a key goes to the partition Java's default
// partitioner picks (murmur2, see Partition); keyless messages go round
// robin. Message.Topic and Message.Partition must be unset.
func (c *Cluster) Produce(t testing.TB, topic string, msgs ...kafka.Message) {
	t.Helper()
	c.produce(t, topic, &keyBalancer{}, msgs)
}

// ProduceTo writes msgs to one partition of topic, acked by all in-sync
// replicas.
func (c *Cluster) ProduceTo(t testing.TB, topic string, partition int, msgs ...kafka.Message) {
	t.Helper()
	c.produce(t, topic, kafka.BalancerFunc(func(kafka.Message, ...int) int { return partition }), msgs)
}

func (c *Cluster) produce(t testing.TB, topic string, bal kafka.Balancer, msgs []kafka.Message) {
	t.Helper()
	tr := &kafka.Transport{DialTimeout: 5 * time.Second}
	defer tr.CloseIdleConnections()
	w := &kafka.Writer{
		Addr:         c.Addr(),
		Topic:        topic,
		Balancer:     bal,
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond,
		BatchSize:    1000,
		BatchBytes:   batchBytes(msgs),
		Transport:    tr,
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	err := w.WriteMessages(ctx, msgs...)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("kafkatest: cannot produce %d messages to %s: %v", len(msgs), topic, err)
	}
}

// batchBytes is kafka-go's 1 MiB default, or room for the largest of msgs
// (a test of records near or over the broker's limit produces each alone).
func batchBytes(msgs []kafka.Message) int64 {
	n := 0
	for _, m := range msgs {
		size := len(m.Key) + len(m.Value)
		for _, h := range m.Headers {
			size += len(h.Key) + len(h.Value)
		}
		n = max(n, size)
	}
	return max(1<<20, int64(n)+1<<10)
}

// Partition returns the partition, of n, that Java's default partitioner
// (and Produce) picks for key: murmur2 of the key, positive, modulo n.
// kcat picks the same with -X topic.partitioner=murmur2_random.
func Partition(key []byte, n int) int {
	parts := make([]int, n)
	for i := range parts {
		parts[i] = i
	}
	return kafka.Murmur2Balancer{Consistent: true}.Balance(kafka.Message{Key: key}, parts...)
}

// keyBalancer is murmur2 for keyed messages and round robin for the rest,
// so that keyless test data is spread deterministically.
type keyBalancer struct {
	rr kafka.RoundRobin
}

// Balance implements kafka.Balancer.
func (b *keyBalancer) Balance(msg kafka.Message, partitions ...int) int {
	if msg.Key == nil {
		return b.rr.Balance(msg, partitions...)
	}
	return kafka.Murmur2Balancer{Consistent: true}.Balance(msg, partitions...)
}
