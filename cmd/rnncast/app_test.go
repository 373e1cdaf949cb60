package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/models"
)

// TestDemoStateSettings: for the same pipeline.yaml, rnncast demo's
// pipeline gets the state settings rnncast run's gets (checkpoint cadence,
// TTL, key cap, the state store), and both answer the probes for their
// pipeline. Only run reloads on SIGHUP: the demo has no model file.
func TestDemoStateSettings(t *testing.T) {
	c := kafkatest.Kfake(t)
	dir := t.TempDir()
	in, out, dead := kafkatest.Name(t, "in"), kafkatest.Name(t, "out"), kafkatest.Name(t, "dead")
	for _, topic := range []string{in, out, dead} {
		c.CreateTopic(t, topic, 1, nil)
	}
	cfg := writeFile(t, dir, "pipeline.yaml", []byte(fmt.Sprintf("kafka:\n  brokers: [%s]\n  input_topic: %s\n  output_topic: %s\n"+
		"  dead_letter_topic: %s\n  state_topic: %s\n  group: %s\n  commit_interval: 1s\n"+
		"state:\n  checkpoint_interval: 7s\n  checkpoint_records: 50\n  ttl: 36h\n  max_keys: 123\n"+
		"http:\n  listen: \"\"\nshutdown_timeout: 5s\n",
		c.Brokers[0], in, out, dead, kafkatest.Name(t, "state"), kafkatest.Name(t, "group"))))
	modelPath := writeFile(t, dir, "demo.safetensors", models.Demo)

	var run, dem *app
	ctx, cancel := context.WithCancel(context.Background())
	var stderr bytes.Buffer
	// Each stops as soon as it is assembled: its pipeline's start is
	// cancelled (an error), after the settings under test were made.
	if servePipeline(ctx, runOptions{configPath: cfg, modelPath: modelPath, onStart: func(a *app) { run = a; cancel() }}, &stderr, nil); run == nil {
		t.Fatalf("run did not assemble its application; stderr:\n%s", stderr.String())
	}
	ctx, cancel = context.WithCancel(context.Background())
	o := demoOptions{configPath: cfg, sensors: 2, partitions: 1, speed: 100 * time.Millisecond, every: time.Hour, seed: 1,
		onStart: func(a *app) { dem = a; cancel() }}
	if _, err := demo(ctx, o, io.Discard, &stderr); dem == nil {
		t.Fatalf("demo did not assemble its application: %v; stderr:\n%s", err, stderr.String())
	}

	type settings struct {
		commit       time.Duration
		records      int
		ttl          time.Duration
		maxKeys      int
		store, probe bool
	}
	of := func(a *app) settings {
		pc := a.p.Config()
		return settings{pc.CommitInterval, pc.CheckpointRecords, pc.KeyTTL, pc.MaxKeys,
			pc.Checkpointer != nil && pc.Restorer != nil, a.health.p.Load() == a.p}
	}
	want := settings{7 * time.Second, 50, 36 * time.Hour, 123, true, true}
	if got := of(run); got != want {
		t.Errorf("run's pipeline: %+v, want %+v", got, want)
	}
	if got := of(dem); got != want {
		t.Errorf("demo's pipeline: %+v, want %+v (run's, from the same config)", got, want)
	}
	if run.path != modelPath || dem.path != "" {
		t.Errorf("reloaded files: run %q (want %q), demo %q (want none: the bundled model)", run.path, modelPath, dem.path)
	}
}
