// Package metrics adapts the pipeline's Observer to Prometheus and serves
// /metrics, /healthz and /readyz.
//
// Metrics are registered on a *prometheus.Registry the caller injects (never
// the global one); their names are fixed in docs/contracts.md and none has a
// per-key label. An Observer is safe for concurrent use: partition workers
// call it at once, on the hot path, and each call costs an atomic add or a
// short critical section.
package metrics
