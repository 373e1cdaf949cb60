package ingest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// StateConfig names the state topic that Restore reads.
type StateConfig struct {
	// Brokers are the bootstrap addresses. Required.
	Brokers []string
	// Topic is the compacted state topic. Required.
	Topic string
	// Dialer dials the brokers (TLS, SASL). Default kafka.DefaultDialer.
	Dialer *kafka.Dialer
	// MaxWait bounds how long the broker holds one fetch. Default 250ms.
	MaxWait time.Duration
}

// Restore reads partition of the state topic from its first record to the
// end it has when Restore starts, calling fn for each record in offset
// order (a tombstone has a nil value). fn's slices are valid only during
// the call. It returns the number of records read.
//
// The end is the partition's log-end offset read before the first fetch:
// records written after that belong to the new owner, which is the caller.
// Compaction never removes the last record of a log, so the record at
// end−1 exists and the read terminates.
func Restore(ctx context.Context, cfg StateConfig, partition int, fn func(key, value []byte) error) (int, error) {
	if len(cfg.Brokers) == 0 || cfg.Topic == "" {
		return 0, errors.New("ingest: invalid state config: brokers and topic are required")
	}
	if cfg.Dialer == nil {
		cfg.Dialer = kafka.DefaultDialer
	}
	if cfg.MaxWait == 0 {
		cfg.MaxWait = 250 * time.Millisecond
	}
	first, end, err := boundsRetry(ctx, cfg, partition)
	if err != nil {
		return 0, err
	}
	if end <= first {
		return 0, nil
	}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: cfg.Brokers, Topic: cfg.Topic, Partition: partition, Dialer: cfg.Dialer,
		MinBytes: 1, MaxBytes: 10 << 20, MaxWait: cfg.MaxWait,
	})
	defer r.Close()
	if err := r.SetOffset(first); err != nil {
		return 0, fmt.Errorf("ingest: cannot restore state partition %d: %w", partition, err)
	}
	n := 0
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			return n, fmt.Errorf("ingest: cannot restore state partition %d at record %d: %w", partition, n, err)
		}
		if err := fn(m.Key, m.Value); err != nil {
			return n, err
		}
		n++
		if m.Offset+1 >= end {
			return n, nil
		}
	}
}

// boundsRetry is bounds, retried while the broker answers with a
// temporary error (a partition just created is listed with a leader a
// moment before that leader serves it: NOT_LEADER_OR_FOLLOWER), until ctx
// ends.
func boundsRetry(ctx context.Context, cfg StateConfig, partition int) (first, end int64, err error) {
	wait := 50 * time.Millisecond
	for {
		first, end, err = bounds(ctx, cfg, partition)
		var kerr kafka.Error
		if err == nil || !errors.As(err, &kerr) || !kerr.Temporary() {
			return first, end, err
		}
		select {
		case <-ctx.Done():
			return 0, 0, err
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// bounds returns the first and the log-end offsets of a state partition.
func bounds(ctx context.Context, cfg StateConfig, partition int) (first, end int64, err error) {
	conn, err := dialLeader(ctx, cfg.Dialer, cfg.Brokers, cfg.Topic, partition)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	if first, end, err = conn.ReadOffsets(); err != nil {
		return 0, 0, fmt.Errorf("ingest: cannot read offsets of %s/%d: %w", cfg.Topic, partition, err)
	}
	return first, end, nil
}

// dialLeader dials the leader of topic/partition through the first broker
// that answers.
func dialLeader(ctx context.Context, d *kafka.Dialer, brokers []string, topic string, partition int) (*kafka.Conn, error) {
	var errs []error
	for _, b := range brokers {
		conn, err := d.DialLeader(ctx, "tcp", b, topic, partition)
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("ingest: cannot reach the leader of %s/%d: %w", topic, partition, errors.Join(errs...))
}

// TopicError reports a state topic that does not fit its input topic.
type TopicError struct {
	Topic   string
	Problem string
}

func (e *TopicError) Error() string {
	return "ingest: state topic " + strconv.Quote(e.Topic) + ": " + e.Problem
}

// EnsureStateTopic checks that the state topic exists with as many
// partitions as the input topic (co-partitioning: the same key lands in the
// same partition number of both) and cleanup.policy=compact, creating it so
// when it is absent. A mismatch is a *TopicError.
func EnsureStateTopic(ctx context.Context, brokers []string, dialer *kafka.Dialer, input, stateTopic string) error {
	have, err := DescribeTopics(ctx, brokers, dialer, input, stateTopic)
	if err != nil {
		return err
	}
	in, ok := have[input]
	if !ok {
		return fmt.Errorf("ingest: input topic %q does not exist", input)
	}
	spec := TopicSpec{Name: stateTopic, Partitions: in.Partitions, CoPartitioned: input, ReplicationFactor: -1, Compacted: true}
	st, ok := have[stateTopic]
	if !ok {
		return CreateTopics(ctx, brokers, dialer, spec)
	}
	if p := spec.Problems(st); len(p) > 0 {
		return &TopicError{Topic: stateTopic, Problem: p[0]}
	}
	return nil
}
