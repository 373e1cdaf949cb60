package main

import (
	"context"
	"log/slog"

	"github.com/rnncast/rnncast/checkpoint"
	"github.com/rnncast/rnncast/config"
	"github.com/rnncast/rnncast/metrics"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/pipeline"
)

// app is the serving application, assembled in one place for rnncast run
// and rnncast demo: the pipeline configuration of pipeline.yaml, the
// observers (newObservers: Prometheus, live scoring, the web view), the
// Kafka connection and its preflight, the state store with every state
// setting (checkpoint cadence, TTL, key cap), the health probes, the HTTP
// server and, when there is a model file, the SIGHUP reload. The demo
// differs only in its broker (kfake), its simulator and what it prints.
type app struct {
	cfg    *config.Config
	pc     pipeline.Config // with the state store and its settings
	obs    *observers
	pobs   pipeline.Observer // what the pipeline reports to: the view's observer, maybe wrapped
	store  *checkpoint.Store // nil when state is disabled
	p      *pipeline.Pipeline
	health *swapHealth
	srv    *httpServer // nil when http.listen is ""
	log    *slog.Logger
	path   string // the model file SIGHUP reloads; "": no reload
}

// appHooks are what a command adds to the common wiring.
type appHooks struct {
	// wrap, when set, wraps the observer the pipeline reports to (the
	// demo's totals).
	wrap func(pipeline.Observer) pipeline.Observer
	// onHTTP, when set, gets the address the HTTP server bound (tests
	// listen on port 0).
	onHTTP func(addr string)
	// reload says whether SIGHUP reloads cfg.Model.Path.
	reload bool
}

// newApp assembles the application serving m with cfg; nothing is
// consumed until run. An error means nothing is left open. The checks
// that need no broker (the config against the model) come first.
func newApp(ctx context.Context, cfg *config.Config, m *model.Model, log *slog.Logger, h appHooks) (_ *app, err error) {
	a := &app{cfg: cfg, pc: pipelineConfig(cfg), health: &swapHealth{}, log: log}
	if h.reload {
		a.path = cfg.Model.Path
	}
	if a.obs, err = newObservers(m, &a.pc, gridInterval(cfg.Window.Interval, m)); err != nil {
		return nil, err
	}
	a.pobs = a.obs.view.obs
	if h.wrap != nil {
		a.pobs = h.wrap(a.pobs)
	}
	if _, err := pipeline.New(a.pc, m, a.pobs, log); err != nil {
		return nil, err // the config does not fit the model: nothing is created yet
	}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	if err := a.startHTTP(h.onHTTP); err != nil {
		return nil, err
	}
	if a.pc.Kafka, err = connectKafka(ctx, cfg.Kafka); err != nil {
		return nil, err // a bad password, CA or listener: nothing is consumed yet
	}
	log.Info("rnncast: connected to Kafka", "brokers", cfg.Kafka.Brokers, "security", a.pc.Kafka.String())
	if a.store, err = newStateStore(ctx, cfg, a.pc, m, a.obs.metrics); err != nil {
		return nil, err
	}
	a.pc = withState(a.pc, cfg, a.store)
	if a.p, err = pipeline.New(a.pc, m, a.pobs, log); err != nil {
		return nil, err
	}
	a.health.set(a.p)
	return a, nil
}

// startHTTP serves /metrics, the probes and the web view on http.listen.
func (a *app) startHTTP(onHTTP func(string)) error {
	if a.cfg.HTTP.Listen == "" {
		return nil
	}
	srv, err := startHTTP(a.cfg.HTTP.Listen, a.obs.view.handler(metrics.Handler(a.obs.reg, a.health)), a.log)
	if err != nil {
		return err
	}
	a.srv = srv
	a.log.Info("rnncast: serving /metrics, /healthz, /readyz", "addr", srv.addr)
	a.log.Info("rnncast: web view", "url", "http://"+srv.addr+"/")
	if onHTTP != nil {
		onHTTP(srv.addr)
	}
	return nil
}

// close ends the web view's streams, the HTTP server and the state store.
func (a *app) close() {
	if a.srv != nil {
		a.obs.view.Close() // first: open /events streams would hold up closeHTTP
		closeHTTP(a.srv, a.log)
	}
	if a.store != nil {
		if err := a.store.Close(); err != nil {
			a.log.Warn("rnncast: cannot close the state store's writer", "err", err)
		}
	}
}

// serveApp assembles the application, runs it until ctx ends and closes it;
// onStart, when set, sees the application before it runs (tests).
func serveApp(ctx context.Context, cfg *config.Config, m *model.Model, log *slog.Logger, h appHooks, onStart func(*app)) error {
	a, err := newApp(ctx, cfg, m, log, h)
	if err != nil {
		return err
	}
	defer a.close()
	if onStart != nil {
		onStart(a)
	}
	return a.run(ctx)
}

// newStateStore returns the state topic store when state.enabled, else nil.
func newStateStore(ctx context.Context, cfg *config.Config, pc pipeline.Config, m *model.Model, obs pipeline.Observer) (*checkpoint.Store, error) {
	if !cfg.State.Enabled {
		return nil, nil
	}
	return checkpoint.New(ctx, checkpoint.Config{Brokers: pc.Brokers, Kafka: pc.Kafka, InputTopic: pc.InputTopic,
		Topic: cfg.Kafka.StateTopic, Mode: pc.Mode}, m, obs)
}

// withState wires the state store and the checkpoint cadence, TTL and key
// cap into pc.
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
