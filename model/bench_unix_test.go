//go:build unix

package model

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) the test process has
// used. Benchmarks divide work by it as well as by wall time, because the
// shared machines they run on make wall time depend on other load.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
