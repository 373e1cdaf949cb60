package pipeline

import (
	"errors"
	"fmt"
	"time"

	"github.com/rnncast/rnncast/kafkaconn"
	"github.com/rnncast/rnncast/record"
	"github.com/rnncast/rnncast/sink"
	"github.com/rnncast/rnncast/window"
)

// Serving modes (Config.Mode).
const (
	// ModeStateful carries each key's hidden state across readings: one RNN
	// step per reading.
	ModeStateful = "stateful"
	// ModeWindow runs the RNN over the key's last Window values from a zero
	// state for every reading (the course's semantics).
	ModeWindow = "window"
)

// Config configures a Pipeline. The zero value of every optional field means
// its documented default; New applies them.
type Config struct {
	// Brokers are the bootstrap addresses, "host:port". Required.
	Brokers []string
	// Kafka is the TLS and SASL every connection uses. Default nil:
	// PLAINTEXT without SASL.
	Kafka *kafkaconn.Conn
	// InputTopic holds the readings (key = sensor id). Required.
	InputTopic string
	// OutputTopic receives the forecasts, keyed by sensor id and written to
	// the input partition's number (co-partitioning). Required.
	OutputTopic string
	// DeadLetterTopic receives rejected records, unchanged, with reason
	// headers. Required.
	DeadLetterTopic string
	// DeadLetter bounds a dead letter so that it always fits the topic: one
	// that would exceed DeadLetter.MaxBytes, and that of a too-large
	// record, keeps at most DeadLetter.ValuePrefix bytes of the value
	// (sink.DeadLetterLimits). Defaults 256 KiB and 1 KiB.
	DeadLetter sink.DeadLetterLimits
	// Group is the consumer group id. Required.
	Group string

	// Decoder configures how input records are decoded. Decoder.Features
	// defaults to the model's Meta.Inputs.
	Decoder record.DecoderConfig
	// Window configures the event-time grid. Interval defaults to the
	// model's Meta.Interval, Window to Meta.Window, Features to Meta.Inputs
	// and MaxBatch to MaxBatch below.
	Window window.Config

	// Mode is ModeStateful or ModeWindow. Default: the model's Meta.Mode,
	// or ModeStateful when the model names none.
	Mode string
	// Warmup is the step that makes a key's first forecast in stateful
	// mode: steps 1..Warmup−1 make none, step Warmup and every later one
	// make one (a reset starts the count again). Default: Window.Window.
	Warmup int
	// MaxBatch bounds the records of one micro-batch per partition and the
	// rows of one model call. Default 512.
	MaxBatch int
	// MaxDelay bounds how long a micro-batch waits for more records after
	// its first one; a batch also ends when its last record was the
	// partition's newest (no lag), so an idle partition adds no delay.
	// Default 20ms.
	MaxDelay time.Duration
	// CommitInterval is the least time between two offset commits of a
	// partition; offsets are committed only after the writes they cover are
	// acknowledged, and always when a partition is released. Default 1s.
	CommitInterval time.Duration
	// WriterBatchTimeout is how long the Kafka writer waits to fill a
	// produce batch. Default 5ms (kafka-go's 1s default would add a second
	// of latency to every micro-batch).
	WriterBatchTimeout time.Duration
	// ShutdownTimeout bounds the drain (write and commit of in-flight work)
	// when a partition is released or Run's context is cancelled.
	// Default 30s.
	ShutdownTimeout time.Duration
	// FailureWindow is how long a failed partition worker or group join
	// keeps Healthy failing: a rejoin does not end it sooner.
	// Default 1m.
	FailureWindow time.Duration
	// StallTimeout is how long a partition's lag may stay positive without
	// a commit that advances it before Healthy fails. Default 2m.
	StallTimeout time.Duration
	// StartFirst selects where a partition with no committed offset starts:
	// true for the earliest record, false for the newest. Default false
	// (only readings produced from now on); the zero value is "newest".
	StartFirst bool

	// SessionTimeout is the consumer group session timeout. Default 30s.
	SessionTimeout time.Duration
	// RebalanceTimeout is how long the coordinator waits for members to
	// rejoin during a rebalance. Default 30s.
	RebalanceTimeout time.Duration
	// HeartbeatInterval is the consumer group heartbeat period. Default 3s.
	HeartbeatInterval time.Duration
	// JoinBackoff is the wait before retrying a failed group join.
	// Default 5s.
	JoinBackoff time.Duration

	// OnReading, when set, is called for every reading row a partition
	// worker applies (not gap fills), synchronously from that worker. It
	// must be cheap and must not block; values is only valid during the
	// call. Calls from different partitions are concurrent.
	OnReading func(sensor string, ts time.Time, values []float64)
	// OnForecast, when set, is called for every forecast after it is
	// acknowledged by Kafka, synchronously from the partition worker. Same
	// rules as OnReading; forecast is only valid during the call.
	OnForecast func(sensor string, ts time.Time, forecast []float64)
	// OnReadings, when set, is OnReading's batched form: it is called once
	// per micro-batch that applied reading rows, with all of them in the
	// order applied, after the model has stepped and before the batch is
	// written. Same rules as OnReading; samples and their Values are only
	// valid during the call. A consumer that takes a lock takes it once per
	// batch (the web view does).
	OnReadings func(samples []Sample)
	// OnForecasts, when set, is OnForecast's batched form: it is called
	// once per acknowledged micro-batch that holds forecasts, with all of
	// them. Same rules as OnReadings.
	OnForecasts func(samples []Sample)
	// Checkpointer, when set, is called after a partition's forecasts are
	// acknowledged and before its offsets are committed. Default: none.
	Checkpointer Checkpointer
	// Restorer, when set, loads a partition's checkpointed key states when
	// a worker starts on it (unless the worker resumes a parked state).
	// Default: none; keys start cold and warm up.
	Restorer Restorer
	// CheckpointRecords, when positive, checkpoints and commits a
	// partition as soon as this many records were processed since its last
	// commit, before CommitInterval has passed. Default 0: by time only.
	CheckpointRecords int
	// KeyTTL, when positive, forgets a key (a tombstone goes to the
	// Checkpointer) once its partition's newest event time is more than
	// KeyTTL past the key's last reading: event time, so a replay expires
	// the same keys as the live stream did. Default 0: never.
	KeyTTL time.Duration
	// MaxKeys, when positive, bounds the keys a partition worker holds:
	// beyond it, the least recently seen (by input offset) are forgotten
	// at the next commit, with tombstones. Default 0: no bound.
	MaxKeys int
	// Now is the clock the workers read: commit cadence, end-to-end
	// latency, model-step, checkpoint and restore timings. Default
	// time.Now. Waits (backoff, drain, replay pacing) use the runtime's
	// timers; under testing/synctest both are the bubble's.
	Now func() time.Time
}

// clock returns cfg.Now, or time.Now when unset.
func (cfg *Config) clock() func() time.Time {
	if cfg.Now == nil {
		return time.Now
	}
	return cfg.Now
}

// Sample is one reading or forecast handed to Config.OnReadings or
// Config.OnForecasts.
type Sample struct {
	Sensor string
	// Time is the reading's grid slot, or the slot the forecast was made at.
	Time time.Time
	// Values are the reading's features, or the forecast's Horizon values,
	// in original units. They alias the worker's buffers.
	Values []float64
}

// Defaults of Config; see the fields' documentation.
const (
	DefaultMaxBatch           = 512
	DefaultMaxDelay           = 20 * time.Millisecond
	DefaultCommitInterval     = time.Second
	DefaultWriterBatchTimeout = 5 * time.Millisecond
	DefaultShutdownTimeout    = 30 * time.Second
	DefaultFailureWindow      = time.Minute
	DefaultStallTimeout       = 2 * time.Minute
	DefaultSessionTimeout     = 30 * time.Second
	DefaultRebalanceTimeout   = 30 * time.Second
	DefaultHeartbeatInterval  = 3 * time.Second
	DefaultJoinBackoff        = 5 * time.Second
)

// withDefaults returns cfg with every unset optional field given its
// default; model-derived defaults are filled in from meta.
func (cfg Config) withDefaults(meta modelMeta) Config {
	setDur(&cfg.MaxDelay, DefaultMaxDelay)
	setDur(&cfg.CommitInterval, DefaultCommitInterval)
	setDur(&cfg.WriterBatchTimeout, DefaultWriterBatchTimeout)
	setDur(&cfg.ShutdownTimeout, DefaultShutdownTimeout)
	setDur(&cfg.FailureWindow, DefaultFailureWindow)
	setDur(&cfg.StallTimeout, DefaultStallTimeout)
	setDur(&cfg.SessionTimeout, DefaultSessionTimeout)
	setDur(&cfg.RebalanceTimeout, DefaultRebalanceTimeout)
	setDur(&cfg.HeartbeatInterval, DefaultHeartbeatInterval)
	setDur(&cfg.JoinBackoff, DefaultJoinBackoff)
	setInt(&cfg.MaxBatch, DefaultMaxBatch)
	cfg.DeadLetter = cfg.DeadLetter.WithDefaults()
	setDur(&cfg.Window.Interval, meta.interval)
	setInt(&cfg.Window.Window, meta.window)
	setInt(&cfg.Window.Features, meta.inputs)
	setInt(&cfg.Window.MaxBatch, cfg.MaxBatch)
	setInt(&cfg.Decoder.Features, meta.inputs)
	setInt(&cfg.Warmup, cfg.Window.Window)
	if cfg.Mode == "" {
		cfg.Mode = meta.mode
	}
	if cfg.Mode == "" {
		cfg.Mode = ModeStateful
	}
	return cfg
}

func setDur(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

func setInt(n *int, def int) {
	if *n == 0 {
		*n = def
	}
}

// Validate reports the first problem of a Config whose defaults are applied.
func (cfg Config) Validate() error {
	if len(cfg.Brokers) == 0 {
		return errors.New("pipeline: invalid config: no brokers")
	}
	for name, v := range map[string]string{
		"input topic": cfg.InputTopic, "output topic": cfg.OutputTopic,
		"dead-letter topic": cfg.DeadLetterTopic, "group": cfg.Group,
	} {
		if v == "" {
			return fmt.Errorf("pipeline: invalid config: empty %s", name)
		}
	}
	if cfg.Mode != ModeStateful && cfg.Mode != ModeWindow {
		return fmt.Errorf("pipeline: invalid config: mode %q is neither %q nor %q", cfg.Mode, ModeStateful, ModeWindow)
	}
	if cfg.MaxBatch < 1 || cfg.Warmup < 0 || cfg.MaxDelay < 0 || cfg.CommitInterval < 0 || cfg.FailureWindow < 0 || cfg.StallTimeout < 0 {
		return errors.New("pipeline: invalid config: max batch must be positive, warm-up and durations non-negative")
	}
	if err := cfg.DeadLetter.Validate(); err != nil {
		return fmt.Errorf("pipeline: invalid config: %w", err)
	}
	if cfg.Window.MaxBatch > cfg.MaxBatch {
		return fmt.Errorf("pipeline: invalid config: window max batch %d exceeds max batch %d", cfg.Window.MaxBatch, cfg.MaxBatch)
	}
	return nil
}

// modelMeta is what withDefaults takes from the model.
type modelMeta struct {
	interval       time.Duration
	window, inputs int
	mode           string
}
