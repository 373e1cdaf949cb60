// Package simulate generates synthetic sensor readings for demos, benchmarks
// and tests: N sensors with daily and weekly seasonality, a trend and noise,
// a few gaps and a few malformed records, encoded as rnncast's input records.
//
// A Generator is a pure, deterministic function of its Config (the same seed
// yields the same records byte for byte): it reads no clock, does no I/O and
// starts no goroutine. Event times advance on the configured interval; the
// caller decides how fast wall time passes. A Generator is owned by one
// goroutine.
package simulate
