// Package backtest replays a series through a model the way rnncast run
// serves it (model.Runner's Step for stateful models, Window for window
// models, with the model's own scaling and Norm), scores every forecast
// against the actual values with the ETT benchmark's protocol, scores the
// Repeat and seasonal-naive baselines in the same run, and writes the
// results: a Markdown report with PNG plots, the forecasts as Parquet and a
// one-line summary.
//
// Run is synchronous and owned by the calling goroutine; it reads no clock.
// The writers (WriteReport, WriteParquet) do file and stream I/O only.
//
// # Protocol
//
// A forecast's origin e is the first row it forecasts: it forecasts rows
// [e, e+H) from the rows before e. The test origins are every row e with
// TestStart ≤ e ≤ TestEnd−H (stride 1), so the ETT test split
// [11520, 14400) has 2881−H of them. Errors on the "standardized scale" use
// the target's mean and population standard deviation over the train rows.
package backtest
