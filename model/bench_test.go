package model

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
)

// benchCase is one sub-benchmark of BenchmarkStep and BenchmarkStepReference:
// a stateful seq2vec model with one input feature and a 12-step horizon.
type benchCase struct {
	cell          Cell
	hidden, batch int
}

const benchLayers, benchHorizon = 2, 12

func (c benchCase) name() string {
	return fmt.Sprintf("cell=%s/hidden=%d/layers=%d/batch=%d", c.cell, c.hidden, benchLayers, c.batch)
}

func benchCases() []benchCase {
	var out []benchCase
	for _, cell := range []Cell{CellRNN, CellLSTM, CellGRU} {
		for _, hidden := range []int{32, 64} {
			for _, batch := range []int{1, 32, 256} {
				out = append(out, benchCase{cell, hidden, batch})
			}
		}
	}
	return out
}

func (c benchCase) model(b *testing.B) *Model {
	s := spec{c.cell, "tanh", ArchSeq2Vec, NormNone, c.hidden, benchLayers, 1, benchHorizon, 24}
	return randomModel(b, s, rand.New(rand.NewPCG(9, uint64(c.hidden))))
}

// reportKeySteps reports keys advanced per second of wall time over the
// timed loop, and per second of the process's CPU time since cpu0 (taken
// just before the loop) when the platform measures it: on a loaded machine
// the second shows what one core does.
func reportKeySteps(b *testing.B, batch int, cpu0 time.Duration) {
	reportRate(b, batch, cpu0, "keysteps/s")
}

// reportRate reports batch×b.N per second of wall time as unit and per
// second of CPU time as "cpu-"+unit.
func reportRate(b *testing.B, batch int, cpu0 time.Duration, unit string) {
	n := float64(b.N) * float64(batch)
	b.ReportMetric(n/b.Elapsed().Seconds(), unit)
	if cpu := processCPU() - cpu0; cpu0 != 0 && cpu > 0 {
		b.ReportMetric(n/cpu.Seconds(), "cpu-"+unit)
	}
}

// BenchmarkStep measures the Runner's stateful step with the fastest
// kernels the CPU supports.
func BenchmarkStep(b *testing.B) {
	benchmarkStep(b, bestKernels)
}

// BenchmarkStepGo measures the Runner with the portable kernels.
func BenchmarkStepGo(b *testing.B) {
	benchmarkStep(b, goKernels)
}

func benchmarkStep(b *testing.B, k kernels) {
	for _, c := range benchCases() {
		benchmarkStepCase(b, k, c)
	}
}

// benchmarkStepCase runs one sub-benchmark of Step with kernels k.
func benchmarkStepCase(b *testing.B, k kernels, c benchCase) {
	b.Run(c.name(), func(b *testing.B) {
		m := c.model(b)
		r := m.newRunner(c.batch, k, defaultTile)
		states := make([][]float32, c.batch)
		for i := range states {
			states[i] = make([]float32, m.StateLen())
		}
		x := readings(m, c.batch, rand.New(rand.NewPCG(10, 0)))
		out := make([]float32, c.batch*benchHorizon)
		b.ReportAllocs()
		cpu0 := processCPU()
		for b.Loop() {
			r.Step(states, x, out)
		}
		reportKeySteps(b, c.batch, cpu0)
	})
}

// BenchmarkStepReference measures the gonum float64 reference doing the
// same work key by key: scale the reading, advance the key's state, apply
// the head, unscale.
func BenchmarkStepReference(b *testing.B) {
	for _, c := range benchCases() {
		b.Run(c.name(), func(b *testing.B) {
			m := c.model(b)
			rm := newRefModel(m)
			states := make([]*refState, c.batch)
			for i := range states {
				states[i] = rm.enc.zeroState()
			}
			x := readings(m, c.batch, rand.New(rand.NewPCG(10, 0)))
			xin := mat.NewVecDense(1, nil)
			out := make([]float32, c.batch*benchHorizon)
			t := rm.meta.Target
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				for i, s := range states {
					xin.SetVec(0, (float64(x[i])-rm.mean[0])/rm.std[0])
					rm.enc.stepVec(s, xin)
					for j, y := range rm.headVec(rm.top(s)) {
						out[i*benchHorizon+j] = float32(y*rm.std[t] + rm.mean[t])
					}
				}
			}
			reportKeySteps(b, c.batch, cpu0)
		})
	}
}

// BenchmarkTileSize measures how the Runner's tile size (keys per kernel
// call) affects a batch of 256 keys; defaultTile comes from it.
func BenchmarkTileSize(b *testing.B) {
	for _, cell := range []Cell{CellLSTM, CellGRU} {
		for _, hidden := range []int{32, 64} {
			for _, tile := range []int{4, 8, 16, 32, 64, 256} {
				c := benchCase{cell, hidden, 256}
				b.Run(fmt.Sprintf("cell=%s/hidden=%d/tile=%d", cell, hidden, tile), func(b *testing.B) {
					m := c.model(b)
					r := m.newRunner(c.batch, bestKernels, tile)
					states := make([][]float32, c.batch)
					for i := range states {
						states[i] = make([]float32, m.StateLen())
					}
					x := readings(m, c.batch, rand.New(rand.NewPCG(10, 0)))
					out := make([]float32, c.batch*benchHorizon)
					cpu0 := processCPU()
					for b.Loop() {
						r.Step(states, x, out)
					}
					reportKeySteps(b, c.batch, cpu0)
				})
			}
		}
	}
}

// BenchmarkGemm measures the gemm kernels alone on a GRU layer's hidden
// matrix (96×32, hidden 32) for a tile of 32 keys, in multiply-adds per
// second of CPU time.
func BenchmarkGemm(b *testing.B) {
	for _, k := range kernelSets() {
		for _, shape := range []struct{ rows, k, n int }{{32, 32, 96}, {1, 32, 96}, {32, 64, 192}} {
			b.Run(fmt.Sprintf("%s/rows=%d/k=%d/n=%d", k.name, shape.rows, shape.k, shape.n), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(16, 0))
				p := pack(randSlice(rng, shape.n*shape.k, 1), 1, shape.n, shape.n, shape.k)
				np := p.panels * panelWidth
				a := randSlice(rng, shape.rows*shape.k, 1)
				bias := make([]float32, np)
				c := make([]float32, shape.rows*np)
				cpu0 := processCPU()
				for b.Loop() {
					k.gemm(c, np, a, shape.k, &p, shape.rows, bias, 0)
				}
				if cpu := processCPU() - cpu0; cpu0 != 0 && cpu > 0 {
					b.ReportMetric(float64(b.N)*float64(shape.rows*shape.k*np)/cpu.Seconds()/1e9, "cpu-GMAC/s")
				}
			})
		}
	}
}

// BenchmarkKernelSets compares the kernel sets the CPU runs on the GRU
// goal case (hidden 32, 2 layers) at batch 1 and 256.
func BenchmarkKernelSets(b *testing.B) {
	for _, k := range availableKernels {
		b.Run(k.name, func(b *testing.B) {
			for _, batch := range []int{1, 256} {
				benchmarkStepCase(b, k, benchCase{CellGRU, 32, batch})
			}
		})
	}
}

// BenchmarkWindow measures window mode (zero state over the last 24
// readings per key, the course's semantics) for the GRU goal model:
// windows/s counts forecasts, each costing 24 recurrent steps.
func BenchmarkWindow(b *testing.B) {
	for _, batch := range []int{1, 256} {
		c := benchCase{CellGRU, 32, batch}
		b.Run(fmt.Sprintf("cell=gru/hidden=32/layers=2/window=24/batch=%d", batch), func(b *testing.B) {
			m := c.model(b)
			r := m.NewRunner(batch)
			w := readings(m, batch*m.Meta.Window, rand.New(rand.NewPCG(10, 1)))
			out := make([]float32, batch*benchHorizon)
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				r.Window(w, batch, out)
			}
			reportRate(b, batch, cpu0, "windows/s")
		})
	}
}

// BenchmarkGRUUpdate measures the GRU cell update alone for a tile of 32
// keys at hidden 32, in hidden units per second of CPU time.
func BenchmarkGRUUpdate(b *testing.B) {
	const rows, hp = 32, 32
	for _, k := range kernelSets() {
		b.Run(k.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(18, 0))
			ldg := 3 * hp
			gi0, gh := randSlice(rng, rows*ldg, 3), randSlice(rng, rows*ldg, 3)
			gi, h := make([]float32, len(gi0)), randSlice(rng, rows*hp, 1)
			cpu0 := processCPU()
			for b.Loop() {
				copy(gi, gi0)
				k.gru(h, hp, gi, gh, ldg, hp, rows)
			}
			reportRate(b, rows*hp, cpu0, "units/s")
		})
	}
}
