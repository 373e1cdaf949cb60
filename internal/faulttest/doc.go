// Package faulttest holds the fault tests of rnncast's state checkpoints on
// a real Apache Kafka broker: the built rnncast binary runs as child
// processes over a replay of the ETTh1 data set (seven sensors), and is
// killed with SIGKILL at seeded random points, rebalanced between three
// instances, or has its broker restarted under it. Each test compares the
// forecasts, deduplicated by (sensor, ts), with an uninterrupted run's.
//
// The package has no non-test code. The comparison is exact because a
// key's forecast does not depend on the micro-batch it is served in (the
// model kernels sum every row in one order; model commit c113093) and the
// restored state is the checkpointed float32 bits.
package faulttest
