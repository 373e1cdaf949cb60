package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/segmentio/kafka-go"
)

// Bounds select a range of a partition by offset or by record time. A
// range is half-open: [from, to). Unset bounds are the partition's first
// offset and its high watermark when the range is resolved.
type Bounds struct {
	// FromOffset and ToOffset, when non-negative, are offsets; -1 leaves
	// them unset. Offsets outside the partition's log are clamped to it.
	FromOffset, ToOffset int64
	// FromTime and ToTime, when not zero, select by the records' Kafka
	// timestamps: the range starts at (ends before) the first record whose
	// timestamp is at or after the time (ListOffsets by time). An offset
	// bound and a time bound on the same side are exclusive.
	FromTime, ToTime time.Time
}

// Validate reports bounds that set both an offset and a time on one side.
func (b Bounds) Validate() error {
	if b.FromOffset >= 0 && !b.FromTime.IsZero() || b.ToOffset >= 0 && !b.ToTime.IsZero() {
		return errors.New("ingest: invalid range: give an offset or a time for each end, not both")
	}
	return nil
}

// Range is one partition's resolved offsets [From, To).
type Range struct {
	Partition int
	From, To  int64
}

// ResolveRange turns b into partition's offsets, reading its log start,
// its high watermark and, for time bounds, the offsets of those times from
// the partition's leader. dialer may be nil.
func ResolveRange(ctx context.Context, brokers []string, dialer *kafka.Dialer, topic string, partition int, b Bounds) (Range, error) {
	if err := b.Validate(); err != nil {
		return Range{}, err
	}
	if dialer == nil {
		dialer = kafka.DefaultDialer
	}
	conn, err := dialLeader(ctx, dialer, brokers, topic, partition)
	if err != nil {
		return Range{}, err
	}
	defer conn.Close()
	first, end, err := conn.ReadOffsets()
	if err != nil {
		return Range{}, fmt.Errorf("ingest: cannot read offsets of %s/%d: %w", topic, partition, err)
	}
	r := Range{Partition: partition, From: first, To: end}
	if r.From, err = bound(conn, b.FromOffset, b.FromTime, first, end); err != nil {
		return Range{}, fmt.Errorf("ingest: cannot resolve the start of %s/%d: %w", topic, partition, err)
	}
	if r.To, err = bound(conn, b.ToOffset, b.ToTime, end, end); err != nil {
		return Range{}, fmt.Errorf("ingest: cannot resolve the end of %s/%d: %w", topic, partition, err)
	}
	r.From = min(max(r.From, first), end)
	r.To = min(max(r.To, r.From), end)
	return r, nil
}

// bound is one end of a range: the offset, the offset of the time, or def.
// A time after every record's resolves to end.
func bound(conn *kafka.Conn, offset int64, at time.Time, def, end int64) (int64, error) {
	switch {
	case offset >= 0:
		return offset, nil
	case at.IsZero():
		return def, nil
	}
	o, err := conn.ReadOffset(at)
	if err != nil {
		return 0, err
	}
	if o < 0 { // no record at or after the time
		return end, nil
	}
	return o, nil
}

// RangeReader reads one partition's range in offset order, without a
// consumer group and without committing. Owned by one goroutine.
type RangeReader struct {
	r     *kafka.Reader
	exact *exactBytes
	held  kafka.Message // fetched, but its bytes not yet told apart (exactBytes failed)
	holds bool
	rng   Range
	next  int64
}

// NewRangeReader returns a reader of rng of cfg.Topic (cfg.Group is not
// used). It dials lazily: errors surface in Next.
func NewRangeReader(cfg Config, rng Range) (*RangeReader, error) {
	if len(cfg.Brokers) == 0 || cfg.Topic == "" {
		return nil, errors.New("ingest: invalid range reader config: brokers and topic are required")
	}
	cfg = cfg.withDefaults()
	rr := &RangeReader{rng: rng, next: rng.From}
	if rng.From >= rng.To {
		return rr, nil
	}
	rr.exact = newExactBytes(cfg, rng.Partition)
	rr.r = kafka.NewReader(kafka.ReaderConfig{
		Brokers: cfg.Brokers, Topic: cfg.Topic, Partition: rng.Partition, Dialer: cfg.Dialer,
		MinBytes: 1, MaxBytes: cfg.MaxBytes, MaxWait: cfg.MaxWait,
	})
	if err := rr.r.SetOffset(rng.From); err != nil {
		rr.r.Close()
		return nil, fmt.Errorf("ingest: cannot start partition %d at %d: %w", rng.Partition, rng.From, err)
	}
	return rr, nil
}

// Partition returns the partition the reader reads.
func (rr *RangeReader) Partition() int { return rr.rng.Partition }

// Range returns the range the reader reads.
func (rr *RangeReader) Range() Range { return rr.rng }

// Next returns the range's next record, or io.EOF after its last. A
// record's HighWaterMark is the range's end, so Lag counts the records
// left in the range.
func (rr *RangeReader) Next(ctx context.Context, m *Message) error {
	if rr.next >= rr.rng.To {
		return io.EOF
	}
	if !rr.holds {
		km, err := rr.r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("ingest: cannot fetch partition %d at %d: %w", rr.rng.Partition, rr.next, err)
		}
		rr.held, rr.holds = km, true
	}
	if err := rr.exact.fix(ctx, &rr.held); err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return ctx.Err()
		}
		return err // the record stays held: the next call returns it
	}
	km := &rr.held
	rr.holds = false
	if km.Offset >= rr.rng.To {
		rr.next = rr.rng.To
		return io.EOF
	}
	rr.next = km.Offset + 1
	*m = Message{Key: km.Key, Value: km.Value, Headers: km.Headers, Time: km.Time, Partition: km.Partition,
		Offset: km.Offset, HighWaterMark: rr.rng.To}
	return nil
}

// Close releases the reader's connections.
func (rr *RangeReader) Close() error {
	if rr.r == nil {
		return nil
	}
	rr.exact.close()
	return rr.r.Close()
}
