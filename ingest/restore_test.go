package ingest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/segmentio/kafka-go"
)

func clusters(t *testing.T, fn func(t *testing.T, c *kafkatest.Cluster)) {
	t.Run("kfake", func(t *testing.T) { fn(t, kafkatest.Kfake(t)) })
	t.Run("real", func(t *testing.T) { fn(t, kafkatest.Real(t)) })
}

func TestRestoreReadsToTheEndOnce(t *testing.T) {
	clusters(t, func(t *testing.T, c *kafkatest.Cluster) {
		topic := kafkatest.Name(t, "state")
		c.CreateTopic(t, topic, 2, map[string]string{"cleanup.policy": "compact"})
		var msgs []kafka.Message
		for i := range 50 {
			msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprintf("k%d", i%7)), Value: []byte(fmt.Sprint(i))})
		}
		msgs = append(msgs, kafka.Message{Key: []byte("k3")}) // tombstone
		c.ProduceTo(t, topic, 1, msgs...)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cfg := StateConfig{Brokers: c.Brokers, Topic: topic}

		got := map[string]string{}
		n, err := Restore(ctx, cfg, 1, func(k, v []byte) error {
			if v == nil {
				delete(got, string(k))
			} else {
				got[string(k)] = string(v)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Restore: %v", err)
		}
		if n != len(msgs) {
			t.Fatalf("Restore read %d records, want %d", n, len(msgs))
		}
		if len(got) != 6 || got["k0"] != "49" || got["k6"] != "48" {
			t.Fatalf("restored %v, want the last value of k0..k6 without k3", got)
		}
		if _, ok := got["k3"]; ok {
			t.Fatalf("tombstoned key k3 restored: %v", got)
		}

		n, err = Restore(ctx, cfg, 0, func(k, v []byte) error { return errors.New("called on an empty partition") })
		if err != nil || n != 0 {
			t.Fatalf("Restore of an empty partition: %d records, %v; want 0, nil", n, err)
		}
	})
}

func TestEnsureStateTopic(t *testing.T) {
	clusters(t, func(t *testing.T, c *kafkatest.Cluster) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		in := kafkatest.Name(t, "in")
		c.CreateTopic(t, in, 3, nil)

		created := kafkatest.Name(t, "state")
		if err := EnsureStateTopic(ctx, c.Brokers, nil, in, created); err != nil {
			t.Fatalf("EnsureStateTopic on an absent topic: %v", err)
		}
		if err := EnsureStateTopic(ctx, c.Brokers, nil, in, created); err != nil {
			t.Fatalf("EnsureStateTopic on the topic it created: %v", err)
		}

		wrong := kafkatest.Name(t, "wrong")
		c.CreateTopic(t, wrong, 2, map[string]string{"cleanup.policy": "compact"})
		var te *TopicError
		if err := EnsureStateTopic(ctx, c.Brokers, nil, in, wrong); !errors.As(err, &te) {
			t.Fatalf("partition mismatch: got %v, want *TopicError", err)
		}

		if c.IsReal() { // kfake does not keep topic configs for DescribeConfigs.
			deleting := kafkatest.Name(t, "delete")
			c.CreateTopic(t, deleting, 3, map[string]string{"cleanup.policy": "delete"})
			if err := EnsureStateTopic(ctx, c.Brokers, nil, in, deleting); !errors.As(err, &te) {
				t.Fatalf("cleanup.policy=delete: got %v, want *TopicError", err)
			}
		}
		if err := EnsureStateTopic(ctx, c.Brokers, nil, kafkatest.Name(t, "absent"), created); err == nil {
			t.Fatalf("absent input topic: got nil error")
		}
	})
}
