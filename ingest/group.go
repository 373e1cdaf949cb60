package ingest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// ErrClosed is returned by Next once the Group is closed.
var ErrClosed = errors.New("ingest: group closed")

// Config configures a Group and its Fetchers.
type Config struct {
	// Brokers are the bootstrap addresses. Required.
	Brokers []string
	// Topic is the input topic. Required.
	Topic string
	// Group is the consumer group id. Required.
	Group string
	// StartFirst starts a partition with no committed offset at its
	// earliest record; false starts at the newest. Default false.
	StartFirst bool
	// SessionTimeout, RebalanceTimeout, HeartbeatInterval and JoinBackoff
	// are the group timings. Defaults (kafka-go's): 30s, 30s, 3s, 5s.
	SessionTimeout, RebalanceTimeout, HeartbeatInterval, JoinBackoff time.Duration
	// MaxWait bounds how long the broker holds a fetch waiting for data.
	// Default 250ms.
	MaxWait time.Duration
	// MaxBytes bounds the bytes of one fetch response. Default 10 MiB.
	MaxBytes int
	// Dialer dials the brokers (TLS, SASL). Default kafka.DefaultDialer.
	Dialer *kafka.Dialer
}

func (c Config) withDefaults() Config {
	if c.MaxWait == 0 {
		c.MaxWait = 250 * time.Millisecond
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = 10 << 20
	}
	if c.Dialer == nil {
		c.Dialer = kafka.DefaultDialer
	}
	return c
}

// Validate reports the first problem of c.
func (c Config) Validate() error {
	switch {
	case len(c.Brokers) == 0:
		return errors.New("ingest: invalid config: no brokers")
	case c.Topic == "":
		return errors.New("ingest: invalid config: no topic")
	case c.Group == "":
		return errors.New("ingest: invalid config: no group")
	}
	return nil
}

// Group is one member of a consumer group.
type Group struct {
	cfg Config
	cg  *kafka.ConsumerGroup
}

// NewGroup validates cfg and starts joining the group in the background
// (kafka-go's ConsumerGroup); Close stops it.
func NewGroup(cfg Config) (*Group, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	start := kafka.LastOffset
	if cfg.StartFirst {
		start = kafka.FirstOffset
	}
	cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID: cfg.Group, Brokers: cfg.Brokers, Dialer: cfg.Dialer, Topics: []string{cfg.Topic},
		StartOffset: start, SessionTimeout: cfg.SessionTimeout, RebalanceTimeout: cfg.RebalanceTimeout,
		HeartbeatInterval: cfg.HeartbeatInterval, JoinGroupBackoff: cfg.JoinBackoff,
	})
	if err != nil {
		return nil, fmt.Errorf("ingest: cannot create consumer group: %w", err)
	}
	return &Group{cfg: cfg, cg: cg}, nil
}

// Next waits for the next generation. It returns ErrClosed after Close,
// ctx's error when ctx ends, and otherwise transient join errors (the
// caller retries).
func (g *Group) Next(ctx context.Context) (*Generation, error) {
	gen, err := g.cg.Next(ctx)
	if errors.Is(err, kafka.ErrGroupClosed) {
		return nil, ErrClosed
	}
	if err != nil {
		return nil, fmt.Errorf("ingest: cannot join group %s: %w", g.cfg.Group, err)
	}
	return &Generation{gen: gen, topic: g.cfg.Topic}, nil
}

// Close ends the current generation (waiting for its workers to return),
// leaves the group and releases its connections.
func (g *Group) Close() error { return g.cg.Close() }

// Assignment is one partition of a generation and the offset to start at
// (the committed offset, or a negative start position that NewFetcher
// resolves).
type Assignment struct {
	Partition int
	Offset    int64
}

// Generation is one consumer group generation: the partitions assigned to
// this member until the next rebalance.
type Generation struct {
	gen   *kafka.Generation
	topic string
	mu    sync.Mutex // serializes commits on the coordinator connection
}

// ID returns the generation id.
func (g *Generation) ID() int32 { return g.gen.ID }

// Assignments returns the partitions assigned to this member, by partition.
func (g *Generation) Assignments() []Assignment {
	pas := g.gen.Assignments[g.topic]
	out := make([]Assignment, 0, len(pas))
	for _, pa := range pas {
		out = append(out, Assignment{Partition: pa.ID, Offset: pa.Offset})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Partition < out[j].Partition })
	return out
}

// Start runs fn in a goroutine that lives as long as the generation: its
// ctx is cancelled when the generation ends, and the group does not rejoin
// until fn returns. When any fn returns, the generation ends.
func (g *Generation) Start(fn func(ctx context.Context)) { g.gen.Start(fn) }

// Commit commits next (the offset of the next record to read) for
// partition. It may be called after the generation's ctx is cancelled,
// until the worker returns: the member still holds its partitions then.
func (g *Generation) Commit(partition int, next int64) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	err := g.gen.CommitOffsets(map[string]map[int]int64{g.topic: {partition: next}})
	if err != nil {
		return fmt.Errorf("ingest: cannot commit partition %d offset %d: %w", partition, next, err)
	}
	return nil
}
