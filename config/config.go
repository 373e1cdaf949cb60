package config

import (
	"time"
)

// Config is the whole of pipeline.yaml. Default returns it with every default
// filled in; the README's configuration reference lists the same defaults.
type Config struct {
	Kafka  Kafka  `yaml:"kafka"`
	Model  Model  `yaml:"model"`
	Window Window `yaml:"window"`
	Batch  Batch  `yaml:"batch"`
	Input  Input  `yaml:"input"`
	HTTP   HTTP   `yaml:"http"`
	Log    Log    `yaml:"log"`
	State  State  `yaml:"state"`
	Health Health `yaml:"health"`
	// DeadLetter bounds the dead letters (dead_letter.max_bytes).
	DeadLetter DeadLetter `yaml:"dead_letter"`
	// ShutdownTimeout bounds the drain after SIGTERM or SIGINT: fetching
	// stops, in-flight work is finished, checkpointed and committed, and the
	// process exits within this time. Default 30s.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// Kafka names the brokers, topics and consumer group.
type Kafka struct {
	// Brokers are host:port bootstrap addresses. Default ["127.0.0.1:9092"].
	// The environment variable RNNCAST_BROKERS (a comma-separated list)
	// overrides it.
	Brokers []string `yaml:"brokers"`
	// TLS is how rnncast speaks TLS to the brokers. Default off.
	TLS TLS `yaml:"tls"`
	// SASL is how rnncast authenticates to the brokers. Default off.
	SASL SASL `yaml:"sasl"`
	// InputTopic holds the sensor readings. Default "sensors".
	InputTopic string `yaml:"input_topic"`
	// OutputTopic receives the forecasts. Default "forecasts".
	OutputTopic string `yaml:"output_topic"`
	// DeadLetterTopic receives records that could not be processed, with
	// headers naming the reason. Default "sensors-dead-letters".
	DeadLetterTopic string `yaml:"dead_letter_topic"`
	// StateTopic is the compacted topic of per-sensor state checkpoints,
	// co-partitioned with InputTopic; it is created when absent. A new
	// owner of a partition restores its sensors' states from it instead of
	// warming them up again. Used when state.enabled. Default
	// "rnncast-state".
	StateTopic string `yaml:"state_topic"`
	// Group is the consumer group; instances sharing it share the
	// partitions. Default "rnncast".
	Group string `yaml:"group"`
	// StartOffset is where a group with no committed offset starts:
	// "earliest" or "latest". Default "earliest".
	StartOffset string `yaml:"start_offset"`
	// CommitInterval is the least time between two offset commits of a
	// partition; offsets are committed only after the forecasts (and
	// states) they cover are acknowledged. Default 1s.
	CommitInterval time.Duration `yaml:"commit_interval"`
	// SessionTimeout is the consumer group session timeout. Default 30s.
	SessionTimeout time.Duration `yaml:"session_timeout"`
}

// Model says which model to serve and how.
type Model struct {
	// Path is the safetensors model file. No default: `rnncast run --model`
	// or this key must name one.
	Path string `yaml:"path"`
	// Mode is "stateful" (carried state, one step per reading) or "window"
	// (the last Window readings from a zero state). Default "": the mode the
	// model file declares.
	Mode string `yaml:"mode"`
	// Warmup is the step (reading or gap fill, since the key's start or
	// last reset) that makes a key's first forecast in stateful mode: its
	// first Warmup−1 steps make none. Default 0: the model's window length.
	Warmup int `yaml:"warmup"`
}

// Window is the event-time grid.
type Window struct {
	// Interval is the grid step. Default 0: the model's interval.
	Interval time.Duration `yaml:"interval"`
	// Window is W, the readings kept per key. Default 0: the model's window.
	Window int `yaml:"window"`
	// AllowedLateness is how far behind a key's newest event time a reading
	// may arrive and still be applied; older ones are dead-lettered as
	// late. Default 0: readings must arrive in order.
	AllowedLateness time.Duration `yaml:"allowed_lateness"`
	// MaxGap is the most missing slots that are filled; a longer gap resets
	// the key's state. Default 3.
	MaxGap int `yaml:"max_gap"`
	// Fill is the gap policy: "hold" (repeat the last value) or "linear".
	// Default "hold".
	Fill string `yaml:"fill"`
}

// Batch bounds one micro-batch.
type Batch struct {
	// MaxRecords is the most readings in one micro-batch. Default 512.
	MaxRecords int `yaml:"max_records"`
	// MaxDelay is the longest a fetched reading waits for its batch to
	// fill. Default 20ms.
	MaxDelay time.Duration `yaml:"max_delay"`
}

// Input is the record codec.
type Input struct {
	// Format is "json" or "csv". Default "json".
	Format string `yaml:"format"`
	// UseRecordTime takes the Kafka record timestamp as the event time
	// when a reading has no "ts". Default false.
	UseRecordTime bool `yaml:"use_record_time"`
	// TimeUnit is the unit of a numeric "ts": "s", "ms", "us" or "ns".
	// Fractions and exponents are read exactly (1767225600.5 in s).
	// Default "ms".
	TimeUnit string `yaml:"time_unit"`
	// MinTime and MaxTime (RFC 3339) bound plausible event times, inclusive;
	// a reading outside, whatever the form of its time, is dead-lettered as
	// invalid-time, with a hint at time_unit for a numeric ts. Defaults
	// "2000-01-01T00:00:00Z" and "2200-01-01T00:00:00Z".
	MinTime string `yaml:"min_time"`
	MaxTime string `yaml:"max_time"`
	// MaxKeyBytes is the longest accepted sensor id. Default 256.
	MaxKeyBytes int `yaml:"max_key_bytes"`
	// MaxValueBytes is the longest accepted record value. Default 65536.
	MaxValueBytes int `yaml:"max_value_bytes"`
}

// HTTP is the metrics and health endpoint.
type HTTP struct {
	// Listen is the address of /metrics, /healthz and /readyz. Default
	// "127.0.0.1:9464"; "" disables the server.
	Listen string `yaml:"listen"`
}

// Log configures log/slog output on stderr.
type Log struct {
	// Level is "debug", "info", "warn" or "error". Default "info".
	Level string `yaml:"level"`
	// Format is "json" or "text". Default "json".
	Format string `yaml:"format"`
}

// Default returns a Config with every field at its default.
func Default() *Config {
	return &Config{
		Kafka: Kafka{
			Brokers:         []string{"127.0.0.1:9092"},
			InputTopic:      "sensors",
			OutputTopic:     "forecasts",
			DeadLetterTopic: "sensors-dead-letters",
			StateTopic:      "rnncast-state",
			Group:           "rnncast",
			StartOffset:     "earliest",
			CommitInterval:  time.Second,
			SessionTimeout:  30 * time.Second,
		},
		Window:          Window{MaxGap: 3, Fill: "hold"},
		Batch:           Batch{MaxRecords: 512, MaxDelay: 20 * time.Millisecond},
		Input:           Input{Format: "json", TimeUnit: "ms", MinTime: "2000-01-01T00:00:00Z", MaxTime: "2200-01-01T00:00:00Z", MaxKeyBytes: 256, MaxValueBytes: 65536},
		HTTP:            HTTP{Listen: "127.0.0.1:9464"},
		Log:             Log{Level: "info", Format: "json"},
		State:           State{Enabled: true},
		Health:          Health{FailureWindow: time.Minute, StallTimeout: 2 * time.Minute},
		DeadLetter:      DeadLetter{MaxBytes: 256 << 10, ValuePrefixBytes: 1 << 10},
		ShutdownTimeout: 30 * time.Second,
	}
}
