package ingest

import (
	"context"
	"errors"
	"fmt"

	"github.com/segmentio/kafka-go"
)

// ErrNoTopic is wrapped by TopicPartitions' error for a topic that does not
// exist.
var ErrNoTopic = errors.New("topic does not exist")

// TopicPartitions returns how many partitions each of topics has. It never
// creates a topic (a metadata request that could auto-create one is not
// sent); a missing topic is an error wrapping ErrNoTopic and naming it.
// dialer may be nil; its TLS and SASL settings are used when set.
func TopicPartitions(ctx context.Context, brokers []string, dialer *kafka.Dialer, topics ...string) (map[string]int, error) {
	cl, done := adminClient(brokers, dialer)
	defer done()
	res, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return nil, fmt.Errorf("ingest: cannot read metadata of %v: %w", topics, err)
	}
	n := make(map[string]int, len(topics))
	for _, t := range res.Topics {
		if t.Error == nil {
			n[t.Name] = len(t.Partitions)
		}
	}
	for _, t := range topics {
		if _, ok := n[t]; !ok {
			return nil, fmt.Errorf("ingest: cannot use topic %q: %w", t, ErrNoTopic)
		}
	}
	return n, nil
}
