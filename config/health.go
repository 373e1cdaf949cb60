package config

import "time"

// Health configures what /healthz reports.
type Health struct {
	// FailureWindow is how long /healthz answers 503 after a partition
	// worker or a group join failed (a failed write, checkpoint, commit or
	// restore ends the partition's generation). A rejoin does not end it
	// sooner. Default 1m.
	FailureWindow time.Duration `yaml:"failure_window"`
	// StallTimeout is how long a partition may have lag (records fetched or
	// produced but not yet settled) without a commit that advances it
	// before /healthz answers 503. Default 2m.
	StallTimeout time.Duration `yaml:"stall_timeout"`
}

func (c *Config) validateHealth(bad reporter) {
	positive(bad, "health.failure_window", c.Health.FailureWindow)
	positive(bad, "health.stall_timeout", c.Health.StallTimeout)
}
