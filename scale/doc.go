// Package scale defines how a model's inputs are put on a common scale
// before the network sees them, and how its outputs are put back. A fleet's
// sensors differ by orders of magnitude (pressures near 1000, rain near 0),
// so one set of weights can only serve them all when every sensor is
// standardized by statistics of its own.
//
// Three modes, named in a model's metadata (key "scaling") so that training,
// serving, backtests and python/ apply the same one:
//
//   - Global: one mean and std per input feature, from the metadata (the
//     training data's statistics). Right for one series, wrong for a fleet.
//   - Window: each window standardized by its own per-feature mean and std
//     (RevIN without the affine part), the outputs de-standardized with the
//     target feature's; window serving mode.
//   - Sensor: each sensor's running exponentially weighted mean and
//     variance per feature, updated with each reading before it is scaled,
//     carried in the sensor's state (stateful serving mode).
//
// The package is a leaf: plain arithmetic, no allocation on the hot path.
package scale
