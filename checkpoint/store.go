package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rnncast/rnncast/ingest"
	"github.com/rnncast/rnncast/kafkaconn"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/pipeline"
	"github.com/rnncast/rnncast/sink"
	"github.com/rnncast/rnncast/state"
)

// Config configures a Store.
type Config struct {
	// Brokers are the bootstrap addresses. Required.
	Brokers []string
	// Kafka is the TLS and SASL of the state topic's connections. Default
	// nil: PLAINTEXT.
	Kafka *kafkaconn.Conn
	// InputTopic is the pipeline's input; the state topic must have as many
	// partitions. Required.
	InputTopic string
	// Topic is the compacted state topic, created (cleanup.policy=compact,
	// the input's partition count) when absent. Required.
	Topic string
	// Mode is the pipeline's serving mode (pipeline.ModeStateful or
	// pipeline.ModeWindow): a stateful key whose state came from another
	// model is warmed up again from its window ring. Default ModeStateful.
	Mode string
	// WriterBatchTimeout is how long the state writer waits to fill a
	// produce batch. Default 5ms.
	WriterBatchTimeout time.Duration
}

// Store checkpoints key states to the compacted state topic and restores
// them on assignment: the pipeline's Checkpointer and Restorer. It is safe
// for concurrent use by the partition workers. Close it after the
// pipeline's Run has returned.
type Store struct {
	cfg Config
	w   *sink.Writer
	obs pipeline.Observer

	mu sync.Mutex   // guards m and fp
	m  *model.Model // the model served: states of other fingerprints are discarded
	fp string       // m.Fingerprint(), which hashes every weight: computed once

	pool sync.Pool // *storeScratch
}

// storeScratch is one Checkpoint call's reusable memory.
type storeScratch struct {
	batch sink.Batch
	entry state.Entry
	buf   []byte
}

// New checks (or creates) the state topic and returns a store for model
// m's states. obs (the pipeline's Observer: StateDropped) may be nil.
func New(ctx context.Context, cfg Config, m *model.Model, obs pipeline.Observer) (*Store, error) {
	if len(cfg.Brokers) == 0 || cfg.InputTopic == "" || cfg.Topic == "" || m == nil {
		return nil, errors.New("checkpoint: invalid state store config: brokers, input topic, state topic and model are required")
	}
	if cfg.Mode == "" {
		cfg.Mode = pipeline.ModeStateful
	}
	if obs == nil {
		obs = pipeline.NopObserver{}
	}
	if err := ingest.EnsureStateTopic(ctx, cfg.Brokers, cfg.Kafka.Dialer(), cfg.InputTopic, cfg.Topic); err != nil {
		return nil, fmt.Errorf("checkpoint: cannot use state topic: %w", err)
	}
	w, err := sink.NewWriter(sink.WriterConfig{Brokers: cfg.Brokers, Dialer: cfg.Kafka.Dialer(), BatchTimeout: cfg.WriterBatchTimeout})
	if err != nil {
		return nil, fmt.Errorf("checkpoint: cannot create state writer: %w", err)
	}
	s := &Store{cfg: cfg, w: w, obs: obs, m: m, fp: m.Fingerprint()}
	s.pool.New = func() any { return new(storeScratch) }
	return s, nil
}

// SetModel makes m the model whose fingerprint checkpoints carry and
// restores expect (after a model reload).
func (s *Store) SetModel(m *model.Model) {
	fp := m.Fingerprint()
	s.mu.Lock()
	s.m, s.fp = m, fp
	s.mu.Unlock()
}

// model returns the model served and its fingerprint.
func (s *Store) model() (*model.Model, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m, s.fp
}

// Close closes the state writer.
func (s *Store) Close() error { return s.w.Close() }

// Checkpoint implements pipeline.Checkpointer: it writes one record per changed key
// (a tombstone for a key whose Deleted is set) to the state partition of
// the same number and returns when all are acknowledged.
func (s *Store) Checkpoint(ctx context.Context, partition int, changed []pipeline.KeyState, _ int64) error {
	if len(changed) == 0 {
		return nil
	}
	sc := s.pool.Get().(*storeScratch)
	sc.batch.Reset()
	_, fp := s.model()
	for i := range changed {
		ks := &changed[i]
		if ks.Deleted {
			sc.batch.AddState(s.cfg.Topic, partition, ks.Key, nil)
			continue
		}
		kfp := fp
		if ks.Fingerprint != "" {
			kfp = ks.Fingerprint
		}
		toEntry(ks, kfp, &sc.entry)
		sc.buf = sc.entry.Append(sc.buf[:0])
		sc.batch.AddState(s.cfg.Topic, partition, ks.Key, sc.buf)
	}
	if err := s.w.Write(ctx, &sc.batch); err != nil {
		return err // sc is dropped: kafka-go may still read its messages
	}
	if rs := sc.batch.Refused(); len(rs) > 0 {
		// A state that is not written must not be passed by a commit.
		err := fmt.Errorf("checkpoint: the broker refused %d state records of partition %d (%s): %w",
			len(rs), partition, s.cfg.Topic, rs[0].Err)
		s.pool.Put(sc)
		return err
	}
	s.pool.Put(sc)
	return nil
}

// Restore implements pipeline.Restorer: it reads the partition's state partition to
// its end, keeps each key's last record (a tombstone deletes the key) and
// applies them in the order they were written. A corrupt record, or one
// apply rejects, is counted and skipped: that key warms up. A state from
// another model keeps its window, and in stateful mode its hidden state is
// rebuilt by running the new model over the window's ring.
func (s *Store) Restore(ctx context.Context, partition int, apply func(*pipeline.KeyState) error) error {
	last, err := s.readPartition(ctx, partition)
	if err != nil {
		return err
	}
	m, fp := s.model()
	rw := pipeline.NewRewarmer(m, s.cfg.Mode)
	var e state.Entry
	var ks pipeline.KeyState
	for _, r := range last {
		if err := e.Decode(r.value); err != nil {
			s.obs.StateDropped(pipeline.DropCorrupt, 1)
			continue
		}
		fromEntry(r.key, &e, &ks)
		if e.Fingerprint != fp {
			s.obs.StateDropped(pipeline.DropModel, 1)
			rw.Rewarm(&ks)
		}
		if err := apply(&ks); err != nil {
			s.obs.StateDropped(pipeline.DropInvalid, 1)
		}
	}
	return nil
}

// stateRecord is the last state record of a key in a state partition.
type stateRecord struct {
	key   string
	value []byte
	seq   int // position in the partition, for write order
}

// readPartition returns each live key's last record, in write order.
func (s *Store) readPartition(ctx context.Context, partition int) ([]stateRecord, error) {
	by := map[string]stateRecord{}
	seq := 0
	_, err := ingest.Restore(ctx, ingest.StateConfig{Brokers: s.cfg.Brokers, Dialer: s.cfg.Kafka.Dialer(), Topic: s.cfg.Topic}, partition,
		func(key, value []byte) error {
			seq++
			if value == nil {
				delete(by, string(key))
				return nil
			}
			k := string(key)
			by[k] = stateRecord{key: k, value: append(by[k].value[:0], value...), seq: seq}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("checkpoint: cannot read state partition %d: %w", partition, err)
	}
	out := make([]stateRecord, 0, len(by))
	for _, r := range by {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b stateRecord) int { return a.seq - b.seq })
	return out, nil
}
