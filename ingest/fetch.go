package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// Message is one fetched input record. Key and Value alias the fetch's
// memory and stay valid until the message is dropped (they are not reused).
// A null key or value is nil, an empty one a non-nil empty slice.
type Message struct {
	Key, Value []byte
	// Headers are the record's headers (nil when it has none).
	Headers []kafka.Header
	// Time is the record's Kafka timestamp.
	Time      time.Time
	Partition int
	Offset    int64
	// HighWaterMark is the partition's high watermark when fetched: the
	// offset the next produced record will get.
	HighWaterMark int64
}

// Lag returns how many records follow m in its partition.
func (m *Message) Lag() int64 { return max(0, m.HighWaterMark-m.Offset-1) }

// Fetcher reads one partition in order, from a given offset.
type Fetcher struct {
	r     *kafka.Reader
	exact *exactBytes
	held  kafka.Message // fetched, but its bytes not yet told apart (exactBytes failed)
	holds bool
}

// NewFetcher returns a Fetcher of partition a.Partition starting at
// a.Offset (a negative Offset is kafka-go's FirstOffset or LastOffset).
// It dials lazily: errors surface in Fetch.
func NewFetcher(cfg Config, a Assignment) (*Fetcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: cfg.Brokers, Topic: cfg.Topic, Partition: a.Partition, Dialer: cfg.Dialer,
		MinBytes: 1, MaxBytes: cfg.MaxBytes, MaxWait: cfg.MaxWait,
	})
	if err := r.SetOffset(a.Offset); err != nil {
		r.Close()
		return nil, fmt.Errorf("ingest: cannot start partition %d at %d: %w", a.Partition, a.Offset, err)
	}
	return &Fetcher{r: r, exact: newExactBytes(cfg, a.Partition)}, nil
}

// Fetch returns the partition's next record, waiting until one arrives or
// ctx ends (then it returns ctx's error and loses nothing: the record is
// returned by the next Fetch).
func (f *Fetcher) Fetch(ctx context.Context, m *Message) error {
	if !f.holds {
		km, err := f.r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("ingest: cannot fetch: %w", err)
		}
		f.held, f.holds = km, true
	}
	if err := f.exact.fix(ctx, &f.held); err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return ctx.Err()
		}
		return err // the record stays held: the next Fetch returns it
	}
	km := &f.held
	f.holds = false
	*m = Message{Key: km.Key, Value: km.Value, Headers: km.Headers, Time: km.Time, Partition: km.Partition,
		Offset: km.Offset, HighWaterMark: km.HighWaterMark}
	return nil
}

// Close stops fetching and drops the records fetched but not yet returned.
func (f *Fetcher) Close() error {
	f.exact.close()
	return f.r.Close()
}
