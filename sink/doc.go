// Package sink encodes forecasts and dead letters and writes them, with
// state checkpoints, to Kafka.
//
// encode.go is pure: AppendForecast renders a Forecast as the output
// contract's JSON, deterministically (the same Forecast gives the same
// bytes, so a forecast written twice after a crash is a byte-identical
// duplicate consumers can drop), and DeadLetterHeaders builds a dead
// letter's headers as plain key/value pairs, independent of any client.
// The encoders are safe for concurrent use and keep no reference to their
// arguments.
//
// deadletter.go bounds and encodes dead letters (DeadLetterLimits: a dead
// letter always fits its topic) and tells a broker's refusal of single
// records (Refused) from the cluster's failures.
//
// writer.go and state.go hold the kafka-go side: a Writer (safe for
// concurrent use) writes a Batch of forecasts, dead letters and state
// records, acknowledged by all in-sync replicas, isolating the messages the
// broker refuses (Batch.Refused) instead of failing the batch; a Batch
// reuses its memory and is owned by one goroutine.
package sink
