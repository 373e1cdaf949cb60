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

	"github.com/rnncast/rnncast/config"
	"github.com/rnncast/rnncast/metrics"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/pipeline"
)

// newStateStore returns the state topic store when state.enabled, else nil.
func newStateStore(ctx context.Context, cfg *config.Config, pc pipeline.Config, m *model.Model, obs pipeline.Observer) (*pipeline.StateStore, error) {
	if !cfg.State.Enabled {
		return nil, nil
	}
	return pipeline.NewStateStore(ctx, pipeline.StateStoreConfig{Brokers: pc.Brokers, InputTopic: pc.InputTopic,
		Topic: cfg.Kafka.StateTopic, Mode: pc.Mode}, m, obs)
}

// withState wires the state store and the checkpoint cadence into pc.
func withState(pc pipeline.Config, cfg *config.Config, store *pipeline.StateStore) pipeline.Config {
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
	pobs   pipeline.Observer    // what the pipeline reports to: obs, wrapped by the web view
	store  *pipeline.StateStore // nil when state is disabled
	health *swapHealth
	log    *slog.Logger
	path   string // the model file SIGHUP reloads
}

// serveReloading runs the pipeline with m until ctx ends. On SIGHUP it
// loads the model file again and validates it against the configuration;
// a bad file is rejected (a log line and rnncast_model_reloads_total
// {result="rejected"}) and the old model stays. A good one replaces it by
// a drain and rejoin: the running pipeline checkpoints, commits and leaves
// the group, and a pipeline with the new model joins and restores the
// states (whose fingerprint no longer matches, so each key's hidden state
// is rebuilt from its window ring).
func (s *server) serveReloading(ctx context.Context, m *model.Model, timeout time.Duration) error {
	// One subscription for the whole run: between two pipelines a SIGHUP
	// waits in the channel instead of getting its default action (exit).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		p, err := pipeline.New(s.pc, m, s.pobs, s.log)
		if err != nil {
			return err
		}
		s.health.set(p)
		pctx, cancel := context.WithCancel(ctx)
		w := s.watchReload(pctx, cancel, hup)
		err = runUntilDrained(pctx, p, timeout, s.log)
		cancel()
		next := w.wait()
		if err != nil || next == nil || ctx.Err() != nil {
			return err
		}
		m = next
		if s.store != nil {
			s.store.SetModel(m)
		}
		s.obs.SetModel(m.Meta.Name, m.Meta.Version, string(m.Meta.Cell), m.Fingerprint())
		s.log.Info("rnncast: serving the reloaded model", "model", m.Meta.Name, "version", m.Meta.Version, "fingerprint", m.Fingerprint())
	}
}

// reloadWatch is the goroutine that waits for SIGHUP while one pipeline
// runs; wait stops it (its ctx must be cancelled) and returns the accepted
// model, or nil.
type reloadWatch struct {
	wg   sync.WaitGroup
	next *model.Model
}

func (w *reloadWatch) wait() *model.Model {
	w.wg.Wait()
	return w.next
}

// watchReload starts the SIGHUP watcher of one pipeline run: on a valid
// new model it records it and calls stop.
func (s *server) watchReload(ctx context.Context, stop context.CancelFunc, hup <-chan os.Signal) *reloadWatch {
	w := &reloadWatch{}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			}
			if m := s.reload(); m != nil {
				w.next = m
				stop()
				return
			}
		}
	}()
	return w
}

// reload loads and validates the model file; nil means rejected.
func (s *server) reload() *model.Model {
	m, err := loadModelFile(s.path)
	if err == nil {
		_, err = pipeline.New(s.pc, m, nil, s.log)
	}
	if err != nil {
		s.log.Error("rnncast: model reload rejected, keeping the current model", "path", s.path, "err", err)
		s.obs.ModelReload(false)
		return nil
	}
	s.log.Info("rnncast: model reload accepted", "path", s.path, "fingerprint", m.Fingerprint())
	s.obs.ModelReload(true)
	return m
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
