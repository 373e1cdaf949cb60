package config

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Validate reports every invalid field at once, each named by its YAML path.
// model.path may be empty here; the run command requires it or --model.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: "+format, append([]any{key}, args...)...))
	}
	c.validateKafka(bad)
	c.validateStream(bad)
	c.validateOps(bad)
	c.validateState(bad)
	c.validateHealth(bad)
	c.validateDeadLetter(bad)
	return errors.Join(errs...)
}

type reporter func(key, format string, args ...any)

func (c *Config) validateKafka(bad reporter) {
	k := &c.Kafka
	if len(k.Brokers) == 0 {
		bad("kafka.brokers", "must list at least one host:port")
	}
	for _, b := range k.Brokers {
		if err := checkAddr(b); err != nil {
			bad("kafka.brokers", "cannot use %q: %v", b, err)
		}
	}
	validateSecurity(k.TLS, k.SASL, bad)
	topics := map[string]string{"kafka.input_topic": k.InputTopic, "kafka.output_topic": k.OutputTopic,
		"kafka.dead_letter_topic": k.DeadLetterTopic, "kafka.group": k.Group}
	for _, key := range sortedKeys(topics) {
		if topics[key] == "" {
			bad(key, "must not be empty")
		}
	}
	if k.InputTopic != "" && (k.InputTopic == k.OutputTopic || k.InputTopic == k.DeadLetterTopic || k.InputTopic == k.StateTopic) {
		bad("kafka.input_topic", "%q must differ from the output, dead-letter and state topics", k.InputTopic)
	}
	oneOf(bad, "kafka.start_offset", k.StartOffset, "earliest", "latest")
	positive(bad, "kafka.commit_interval", k.CommitInterval)
	positive(bad, "kafka.session_timeout", k.SessionTimeout)
}

func (c *Config) validateStream(bad reporter) {
	oneOf(bad, "model.mode", c.Model.Mode, "", "stateful", "window")
	nonNegative(bad, "model.warmup", c.Model.Warmup)
	if c.Window.Interval < 0 {
		bad("window.interval", "must not be negative, got %v", c.Window.Interval)
	}
	nonNegative(bad, "window.window", c.Window.Window)
	if c.Window.AllowedLateness < 0 {
		bad("window.allowed_lateness", "must not be negative, got %v", c.Window.AllowedLateness)
	}
	nonNegative(bad, "window.max_gap", c.Window.MaxGap)
	oneOf(bad, "window.fill", c.Window.Fill, "hold", "linear")
	if c.Batch.MaxRecords < 1 {
		bad("batch.max_records", "must be at least 1, got %d", c.Batch.MaxRecords)
	}
	positive(bad, "batch.max_delay", c.Batch.MaxDelay)
	oneOf(bad, "input.format", c.Input.Format, "json", "csv")
	c.validateTimes(bad)
	if c.Input.MaxKeyBytes < 1 {
		bad("input.max_key_bytes", "must be at least 1, got %d", c.Input.MaxKeyBytes)
	}
	if c.Input.MaxValueBytes < 1 {
		bad("input.max_value_bytes", "must be at least 1, got %d", c.Input.MaxValueBytes)
	}
}

// validateTimes checks input.time_unit and the plausible event times.
func (c *Config) validateTimes(bad reporter) {
	oneOf(bad, "input.time_unit", c.Input.TimeUnit, "s", "ms", "us", "ns")
	minT, errMin := parseBound(c.Input.MinTime)
	maxT, errMax := parseBound(c.Input.MaxTime)
	if errMin != nil {
		bad("input.min_time", "%v", errMin)
	}
	if errMax != nil {
		bad("input.max_time", "%v", errMax)
	}
	if errMin == nil && errMax == nil && !minT.Before(maxT) {
		bad("input.min_time", "%s is not before input.max_time %s", c.Input.MinTime, c.Input.MaxTime)
	}
}

// parseBound parses an RFC 3339 time of input.min_time or input.max_time
// (T and Z in either case, as RFC 3339 §5.6 allows).
func parseBound(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("want an RFC 3339 time such as 2000-01-01T00:00:00Z, got %q", s)
	}
	switch t = t.UTC(); {
	case t.Year() < 0 || t.Year() > 9999:
		return time.Time{}, fmt.Errorf("%q is outside the years 0000-9999", s)
	case t.IsZero():
		// The decoder takes Go's zero time for "unset"; this instant
		// would silently become the default.
		return time.Time{}, fmt.Errorf("%q is Go's zero time, which cannot be a bound: use 0000-01-01T00:00:00Z to accept every year", s)
	}
	return t, nil
}

// TimeBounds returns input.min_time and input.max_time as times. Validate
// has checked them; a zero time stands for one that does not parse.
func (in Input) TimeBounds() (minTime, maxTime time.Time) {
	minTime, _ = parseBound(in.MinTime)
	maxTime, _ = parseBound(in.MaxTime)
	return minTime, maxTime
}

func (c *Config) validateOps(bad reporter) {
	if c.HTTP.Listen != "" {
		if err := checkAddr(c.HTTP.Listen); err != nil {
			bad("http.listen", "cannot use %q: %v", c.HTTP.Listen, err)
		}
	}
	oneOf(bad, "log.level", c.Log.Level, "debug", "info", "warn", "error")
	oneOf(bad, "log.format", c.Log.Format, "json", "text")
	positive(bad, "shutdown_timeout", c.ShutdownTimeout)
}

// checkAddr accepts host:port with a numeric port in 0..65535.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number in 0..65535", port)
	}
	return nil
}

func oneOf(bad reporter, key, got string, allowed ...string) {
	if !slices.Contains(allowed, got) {
		bad(key, "must be one of %q, got %q", allowed, got)
	}
}

func positive(bad reporter, key string, d time.Duration) {
	if d <= 0 {
		bad(key, "must be positive, got %v", d)
	}
}

func nonNegative(bad reporter, key string, n int) {
	if n < 0 {
		bad(key, "must not be negative, got %d", n)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
