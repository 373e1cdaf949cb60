// Package checkpoint keeps the pipeline's per-key states in the compacted
// state topic: Store is the pipeline's Checkpointer (a record per changed
// key, a tombstone per key the worker forgot, acknowledged before the
// offsets they cover are committed) and its Restorer (a state partition
// read to its end on assignment, the last record of each key applied in
// write order; a state from a model of another fingerprint is rewarmed
// over its window ring with pipeline.Rewarmer). The encoding of a record is
// package state's; which keys expire (TTL, key cap) is the worker's choice.
//
// pipeline does not import checkpoint: cmd/rnncast creates a Store with New
// and sets it as pipeline.Config.Checkpointer and Restorer.
//
// # Concurrency
//
// A Store is safe for concurrent use: every partition worker calls
// Checkpoint and Restore for its own partition from its own goroutine, and
// SetModel may be called at any time (after a model reload). Store.mu
// guards only the model served and its fingerprint, and is never held
// while writing or reading Kafka. The KeyStates passed to Checkpoint, and
// the one passed to Restore's apply, are valid only during the call (their
// slices alias the caller's or the Store's memory). The Store owns one
// sink.Writer; Close it after the pipeline's Run has returned.
package checkpoint
