package ingest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
)

func TestTopicPartitions(t *testing.T) {
	c := kafkatest.Kfake(t, kfake.AllowAutoTopicCreation())
	one, three := kafkatest.Name(t, "one"), kafkatest.Name(t, "three")
	c.CreateTopic(t, one, 1, nil)
	c.CreateTopic(t, three, 3, nil)
	missing := kafkatest.Name(t, "missing")
	tests := []struct {
		name    string
		topics  []string
		want    map[string]int
		wantErr error
	}{
		{"existing", []string{one, three}, map[string]int{one: 1, three: 3}, nil},
		{"one missing", []string{three, missing}, nil, ErrNoTopic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			got, err := TopicPartitions(ctx, c.Brokers, nil, tt.topics...)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("TopicPartitions = %v, %v; want error %v", got, err, tt.wantErr)
			}
			for topic, n := range tt.want {
				if got[topic] != n {
					t.Errorf("partitions of %s = %d, want %d", topic, got[topic], n)
				}
			}
		})
	}
	// The lookup must not have created the missing topic, even on a
	// cluster that auto-creates topics.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := TopicPartitions(ctx, c.Brokers, nil, missing); !errors.Is(err, ErrNoTopic) {
		t.Errorf("a second lookup of %s = %v: the first created it", missing, err)
	}
}
