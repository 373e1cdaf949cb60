package config

// DeadLetter bounds the records written to kafka.dead_letter_topic, so that
// a dead letter always fits the topic whatever the rejected record was.
type DeadLetter struct {
	// MaxBytes bounds a dead letter's key, value and headers together. A
	// dead letter that would be larger, and that of a too-large record,
	// keeps only the first ValuePrefixBytes of the value (then drops the
	// source headers, then cuts the key, until it fits) and says so in a
	// "truncated" header with the original sizes. Keep it below the
	// dead-letter topic's max.message.bytes (the broker's default is
	// 1048588). Default 262144 (256 KiB).
	MaxBytes int `yaml:"max_bytes"`
	// ValuePrefixBytes is how much of the value a truncated dead letter
	// keeps. Default 1024.
	ValuePrefixBytes int `yaml:"value_prefix_bytes"`
}

// maxDeadLetterBytes bounds dead_letter.max_bytes: far beyond any broker's
// usual limit, it keeps the writer's produce batches sane.
const maxDeadLetterBytes = 64 << 20

func (c *Config) validateDeadLetter(bad reporter) {
	d := &c.DeadLetter
	if d.ValuePrefixBytes < 1 {
		bad("dead_letter.value_prefix_bytes", "must be at least 1, got %d", d.ValuePrefixBytes)
		return
	}
	// The same bound as sink.DeadLetterLimits.Validate: room for a key
	// prefix, a value prefix and the fixed headers.
	if min := 2*d.ValuePrefixBytes + 4096; d.MaxBytes < min {
		bad("dead_letter.max_bytes", "must be at least twice dead_letter.value_prefix_bytes plus 4096 (%d), got %d", min, d.MaxBytes)
	}
	if d.MaxBytes > maxDeadLetterBytes {
		bad("dead_letter.max_bytes", "must be at most %d, got %d", maxDeadLetterBytes, d.MaxBytes)
	}
}
