package config

import "time"

// State configures the per-sensor state checkpoints to kafka.state_topic.
type State struct {
	// Enabled checkpoints each sensor's state (hidden state, window, last
	// applied offset) to kafka.state_topic and restores it when a partition
	// is assigned, so sensors survive crashes, rebalances and restarts
	// without warming up again. Default true.
	Enabled bool `yaml:"enabled"`
	// CheckpointInterval is the least time between two checkpoints of a
	// partition; each checkpoint is followed by the offset commit it
	// covers. Default 0s: kafka.commit_interval.
	CheckpointInterval time.Duration `yaml:"checkpoint_interval"`
	// CheckpointRecords checkpoints (and commits) a partition as soon as
	// this many records were processed since its last checkpoint, even
	// before CheckpointInterval. Default 0: by time only.
	CheckpointRecords int `yaml:"checkpoint_records"`
	// TTL forgets a sensor (and deletes its checkpoint with a tombstone)
	// when its partition's newest event time is more than TTL past the
	// sensor's last reading. Default 0s: never.
	TTL time.Duration `yaml:"ttl"`
	// MaxKeys bounds the sensors held per partition: beyond it, the least
	// recently seen are forgotten (and their checkpoints deleted). Default
	// 0: no bound.
	MaxKeys int `yaml:"max_keys"`
}

func (c *Config) validateState(bad reporter) {
	s := &c.State
	if s.Enabled && c.Kafka.StateTopic == "" {
		bad("kafka.state_topic", "must not be empty while state.enabled is true")
	}
	if s.CheckpointInterval < 0 {
		bad("state.checkpoint_interval", "must not be negative, got %v", s.CheckpointInterval)
	}
	nonNegative(bad, "state.checkpoint_records", s.CheckpointRecords)
	if s.TTL < 0 {
		bad("state.ttl", "must not be negative, got %v", s.TTL)
	}
	nonNegative(bad, "state.max_keys", s.MaxKeys)
}
