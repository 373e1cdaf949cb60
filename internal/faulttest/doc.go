// Package faulttest holds the fault tests of rnncast's state checkpoints on
// a real Apache Kafka broker: the built rnncast binary runs as child
// processes over a replay of the ETTh1 data set (seven sensors), and is
// killed with SIGKILL at seeded random points, rebalanced between three
// instances, or has its broker restarted under it. Each test compares the
// forecasts, deduplicated by (sensor, ts), with an uninterrupted run's.
//
// The package has no non-test code. The binary is built with the noasm tag:
// the assembly kernels sum a row's products in an order that depends on
// the row's position in the micro-batch (see docs/design/pipeline.md,
// "Batch-dependent last bits"), and micro-batch composition depends on
// timing, so only the portable kernels make two runs comparable bit for
// bit.
package faulttest
