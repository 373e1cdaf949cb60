// Package conformal calibrates forecast intervals online, per sensor and
// per horizon step, from the residuals live scoring (or a backtest) sees
// when each forecast's actual value arrives.
//
// The method is online quantile tracking (the "quantile" part of conformal
// PID control, Angelopoulos, Candès and Tibshirani 2023; an equivalent of
// adaptive conformal inference): for each level ℓ and step k a sensor keeps
// one number q, the half-width of its ℓ interval at step k in units of the
// sensor's running standard deviation. When a step-k forecast f is scored
// against its actual a, with score s = |f − a| / sd,
//
//	q ← max(0, q + η·(1{s > q} − (1 − ℓ)))
//
// so that q rises after a miss and falls slowly after a hit. Whatever the
// sequence of scores, the long-run share of misses tends to 1 − ℓ (the
// error after T scores is at most (max s + η)/(η·T)), and a drifting series
// moves q with it: coverage holds under drift at the price of some width.
// ScoreIssued feeds back the miss of the interval as it was issued (the
// half-widths and std kept with the pending forecast: adaptive conformal
// inference's feedback), Score the miss of the current half-width (no
// per-forecast memory). A step-k score arrives k readings after its
// forecast, so step k's rate is η/√k: with one rate for all steps the long
// horizons overshot (BENCHMARKS.md, "Calibrated intervals").
//
// A sensor starts from the fleet's pooled q (the same update over every
// sensor's scores, in the same standardized units), so its intervals exist
// from its first forecast and are the fleet's until its own scores move
// them. The standardizing sd is the sensor's exponentially weighted running
// std of its readings (scale.Running, 12 bytes per sensor), so pooling
// works across sensors of any unit.
//
// Memory per sensor: 4 bytes per level per horizon step (q as float32) plus
// the 12-byte running statistics, and for ScoreIssued the issued q and std
// of each pending forecast; the pool is one table per model.
// The package is a leaf: plain arithmetic, no allocation on the hot path.
package conformal
