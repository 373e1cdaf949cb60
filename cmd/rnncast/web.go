package main

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rnncast/rnncast/metrics"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/pipeline"
	"github.com/rnncast/rnncast/web"
)

// observers are how a serving pipeline is observed, wired the same way for
// run, demo and bench: the Prometheus adapter on a fresh registry, wrapped
// by the web view, whose hooks feed the view's Hub. The pipeline reports to
// view.obs; the state store to metrics.
type observers struct {
	reg     *prometheus.Registry
	metrics *metrics.Observer
	view    *webView
}

// newObservers builds the observers of a pipeline serving m on the grid
// step interval and sets pc's hooks to feed the view.
func newObservers(m *model.Model, pc *pipeline.Config, interval time.Duration) (*observers, error) {
	reg, obs, err := newMetrics(m)
	if err != nil {
		return nil, err
	}
	view := newWebView(obs, m)
	view.wire(pc, interval)
	return &observers{reg: reg, metrics: obs, view: view}, nil
}

// webView is the live web view that run and demo serve beside /metrics:
// a web.Hub fed by the pipeline's hooks, and an observer that passes every
// measurement on to the Prometheus adapter and keeps the page's totals.
type webView struct {
	hub *web.Hub
	obs *web.Observer
}

// newWebView wraps next (the metrics observer) for a pipeline serving m.
func newWebView(next pipeline.Observer, m *model.Model) *webView {
	obs := web.NewObserver(next, m.Meta.Name+" v"+m.Meta.Version)
	return &webView{hub: web.New(web.Config{Stats: obs.Stats}), obs: obs}
}

// wire sets pc's batched reading and forecast hooks to feed the view.
func (v *webView) wire(pc *pipeline.Config, interval time.Duration) {
	pc.OnReadings, pc.OnForecasts = v.hub.Hooks(interval)
}

// handler serves /metrics, /healthz and /readyz from probes and the page
// with its data and event stream from everything else.
func (v *webView) handler(probes http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, p := range []string{"/metrics", "/healthz", "/readyz"} {
		mux.Handle(p, probes)
	}
	mux.Handle("/", v.hub.Handler())
	return mux
}

// Close ends the view's event streams. Call it before the HTTP server's
// Close, which would otherwise wait for the open /events streams.
func (v *webView) Close() { v.hub.Close() }

// gridInterval is the configured grid step, or the model's when unset.
func gridInterval(configured time.Duration, m *model.Model) time.Duration {
	if configured > 0 {
		return configured
	}
	return m.Meta.Interval
}
