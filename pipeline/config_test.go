package pipeline

import (
	"context"
	"errors"

	"github.com/rnncast/rnncast/ingest"
	"github.com/rnncast/rnncast/internal/kafkatest"
	"strings"
	"testing"
	"time"
)

func TestNewConfig(t *testing.T) {
	m := testModel(t, "")
	valid := Config{Brokers: []string{"127.0.0.1:1"}, InputTopic: "in", OutputTopic: "out", DeadLetterTopic: "dlq", Group: "g"}
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr string // substring; "" for success
	}{
		{"valid", func(*Config) {}, ""},
		{"no brokers", func(c *Config) { c.Brokers = nil }, "no brokers"},
		{"no output topic", func(c *Config) { c.OutputTopic = "" }, "empty output topic"},
		{"no group", func(c *Config) { c.Group = "" }, "empty group"},
		{"bad mode", func(c *Config) { c.Mode = "batch" }, "mode"},
		{"negative warm-up", func(c *Config) { c.Warmup = -1 }, "warm-up"},
		{"window batch over max batch", func(c *Config) { c.MaxBatch = 8; c.Window.MaxBatch = 9 }, "window max batch"},
		{"features differ from the model", func(c *Config) { c.Window.Features = 2 }, "features"},
		{"window mode with another window", func(c *Config) { c.Mode = ModeWindow; c.Window.Window = 9 }, "window mode needs window 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.edit(&cfg)
			p, err := New(cfg, m, nil, nil)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "pipeline: ") {
				t.Fatalf("New = %v, %v; want an error containing %q", p, err, tt.wantErr)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	m := testModel(t, ModeWindow)
	p, err := New(Config{Brokers: []string{"127.0.0.1:1"}, InputTopic: "in", OutputTopic: "out",
		DeadLetterTopic: "dlq", Group: "g"}, m, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := p.Config()
	got := []any{c.Mode, c.Warmup, c.MaxBatch, c.MaxDelay, c.CommitInterval, c.WriterBatchTimeout, c.ShutdownTimeout,
		c.Window.Interval, c.Window.Window, c.Window.Features, c.Window.MaxBatch, c.Decoder.Features}
	want := []any{ModeWindow, 4, DefaultMaxBatch, DefaultMaxDelay, DefaultCommitInterval, DefaultWriterBatchTimeout,
		DefaultShutdownTimeout, time.Minute, 4, 1, DefaultMaxBatch, 1}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("default %d = %v, want %v (all: %v)", i, got[i], want[i], got)
		}
	}
	if p.Ready() || p.Healthy() != nil {
		t.Errorf("a new pipeline: Ready %v, Healthy %v; want false, nil", p.Ready(), p.Healthy())
	}
}

// TestRunMissingTopic checks that Run refuses to start, naming the topic,
// when an output topic does not exist, rather than failing every write.
func TestRunMissingTopic(t *testing.T) {
	c := kafkatest.Kfake(t)
	f := newFixture(t, c, 1)
	cfg := f.config()
	cfg.DeadLetterTopic = kafkatest.Name(t, "missing")
	p, err := New(cfg, testModel(t, ModeStateful), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = p.Run(ctx)
	if !errors.Is(err, ingest.ErrNoTopic) || !strings.Contains(err.Error(), cfg.DeadLetterTopic) {
		t.Fatalf("Run = %v, want an error naming the missing topic %s", err, cfg.DeadLetterTopic)
	}
}
