// Package web serves rnncast's live view: a page that charts one sensor at a
// time (its recent actual values, the current forecast reaching H steps
// ahead, and earlier forecasts against what then happened) next to the
// pipeline's throughput, lag, dead letters and live error per horizon step.
//
// A Hub is fed by the pipeline through cheap, non-blocking calls (OnReading,
// OnForecast, SetStats) and serves the page, JSON endpoints and a
// Server-Sent Events stream through Handler. The page is plain HTML, CSS
// and JavaScript embedded in the binary: no build step, no CDN, no request
// to any other host.
//
// # Wiring
//
// cmd/rnncast builds a Hub next to the pipeline: Hooks gives the
// pipeline.Config OnReadings and OnForecasts callbacks (one lock per
// micro-batch, not per value), NewObserver wraps the
// metrics adapter so that Observer.Stats can be Config.Stats, and Handler is
// mounted at "/" beside /metrics. Call Close before shutting the HTTP server
// down: http.Server.Shutdown waits for open event streams.
//
// # Concurrency
//
// A Hub is safe for concurrent use: one mutex guards every sensor's history,
// the statistics and the set of event subscribers. Feeding methods hold it
// for a bounded amount of work (no allocation once a sensor's buffers have
// grown) and never wait for a client: each subscriber has a one-slot
// notification channel that the feeders fill without blocking, so a slow
// browser coalesces updates instead of stalling a partition worker.
//
// The Hub starts no goroutine. Each /events request runs in its server's
// handler goroutine and ends when the request's context is cancelled or
// when Close is called; Close returns at once and is safe to call twice.
//
// # Memory
//
// Memory is bounded by Config: at most MaxSensors sensors (the least
// recently updated is forgotten first), each holding at most MaxPoints
// actual values no older than History before its newest, one current
// forecast and PastForecasts earlier ones.
package web
