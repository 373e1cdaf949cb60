package ingest

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/segmentio/kafka-go"
)

// TestRanges resolves offset and time bounds on one partition of 10
// records (record i at t0 + i s) and reads them back without a group.
func TestRanges(t *testing.T) {
	t.Run("kfake", func(t *testing.T) { testRanges(t, kafkatest.Kfake(t)) })
	t.Run("real", func(t *testing.T) { testRanges(t, kafkatest.Real(t)) })
}

func testRanges(t *testing.T, c *kafkatest.Cluster) {
	topic := kafkatest.Name(t, "in")
	c.CreateTopic(t, topic, 1, nil)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	var msgs []kafka.Message
	for i := 0; i < 10; i++ {
		msgs = append(msgs, kafka.Message{Value: []byte{byte(i)}, Time: t0.Add(time.Duration(i) * time.Second)})
	}
	c.Produce(t, topic, msgs...)
	ctx := context.Background()
	f := func(b Bounds, from, to int64) {
		t.Helper()
		rng, err := ResolveRange(ctx, c.Brokers, nil, topic, 0, b)
		if err != nil {
			t.Fatalf("ResolveRange(%+v): %v", b, err)
		}
		if rng.From != from || rng.To != to {
			t.Errorf("ResolveRange(%+v) = [%d, %d), want [%d, %d)", b, rng.From, rng.To, from, to)
		}
		rr, err := NewRangeReader(Config{Brokers: c.Brokers, Topic: topic}, rng)
		if err != nil {
			t.Fatal(err)
		}
		defer rr.Close()
		next := from
		var m Message
		for {
			err := rr.Next(ctx, &m)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Offset != next || m.Value[0] != byte(next) || m.HighWaterMark != to {
				t.Errorf("read offset %d value %d hwm %d, want %d, %d, %d", m.Offset, m.Value[0], m.HighWaterMark, next, next, to)
			}
			next++
		}
		if next != to {
			t.Errorf("read up to %d, want %d", next, to)
		}
	}
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	f(Bounds{FromOffset: -1, ToOffset: -1}, 0, 10)
	f(Bounds{FromOffset: 3, ToOffset: 7}, 3, 7)
	f(Bounds{FromOffset: 8, ToOffset: 50}, 8, 10) // clamped to the end
	f(Bounds{FromOffset: 7, ToOffset: 3}, 7, 7)   // empty
	f(Bounds{FromOffset: -1, ToOffset: -1, FromTime: at(4)}, 4, 10)
	f(Bounds{FromOffset: -1, ToOffset: -1, FromTime: at(2).Add(time.Millisecond), ToTime: at(6)}, 3, 6)
	f(Bounds{FromOffset: -1, ToOffset: -1, FromTime: at(60)}, 10, 10) // after every record
	f(Bounds{FromOffset: 1, ToOffset: -1, ToTime: at(60)}, 1, 10)
	if _, err := ResolveRange(ctx, c.Brokers, nil, topic, 0, Bounds{FromOffset: 1, ToOffset: -1, FromTime: at(1)}); err == nil {
		t.Error("an offset and a time for the start: no error, want one")
	}
}
