// Package pipeline wires ingest, window, model and sink into rnncast's
// streaming forecaster: it owns the goroutines (one worker per assigned
// partition), backpressure, the commit protocol and the rebalance hand-off.
//
// # Concurrency
//
// A Pipeline is created by New and run by one call of Run, which returns
// when its context is cancelled (after draining) or on a fatal error. Ready
// and Healthy are safe for concurrent use with Run. Everything a partition
// worker holds (per-key states, the window buffers, the model Runner,
// scratch buffers) is owned by that worker's goroutine alone; workers share
// only the Kafka writer, the consumer group generation (commits are
// serialized) and the Observer. docs/design/pipeline.md has the goroutine
// map and the commit protocol.
package pipeline
