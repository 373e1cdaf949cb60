package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/rnncast/rnncast/pipeline"
)

// run runs the pipeline until ctx ends. When the application has a model
// file, each SIGHUP loads it again and hands it to the running pipeline,
// which checks it against the configuration; a bad file is rejected (a log
// line and rnncast_model_reloads_total{result="rejected"}) and the old
// model stays. A good one is served from each partition's next
// micro-batch on, each key's hidden state rebuilt from its window ring
// (Pipeline.SwapModel).
func (a *app) run(ctx context.Context) error {
	if a.path == "" {
		return runUntilDrained(ctx, a.p, a.cfg.ShutdownTimeout, a.log)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.watchReload(wctx, hup)
	}()
	defer wg.Wait()
	defer stop()
	return runUntilDrained(ctx, a.p, a.cfg.ShutdownTimeout, a.log)
}

// watchReload reloads the model on each SIGHUP until ctx ends.
func (a *app) watchReload(ctx context.Context, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			a.reload()
		}
	}
}

// reload loads the model file and swaps it in, or rejects it.
func (a *app) reload() {
	m, err := loadModelFile(a.path)
	if err == nil {
		_, err = pipeline.New(a.pc, m, nil, a.log) // the checks of a start, with this config
	}
	if err == nil && a.store != nil {
		a.store.SetModel(m) // first: a restore from now on rewarms states of the old model
	}
	if err == nil {
		err = a.p.SwapModel(m)
	}
	// Counted before logged: whoever reads the log line (a person, a test)
	// finds the counter already moved.
	obs := a.obs.metrics
	if err != nil {
		obs.ModelReload(false)
		a.log.Error("rnncast: model reload rejected, keeping the current model", "path", a.path, "err", err)
		return
	}
	obs.SetModel(m.Meta.Name, m.Meta.Version, string(m.Meta.Cell), m.Fingerprint())
	obs.ModelReload(true)
	a.log.Info("rnncast: serving the reloaded model", "path", a.path, "model", m.Meta.Name,
		"version", m.Meta.Version, "fingerprint", m.Fingerprint())
}

// swapHealth answers the probes for the application's pipeline: nil (not
// ready, healthy) until it is built.
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
