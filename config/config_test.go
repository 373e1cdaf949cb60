package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestParseErrors(t *testing.T) {
	f := func(name, in string, wantParts ...string) {
		t.Helper()
		_, err := Parse([]byte(in))
		if err == nil {
			t.Fatalf("%s: Parse(%q) succeeded, want an error", name, in)
		}
		for _, p := range wantParts {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("%s: error %q does not contain %q", name, err, p)
			}
		}
	}
	f("unknown top key", "kafka:\n  group: g\nmodle:\n  path: x\n", "line 3", "modle")
	f("unknown nested key", "kafka:\n  brokers: [a:1]\n  grup: g\n", "line 3", "grup")
	f("duration without unit", "batch:\n  max_delay: 20\n", "line 2: key batch.max_delay:", "time.Duration")
	f("duration not parsable", "shutdown_timeout: soon\n", "line 1: key shutdown_timeout:", "soon")
	f("wrong scalar type", "batch:\n  max_records: many\n", "line 2: key batch.max_records:", "many")
	f("two errors", "log:\n  level: [a]\nhttp:\n  listen: {a: b}\n", "line 2: key log.level:", "line 4: key http.listen:")
	f("bad list item", "kafka:\n  brokers:\n    - a:1\n    - {x: y}\n", "line 4", "kafka.brokers")
	f("not a mapping", "- a\n- b\n", "cannot decode")
	f("two documents", "log:\n  level: info\n---\nlog:\n  level: debug\n", "one YAML document")
	f("bad syntax", "kafka: [\n", "cannot decode")
}

func TestParseDefaults(t *testing.T) {
	f := func(name, in string, want func(c *Config)) {
		t.Helper()
		got, err := Parse([]byte(in))
		if err != nil {
			t.Fatalf("%s: Parse: %v", name, err)
		}
		w := Default()
		want(w)
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s: got %+v, want %+v", name, got, w)
		}
	}
	f("empty", "", func(*Config) {})
	f("comment only", "# nothing\n", func(*Config) {})
	f("one field", "batch:\n  max_delay: 5ms\n", func(c *Config) { c.Batch.MaxDelay = 5 * time.Millisecond })
	f("brokers replaced, not appended", "kafka:\n  brokers: [k1:9092, k2:9092]\n", func(c *Config) {
		c.Kafka.Brokers = []string{"k1:9092", "k2:9092"}
	})
	f("nested and top level", "model:\n  path: m.safetensors\n  mode: window\nshutdown_timeout: 1m\n", func(c *Config) {
		c.Model.Path, c.Model.Mode, c.ShutdownTimeout = "m.safetensors", "window", time.Minute
	})
}

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v, want nil", err)
	}
}

func TestValidate(t *testing.T) {
	f := func(change func(c *Config), wantKey string) {
		t.Helper()
		c := Default()
		change(c)
		err := c.Validate()
		if err == nil {
			t.Fatalf("Validate succeeded, want an error naming %s", wantKey)
		}
		if !strings.Contains(err.Error(), "config: "+wantKey+":") {
			t.Errorf("error %q does not name %s", err, wantKey)
		}
	}
	f(func(c *Config) { c.Kafka.Brokers = nil }, "kafka.brokers")
	f(func(c *Config) { c.Kafka.Brokers = []string{"no-port"} }, "kafka.brokers")
	f(func(c *Config) { c.Kafka.InputTopic = "" }, "kafka.input_topic")
	f(func(c *Config) { c.Kafka.OutputTopic = c.Kafka.InputTopic }, "kafka.input_topic")
	f(func(c *Config) { c.Kafka.Group = "" }, "kafka.group")
	f(func(c *Config) { c.Kafka.StartOffset = "middle" }, "kafka.start_offset")
	f(func(c *Config) { c.Kafka.CommitInterval = 0 }, "kafka.commit_interval")
	f(func(c *Config) { c.Model.Mode = "batch" }, "model.mode")
	f(func(c *Config) { c.Model.Warmup = -1 }, "model.warmup")
	f(func(c *Config) { c.Window.Interval = -time.Second }, "window.interval")
	f(func(c *Config) { c.Window.Fill = "zero" }, "window.fill")
	f(func(c *Config) { c.Window.MaxGap = -1 }, "window.max_gap")
	f(func(c *Config) { c.Batch.MaxRecords = 0 }, "batch.max_records")
	f(func(c *Config) { c.Batch.MaxDelay = 0 }, "batch.max_delay")
	f(func(c *Config) { c.Input.Format = "xml" }, "input.format")
	f(func(c *Config) { c.Input.MaxKeyBytes = 0 }, "input.max_key_bytes")
	f(func(c *Config) { c.Input.TimeUnit = "sec" }, "input.time_unit")
	f(func(c *Config) { c.Input.TimeUnit = "" }, "input.time_unit")
	f(func(c *Config) { c.Input.MinTime = "2000-01-01" }, "input.min_time")
	f(func(c *Config) { c.Input.MinTime = "0001-01-01T00:00:00Z" }, "input.min_time")
	f(func(c *Config) { c.Input.MaxTime = "9999-12-31T23:59:59-01:00" }, "input.max_time")
	f(func(c *Config) { c.Input.MaxTime = "next year" }, "input.max_time")
	f(func(c *Config) { c.Input.MinTime = c.Input.MaxTime }, "input.min_time")
	f(func(c *Config) { c.HTTP.Listen = "9464" }, "http.listen")
	f(func(c *Config) { c.HTTP.Listen = "127.0.0.1:70000" }, "http.listen")
	f(func(c *Config) { c.Kafka.Brokers = []string{"k:port"} }, "kafka.brokers")
	f(func(c *Config) { c.Log.Level = "loud" }, "log.level")
	f(func(c *Config) { c.Log.Format = "xml" }, "log.format")
	f(func(c *Config) { c.ShutdownTimeout = 0 }, "shutdown_timeout")
	f(func(c *Config) { c.Kafka.StateTopic = "" }, "kafka.state_topic")
	f(func(c *Config) { c.State.CheckpointInterval = -time.Second }, "state.checkpoint_interval")
	f(func(c *Config) { c.State.CheckpointRecords = -1 }, "state.checkpoint_records")
	f(func(c *Config) { c.State.TTL = -time.Hour }, "state.ttl")
	f(func(c *Config) { c.State.MaxKeys = -5 }, "state.max_keys")
	f(func(c *Config) { c.Health.FailureWindow = 0 }, "health.failure_window")
	f(func(c *Config) { c.Health.StallTimeout = -time.Minute }, "health.stall_timeout")
	f(func(c *Config) { c.DeadLetter.ValuePrefixBytes = 0 }, "dead_letter.value_prefix_bytes")
	f(func(c *Config) { c.DeadLetter.MaxBytes = 2*c.DeadLetter.ValuePrefixBytes + 4095 }, "dead_letter.max_bytes")
	f(func(c *Config) { c.DeadLetter.MaxBytes = 1 << 30 }, "dead_letter.max_bytes")
}

// TestTimeBounds: input.min_time and input.max_time in the forms YAML and
// RFC 3339 allow become the instants they name.
func TestTimeBounds(t *testing.T) {
	f := func(in string, wantMin, wantMax time.Time) {
		t.Helper()
		c, err := Parse([]byte(in))
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Validate(%q): %v", in, err)
		}
		if gotMin, gotMax := c.Input.TimeBounds(); !gotMin.Equal(wantMin) || !gotMax.Equal(wantMax) {
			t.Errorf("%q: TimeBounds = %v, %v; want %v, %v", in, gotMin, gotMax, wantMin, wantMax)
		}
	}
	y2000, y2200 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	f("", y2000, y2200)
	f("input:\n  min_time: 2020-06-01T12:00:00+02:00\n", time.Date(2020, 6, 1, 10, 0, 0, 0, time.UTC), y2200)
	f("input:\n  min_time: \"1850-01-01t00:00:00z\"\n  max_time: 2030-01-01T00:00:00.5Z\n",
		time.Date(1850, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 5e8, time.UTC))
	f("input:\n  min_time: 0000-01-01T00:00:00Z\n  time_unit: s\n", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), y2200)
}

func TestStateTopicOptionalWhenDisabled(t *testing.T) {
	c := Default()
	c.State.Enabled, c.Kafka.StateTopic = false, ""
	if err := c.Validate(); err != nil {
		t.Errorf("Validate with state disabled and no state topic = %v, want nil", err)
	}
}

func TestValidateReportsEveryError(t *testing.T) {
	c := Default()
	c.Log.Level, c.Input.Format = "loud", "xml"
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "log.level") || !strings.Contains(err.Error(), "input.format") {
		t.Fatalf("Validate = %v, want both log.level and input.format named", err)
	}
}

func TestApplyEnv(t *testing.T) {
	f := func(env map[string]string, want []string, wantErr bool) {
		t.Helper()
		c := Default()
		err := c.ApplyEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		if (err != nil) != wantErr {
			t.Fatalf("ApplyEnv(%v) error = %v, want error %v", env, err, wantErr)
		}
		if !wantErr && !reflect.DeepEqual(c.Kafka.Brokers, want) {
			t.Errorf("ApplyEnv(%v): brokers %q, want %q", env, c.Kafka.Brokers, want)
		}
	}
	f(nil, Default().Kafka.Brokers, false)
	f(map[string]string{EnvBrokers: "k1:9092"}, []string{"k1:9092"}, false)
	f(map[string]string{EnvBrokers: " k1:9092, k2:9093 ,"}, []string{"k1:9092", "k2:9093"}, false)
	f(map[string]string{EnvBrokers: " , "}, nil, true)
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Setenv(EnvBrokers, "env1:9092,env2:9092")
	c, err := Load(write("ok.yaml", "kafka:\n  brokers: [file:9092]\n"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if want := []string{"env1:9092", "env2:9092"}; !reflect.DeepEqual(c.Kafka.Brokers, want) {
		t.Errorf("brokers = %q, want the environment's %q", c.Kafka.Brokers, want)
	}
	f := func(path, wantPart string) {
		t.Helper()
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), wantPart) {
			t.Errorf("Load(%s) = %v, want an error containing %q", path, err, wantPart)
		}
	}
	f(dir+"/missing.yaml", "cannot read")
	f(write("invalid.yaml", "log:\n  level: loud\n"), "log.level")
	f(write("unknown.yaml", "logs:\n  level: info\n"), "logs")
}

// TestExampleFile checks that the repository's pipeline.yaml decodes, states
// exactly the defaults, and mentions every key.
func TestExampleFile(t *testing.T) {
	data, err := os.ReadFile("../pipeline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse(pipeline.yaml): %v", err)
	}
	if !reflect.DeepEqual(got, Default()) {
		t.Errorf("pipeline.yaml = %+v, want exactly the defaults %+v", got, Default())
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range Keys() {
		if !hasKey(doc, key) {
			t.Errorf("pipeline.yaml does not show key %s", key)
		}
	}
}

func hasKey(doc map[string]any, dotted string) bool {
	parts := strings.Split(dotted, ".")
	var cur any = doc
	for _, p := range parts {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[p]; !ok {
			return false
		}
	}
	return true
}

// TestReadmeDocumentsEveryKey checks the README's configuration reference.
func TestReadmeDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range Keys() {
		if !strings.Contains(string(data), "| `"+key+"` |") {
			t.Errorf("README.md has no configuration reference row for %s", key)
		}
	}
}
