package train

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/rnncast/rnncast/model"
)

// BenchmarkWindowBatch times one training step of the window regime (forward,
// backward, clip and Adam) on a minibatch of 64 windows of 336 steps, the ETT
// benchmark's shape, per cell and hidden size. windows/s is the throughput.
func BenchmarkWindowBatch(b *testing.B) {
	for _, cell := range []model.Cell{model.CellGRU, model.CellLSTM} {
		for _, hidden := range []int{32, 64} {
			b.Run(fmt.Sprintf("%s/hidden=%d", cell, hidden), func(b *testing.B) {
				benchStep(b, Arch{Cell: cell, Hidden: hidden, Layers: 1, Inputs: 1, Out: 96}, 336, 64, 335)
			})
		}
	}
}

// BenchmarkStatefulChunk times one step of the stateful regime: 8 streams,
// a chunk of 32 steps, the head (H = 96) at every step. windows/s counts
// stream-chunks.
func BenchmarkStatefulChunk(b *testing.B) {
	for _, hidden := range []int{32, 64} {
		b.Run(fmt.Sprintf("gru/hidden=%d", hidden), func(b *testing.B) {
			benchStep(b, Arch{Cell: model.CellGRU, Hidden: hidden, Layers: 1, Inputs: 1, Out: 96}, 32, 8, 0)
		})
	}
}

func benchStep(b *testing.B, a Arch, T, B, headFrom int) {
	rng := rand.New(rand.NewPCG(1, 1))
	n := newNet(a, initParams(a, rng))
	g := newNet(a, make([]float64, a.size()))
	opt := newAdam(a.size(), 1e-3)
	tp := newTape(a, T, B, headFrom)
	for i := range tp.x {
		tp.x[i] = rng.NormFloat64()
	}
	want := make([]float64, len(tp.y))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		n.forward(tp)
		mseLoss(tp, want)
		clear(g.p)
		n.backward(g, tp)
		clipNorm(g.p, 1)
		opt.step(n.p, g.p)
	}
	b.ReportMetric(float64(b.N*B)/b.Elapsed().Seconds(), "windows/s")
	b.ReportMetric(float64(b.N*B)/(cpuTime()-cpu0).Seconds(), "cpu-windows/s")
}

// cpuTime returns the process's user+system CPU time (the machine is shared,
// so wall time alone misleads).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
