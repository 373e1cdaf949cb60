package sink

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/rnncast/rnncast/kafkaconn"
	"github.com/rnncast/rnncast/record"
	"github.com/segmentio/kafka-go"
)

// Header names of forecasts and dead letters.
const (
	HeaderModelVersion    = "model-version"
	HeaderInputOffset     = "input-offset"
	HeaderReason          = "reason"
	HeaderSourceTopic     = "source-topic"
	HeaderSourcePartition = "source-partition"
	HeaderSourceOffset    = "source-offset"
	HeaderError           = "error"
)

// WriterConfig configures a Writer.
type WriterConfig struct {
	// Brokers are the bootstrap addresses. Required.
	Brokers []string
	// BatchTimeout is how long a produce batch waits to fill. Default 5ms
	// (kafka-go's default of 1s would add a second to every write).
	BatchTimeout time.Duration
	// BatchSize is the most messages of one produce batch per partition.
	// Default 512.
	BatchSize int
	// WriteTimeout bounds one produce request. Default 10s.
	WriteTimeout time.Duration
	// Dialer's TLS and SASL settings are used when set.
	Dialer *kafka.Dialer
}

func (c WriterConfig) withDefaults() WriterConfig {
	if c.BatchTimeout == 0 {
		c.BatchTimeout = 5 * time.Millisecond
	}
	if c.BatchSize == 0 {
		c.BatchSize = 512
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 10 * time.Second
	}
	return c
}

// Writer writes batches of forecasts and dead letters, each acknowledged by
// all in-sync replicas. It is safe for concurrent use.
type Writer struct {
	w  *kafka.Writer
	tr *kafka.Transport // the writer's own, so Close can close its connections
}

// NewWriter returns a Writer; it dials lazily.
func NewWriter(cfg WriterConfig) (*Writer, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("sink: invalid writer config: no brokers")
	}
	cfg = cfg.withDefaults()
	tr := kafkaconn.TransportOf(cfg.Dialer)
	w := &kafka.Writer{
		Addr:         kafka.TCP(cfg.Brokers...),
		Balancer:     samePartition{fallback: &kafka.Murmur2Balancer{}},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: cfg.BatchTimeout,
		BatchSize:    cfg.BatchSize,
		WriteTimeout: cfg.WriteTimeout,
		Transport:    tr,
	}
	return &Writer{w: w, tr: tr}, nil
}

// Write writes every message of b and returns when all are acknowledged
// (RequireAll), or the first error. After an error, some messages may have
// been written: the caller must not commit the offsets b covers.
func (w *Writer) Write(ctx context.Context, b *Batch) error {
	if len(b.msgs) == 0 {
		return nil
	}
	if err := w.w.WriteMessages(ctx, b.msgs...); err != nil {
		var werr kafka.WriteErrors
		if errors.As(err, &werr) {
			// kafka-go's message lists every message's error: name one.
			return fmt.Errorf("sink: cannot write %d of %d messages: %w", werr.Count(), len(b.msgs), firstError(werr))
		}
		return fmt.Errorf("sink: cannot write %d messages: %w", len(b.msgs), err)
	}
	return nil
}

func firstError(errs kafka.WriteErrors) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return errs
}

// Close flushes and closes the writer's connections.
func (w *Writer) Close() error {
	err := w.w.Close()
	w.tr.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("sink: cannot close writer: %w", err)
	}
	return nil
}

// samePartition writes a message to the partition it names (the input
// partition of the reading: co-partitioning), or, when the topic has no
// such partition, to the partition the fallback chooses by key.
type samePartition struct{ fallback kafka.Balancer }

func (s samePartition) Balance(msg kafka.Message, partitions ...int) int {
	for _, p := range partitions {
		if p == msg.Partition {
			return p
		}
	}
	return s.fallback.Balance(msg, partitions...)
}

// Batch is the messages of one micro-batch of one partition. It reuses its
// memory across Reset calls and is owned by one goroutine. A Batch must not
// be reset or reused after a Write that returned an error, because kafka-go
// may still read the messages of a write its context abandoned.
type Batch struct {
	msgs []kafka.Message
}

// Len returns how many messages b holds.
func (b *Batch) Len() int { return len(b.msgs) }

// Reset empties b, keeping its memory.
func (b *Batch) Reset() { b.msgs = b.msgs[:0] }

// next returns a fresh message slot whose Value and Headers keep the
// capacity of an earlier message's.
func (b *Batch) next() *kafka.Message {
	if len(b.msgs) < cap(b.msgs) {
		b.msgs = b.msgs[:len(b.msgs)+1]
	} else {
		b.msgs = append(b.msgs, kafka.Message{})
	}
	m := &b.msgs[len(b.msgs)-1]
	m.Topic, m.Key, m.Value, m.Headers = "", m.Key[:0], m.Value[:0], m.Headers[:0]
	return m
}

// AddForecast encodes f (AppendForecast) as a message to topic, keyed by the
// sensor, for partition f.Partition, with the model version and input
// offset headers.
func (b *Batch) AddForecast(topic string, f *Forecast) {
	m := b.next()
	m.Topic, m.Partition = topic, f.Partition
	m.Key = append(m.Key, f.Sensor...)
	m.Value = AppendForecast(m.Value, f)
	m.Headers = append(m.Headers,
		kafka.Header{Key: HeaderModelVersion, Value: []byte(f.ModelVersion)},
		kafka.Header{Key: HeaderInputOffset, Value: strconv.AppendInt(nil, f.Offset, 10)})
}

// DeadLetter is a rejected input record and why.
type DeadLetter struct {
	Key, Value []byte // the original bytes, unchanged
	Reason     record.Reason
	Err        error
	Topic      string // source topic
	Partition  int
	Offset     int64
}

// AddDeadLetter adds d as a message to topic, for the source partition's
// number, with the original key and value (a null key or value stays null)
// and the headers of DeadLetterHeaders.
func (b *Batch) AddDeadLetter(topic string, d *DeadLetter) {
	m := b.next()
	m.Topic, m.Partition = topic, d.Partition
	m.Key = appendOrNil(m.Key, d.Key)
	m.Value = appendOrNil(m.Value, d.Value)
	for _, h := range DeadLetterHeaders(d.Reason, d.Topic, d.Partition, d.Offset, d.Err) {
		m.Headers = append(m.Headers, kafka.Header{Key: h.Key, Value: h.Value})
	}
}

func appendOrNil(dst, src []byte) []byte {
	if src == nil {
		return nil
	}
	return append(dst, src...)
}
