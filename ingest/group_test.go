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

func TestConfigValidate(t *testing.T) {
	ok := Config{Brokers: []string{"127.0.0.1:1"}, Topic: "t", Group: "g"}
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr bool
	}{
		{"valid", func(*Config) {}, false},
		{"no brokers", func(c *Config) { c.Brokers = nil }, true},
		{"no topic", func(c *Config) { c.Topic = "" }, true},
		{"no group", func(c *Config) { c.Group = "" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			err := c.Validate()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate() = %v, want error %v", err, tt.wantErr)
			}
			g, gerr := NewGroup(c)
			if (gerr != nil) != tt.wantErr {
				t.Fatalf("NewGroup() = %v, want error %v", gerr, tt.wantErr)
			}
			if g != nil {
				g.Close()
			}
		})
	}
}

// TestFetcher checks that a Fetcher reads one partition in order from its
// start offset, reports lag, and loses nothing to a Fetch whose context
// ends while it waits.
func TestFetcher(t *testing.T) {
	c := kafkatest.Kfake(t)
	topic := kafkatest.Name(t, "in")
	c.CreateTopic(t, topic, 2, nil)
	var msgs []kafka.Message
	for i := 0; i < 10; i++ {
		msgs = append(msgs, kafka.Message{Value: []byte(fmt.Sprint(i))})
	}
	c.ProduceTo(t, topic, 1, msgs...)
	f, err := NewFetcher(Config{Brokers: c.Brokers, Topic: topic, Group: "unused"}, Assignment{Partition: 1, Offset: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var m Message
	for want := int64(3); want < 10; want++ {
		if err := f.Fetch(ctx, &m); err != nil {
			t.Fatalf("Fetch at %d: %v", want, err)
		}
		if m.Offset != want || string(m.Value) != fmt.Sprint(want) || m.Partition != 1 || m.Lag() != 9-want {
			t.Fatalf("got offset %d value %q partition %d lag %d, want offset %d lag %d", m.Offset, m.Value, m.Partition, m.Lag(), want, 9-want)
		}
	}
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	if err := f.Fetch(short, &m); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Fetch on an idle partition = %v, want the context's deadline", err)
	}
	c.ProduceTo(t, topic, 1, kafka.Message{Value: []byte("10")})
	if err := f.Fetch(ctx, &m); err != nil || m.Offset != 10 {
		t.Fatalf("Fetch after an expired wait = offset %d, %v; want offset 10", m.Offset, err)
	}
}

// TestGroupCommit checks that a generation's commit is the offset the next
// generation's assignment starts from, after the member leaves and rejoins.
func TestGroupCommit(t *testing.T) {
	c := kafkatest.Kfake(t)
	topic := kafkatest.Name(t, "in")
	c.CreateTopic(t, topic, 3, nil)
	cfg := Config{Brokers: c.Brokers, Topic: topic, Group: kafkatest.Name(t, "group"), StartFirst: true,
		HeartbeatInterval: 200 * time.Millisecond, JoinBackoff: 200 * time.Millisecond}
	first := joinOnce(t, cfg, func(gen *Generation) {
		if err := gen.Commit(2, 42); err != nil {
			t.Errorf("Commit: %v", err)
		}
	})
	second := joinOnce(t, cfg, func(*Generation) {})
	want := []Assignment{{0, kafka.FirstOffset}, {1, kafka.FirstOffset}, {2, kafka.FirstOffset}}
	if fmt.Sprint(first) != fmt.Sprint(want) {
		t.Errorf("first assignments %v, want %v", first, want)
	}
	want[2].Offset = 42
	if fmt.Sprint(second) != fmt.Sprint(want) {
		t.Errorf("assignments after the commit %v, want %v", second, want)
	}
}

// joinOnce joins the group, runs fn on the first generation, leaves, and
// returns the generation's assignments.
func joinOnce(t *testing.T, cfg Config, fn func(*Generation)) []Assignment {
	t.Helper()
	g, err := NewGroup(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	gen, err := g.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	fn(gen)
	return gen.Assignments()
}
