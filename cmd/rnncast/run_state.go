package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rnncast/rnncast/checkpoint"
	"github.com/rnncast/rnncast/config"
	"github.com/rnncast/rnncast/metrics"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/pipeline"
)

// newStateStore returns the state topic store when state.enabled, else nil.
func newStateStore(ctx context.Context, cfg *config.Config, pc pipeline.Config, m *model.Model, obs pipeline.Observer) (*checkpoint.Store, error) {
	if !cfg.State.Enabled {
		return nil, nil
	}
	return checkpoint.New(ctx, checkpoint.Config{Brokers: pc.Brokers, Kafka: pc.Kafka, InputTopic: pc.InputTopic,
		Topic: cfg.Kafka.StateTopic, Mode: pc.Mode}, m, obs)
}

// withState wires the state store and the checkpoint cadence into pc.
func withState(pc pipeline.Config, cfg *config.Config, store *checkpoint.Store) pipeline.Config {
	if store == nil {
		return pc
	}
	pc.Checkpointer, pc.Restorer = store, store
	if cfg.State.CheckpointInterval > 0 {
		pc.CommitInterval = cfg.State.CheckpointInterval
	}
	pc.CheckpointRecords = cfg.State.CheckpointRecords
	pc.KeyTTL, pc.MaxKeys = cfg.State.TTL, cfg.State.MaxKeys
	return pc
}

// server is what serveReloading needs besides the config.
type server struct {
	pc     pipeline.Config
	obs    *metrics.Observer
	pobs   pipeline.Observer // what the pipeline reports to: obs, wrapped by the web view
	store  *checkpoint.Store // nil when state is disabled
	health *swapHealth
	log    *slog.Logger
	path   string // the model file SIGHUP reloads
}

// serveReloading runs the pipeline with m until ctx ends. On SIGHUP it
// loads the model file again and hands it to the running pipeline, which
// checks it against the configuration; a bad file is rejected (a log line
// and rnncast_model_reloads_total{result="rejected"}) and the old model
// stays. A good one is served from each partition's next micro-batch on,
// each key's hidden state rebuilt from its window ring (Pipeline.SwapModel).
func (s *server) serveReloading(ctx context.Context, m *model.Model, timeout time.Duration) error {
	p, err := pipeline.New(s.pc, m, s.pobs, s.log)
	if err != nil {
		return err
	}
	s.health.set(p)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.watchReload(wctx, p, hup)
	}()
	defer wg.Wait()
	defer stop()
	return runUntilDrained(ctx, p, timeout, s.log)
}

// watchReload reloads the model on each SIGHUP until ctx ends.
func (s *server) watchReload(ctx context.Context, p *pipeline.Pipeline, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			s.reload(p)
		}
	}
}

// reload loads the model file and swaps it in, or rejects it.
func (s *server) reload(p *pipeline.Pipeline) {
	m, err := loadModelFile(s.path)
	if err == nil {
		_, err = pipeline.New(s.pc, m, nil, s.log) // the checks of a start, with this config
	}
	if err == nil && s.store != nil {
		s.store.SetModel(m) // first: a restore from now on rewarms states of the old model
	}
	if err == nil {
		err = p.SwapModel(m)
	}
	// Counted before logged: whoever reads the log line (a person, a test)
	// finds the counter already moved.
	if err != nil {
		s.obs.ModelReload(false)
		s.log.Error("rnncast: model reload rejected, keeping the current model", "path", s.path, "err", err)
		return
	}
	s.obs.SetModel(m.Meta.Name, m.Meta.Version, string(m.Meta.Cell), m.Fingerprint())
	s.obs.ModelReload(true)
	s.log.Info("rnncast: serving the reloaded model", "path", s.path, "model", m.Meta.Name,
		"version", m.Meta.Version, "fingerprint", m.Fingerprint())
}

// swapHealth answers the probes for whichever pipeline runs now.
type swapHealth struct {
	p atomic.Pointer[pipeline.Pipeline]
}

func (h *swapHealth) set(p *pipeline.Pipeline) { h.p.Store(p) }

// Ready implements metrics.Health.
func (h *swapHealth) Ready() bool {
	p := h.p.Load()
	return p != nil && p.Ready()
}

// Healthy implements metrics.Health.
func (h *swapHealth) Healthy() error {
	if p := h.p.Load(); p != nil {
		return p.Healthy()
	}
	return nil
}
