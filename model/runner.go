package model

import (
	"fmt"

	"github.com/rnncast/rnncast/scale"
)

// Runner holds the scratch buffers of batched calls on one prepared Model.
// It is owned by one goroutine; it allocates only in NewRunner.
//
// A call advances its keys in tiles of up to defaultTile keys (fewer when
// MaxBatch is smaller): per tile, layer and time step, one matrix kernel per
// weight matrix over all the tile's rows, then one element-wise cell
// update. Tiles bound the scratch buffers whatever the batch. Shape
// mismatches between the arguments and the Model are programmer errors and
// panic, as gonum's ErrShape does.
type Runner struct {
	m    *Model
	p    *prepared
	k    kernels
	max  int // MaxBatch, as asked of NewRunner.
	tile int // keys per kernel call; the buffers hold tile rows.

	xs     []float32   // scaled inputs: tile×Window×Inputs (Window) or tile×Inputs (Step).
	ref    []float32   // per key: the scaled target value NormLast adds back.
	um, us []float64   // per key: the target's mean and std its outputs are unscaled with.
	fm, fs []float64   // one key's per-feature mean and std (window and sensor scaling).
	h, c   [][]float32 // per encoder layer: tile×hp hidden (and LSTM cell) rows.
	dh, dc [][]float32 // per decoder layer (encdec): rows seeded from h, c.
	dx     []float32   // decoder input per key (encdec): tile×1.
	g, gh  []float32   // gate pre-activations: tile×np.
	y      []float32   // head output: tile×16·head.panels.
}

// defaultTile is how many keys one kernel call advances at most. It bounds
// the Runner's buffers and keeps a tile's gate rows near the L1 cache; on
// the CPU measured (48 KiB L1d, 2 MiB L2) throughput was flat from 8 to 256
// and 32 was marginally best (BenchmarkTileSize, BENCHMARKS.md).
const defaultTile = 32

// NewRunner returns a Runner for batches of typically at most maxBatch keys
// (at least 1; larger calls also work). The Model must have been prepared
// (Decode does it); NewRunner panics otherwise, a programmer error.
func (m *Model) NewRunner(maxBatch int) *Runner {
	return m.newRunner(maxBatch, bestKernels, defaultTile)
}

func (m *Model) newRunner(maxBatch int, k kernels, tile int) *Runner {
	p := m.prep
	if p == nil {
		panic("model: NewRunner on a Model that was not prepared (call Prepare)")
	}
	maxBatch = max(maxBatch, 1)
	tile = min(maxBatch, max(tile, 1))
	r := &Runner{m: m, p: p, k: k, max: maxBatch, tile: tile}
	r.xs = make([]float32, tile*p.window*p.inputs)
	r.ref = make([]float32, tile)
	r.um, r.us = make([]float64, tile), make([]float64, tile)
	r.fm, r.fs = make([]float64, p.inputs), make([]float64, p.inputs)
	r.h, r.c = stateRows(&p.enc, tile)
	np := p.enc.np
	if p.dec != nil {
		r.dh, r.dc = stateRows(p.dec, tile)
		r.dx = make([]float32, tile)
		np = max(np, p.dec.np)
	}
	r.g = make([]float32, tile*np)
	r.gh = make([]float32, tile*np)
	r.y = make([]float32, tile*p.head.panels*panelWidth)
	return r
}

// stateRows allocates per-layer hidden (and, for LSTM, cell) row buffers.
func stateRows(s *stack, rows int) (h, c [][]float32) {
	h = make([][]float32, len(s.layers))
	for l := range h {
		h[l] = make([]float32, rows*s.hp)
	}
	if s.cell != CellLSTM {
		return h, nil
	}
	c = make([][]float32, len(s.layers))
	for l := range c {
		c[l] = make([]float32, rows*s.hp)
	}
	return h, c
}

// MaxBatch returns the maxBatch the Runner was made for.
func (r *Runner) MaxBatch() int { return r.max }

// Step advances b = len(states) carried states by one reading each and
// writes each key's forecast. states[i] (len StateLen; any length,
// typically nil, when StateLen is 0) is updated in place; x is b×Inputs
// readings and out is b×Horizon forecasts, both in original units. Step
// scales each feature by Meta.Mean and Meta.Std (Global scaling) or, under
// Sensor scaling, first adds the reading to the key's running statistics
// (the end of its state) and scales by them; it feeds the scaled readings
// unchanged, and under NormLast adds the key's current scaled target value
// to its outputs before unscaling them with the same statistics. Step
// panics for Window scaling, which has no carried state.
func (r *Runner) Step(states [][]float32, x []float32, out []float32) {
	p := r.p
	b := len(states)
	r.checkStep(states, x, out)
	if p.scaling == scale.Window {
		panic("model: Step on a model with window scaling (it serves windows only)")
	}
	for lo := 0; lo < b; lo += r.tile {
		n := min(b-lo, r.tile)
		xs := r.xs[:n*p.inputs]
		src := x[lo*p.inputs : (lo+n)*p.inputs]
		if p.scaling == scale.Sensor {
			r.scaleRunning(xs, src, states[lo:lo+n])
		} else {
			r.scale(xs, src, 1, n)
		}
		for i := 0; i < n; i++ {
			r.ref[i] = r.normRef(xs[i*p.inputs+p.target])
		}
		o := out[lo*p.horizon : (lo+n)*p.horizon]
		r.step(states[lo:lo+n], xs, o)
		r.unscale(o, n, 1)
	}
}

// StepRaw is Step in the model's scaled space: x holds already scaled
// inputs, out receives the network's raw outputs, and no Norm is applied.
// Training and golden tests use it.
func (r *Runner) StepRaw(states [][]float32, x []float32, out []float32) {
	p := r.p
	b := len(states)
	r.checkStep(states, x, out)
	for lo := 0; lo < b; lo += r.tile {
		n := min(b-lo, r.tile)
		r.step(states[lo:lo+n], x[lo*p.inputs:(lo+n)*p.inputs], out[lo*p.horizon:(lo+n)*p.horizon])
	}
}

// Window runs each of b windows (b×Window×Inputs values, original units,
// key-major then time) from a zero state, the course's semantics, and writes
// b×Horizon forecasts in original units. Each feature is scaled by
// Meta.Mean and Meta.Std (Global scaling) or, under Window scaling, by the
// window's own mean and scale.Std of its variance (scale.WindowStats), and
// the outputs unscaled with the target's. Under NormLast the window's last
// scaled target value is then subtracted from the target feature at every
// step and added back to the outputs. Window panics for Sensor scaling,
// whose statistics live in a carried state.
func (r *Runner) Window(windows []float32, b int, out []float32) {
	r.windowScaled(windows, b, out, false)
}

// WindowSeq is Window for ArchSeq2Seq (and ArchSeq2Vec, whose head is then
// applied at every step): out receives b×Window×Horizon forecasts, the
// head's output at every step of every window, in original units. It panics
// for ArchEncDec and ArchVec2Seq, which have no per-step output.
func (r *Runner) WindowSeq(windows []float32, b int, out []float32) {
	if r.p.highway > 0 {
		panic("model: WindowSeq on a model with a highway (its highway reads the window's last values only)")
	}
	r.windowScaled(windows, b, out, true)
}

// WindowRaw is Window in the model's scaled space: windows hold already
// scaled inputs, out receives the raw outputs, and no Norm is applied.
func (r *Runner) WindowRaw(windows []float32, b int, out []float32) {
	r.windowRaw(windows, b, out, false)
}

// WindowSeqRaw is WindowSeq in the model's scaled space (see WindowRaw).
func (r *Runner) WindowSeqRaw(windows []float32, b int, out []float32) {
	if r.p.highway > 0 {
		panic("model: WindowSeqRaw on a model with a highway (its highway reads the window's last values only)")
	}
	r.windowRaw(windows, b, out, true)
}

func (r *Runner) windowScaled(windows []float32, b int, out []float32, seq bool) {
	p := r.p
	r.checkWindow(windows, b, out, seq)
	if p.scaling == scale.Sensor {
		panic("model: Window on a model with sensor scaling (it serves carried states only)")
	}
	per, outPer := p.window*p.inputs, r.outPerWindow(seq)
	for lo := 0; lo < b; lo += r.tile {
		n := min(b-lo, r.tile)
		xs := r.xs[:n*per]
		src := windows[lo*per : (lo+n)*per]
		if p.scaling == scale.Window {
			r.scaleWindows(xs, src, n)
		} else {
			r.scale(xs, src, p.window, n)
		}
		r.normWindows(xs, n)
		o := out[lo*outPer : (lo+n)*outPer]
		r.window(xs, n, o, seq)
		r.unscale(o, n, outPer/p.horizon)
	}
}

func (r *Runner) windowRaw(windows []float32, b int, out []float32, seq bool) {
	p := r.p
	r.checkWindow(windows, b, out, seq)
	per, outPer := p.window*p.inputs, r.outPerWindow(seq)
	for lo := 0; lo < b; lo += r.tile {
		n := min(b-lo, r.tile)
		r.window(windows[lo*per:(lo+n)*per], n, out[lo*outPer:(lo+n)*outPer], seq)
	}
}

func (r *Runner) outPerWindow(seq bool) int {
	if seq {
		return r.p.window * r.p.horizon
	}
	return r.p.horizon
}

// checkStep panics when Step's arguments do not fit the Model.
func (r *Runner) checkStep(states [][]float32, x, out []float32) {
	p, b, sl := r.p, len(states), r.m.StateLen()
	if len(x) != b*p.inputs || len(out) != b*p.horizon {
		panic(fmt.Sprintf("model: Step shape mismatch: %d states, len(x) %d (want %d), len(out) %d (want %d)",
			b, len(x), b*p.inputs, len(out), b*p.horizon))
	}
	if sl == 0 {
		return
	}
	for i, s := range states {
		if len(s) != sl {
			panic(fmt.Sprintf("model: Step shape mismatch: len(states[%d]) is %d, want StateLen %d", i, len(s), sl))
		}
	}
}

// checkWindow panics when Window's arguments do not fit the Model.
func (r *Runner) checkWindow(windows []float32, b int, out []float32, seq bool) {
	p := r.p
	if seq && (p.arch == ArchEncDec || p.arch == ArchVec2Seq) {
		panic(fmt.Sprintf("model: WindowSeq on arch %q, which has no per-step output", p.arch))
	}
	if b < 0 || len(windows) != b*p.window*p.inputs || len(out) != b*r.outPerWindow(seq) {
		panic(fmt.Sprintf("model: Window shape mismatch: b %d, len(windows) %d (want %d), len(out) %d (want %d)",
			b, len(windows), b*p.window*p.inputs, len(out), b*r.outPerWindow(seq)))
	}
}

// scale writes (x − mean[f]) / std[f] for rows×steps readings of Inputs
// features each (Global scaling), and sets each row's unscaling.
func (r *Runner) scale(dst, src []float32, steps, rows int) {
	p := r.p
	for i := 0; i < rows*steps; i++ {
		for f := 0; f < p.inputs; f++ {
			dst[i*p.inputs+f] = float32((float64(src[i*p.inputs+f]) - p.mean[f]) / p.std[f])
		}
	}
	for i := 0; i < rows; i++ {
		r.um[i], r.us[i] = p.mean[p.target], p.std[p.target]
	}
}

// scaleWindows scales each of rows windows by its own per-feature
// statistics (Window scaling) and sets its row's unscaling.
func (r *Runner) scaleWindows(dst, src []float32, rows int) {
	p := r.p
	per := p.window * p.inputs
	for i := 0; i < rows; i++ {
		w := src[i*per : (i+1)*per]
		scale.WindowStats(w, p.window, p.inputs, r.fm, r.fs)
		d := dst[i*per : (i+1)*per]
		for t := 0; t < p.window; t++ {
			for f := 0; f < p.inputs; f++ {
				d[t*p.inputs+f] = float32((float64(w[t*p.inputs+f]) - r.fm[f]) / r.fs[f])
			}
		}
		r.um[i], r.us[i] = r.fm[p.target], r.fs[p.target]
	}
}

// scaleRunning adds each key's reading to its running statistics, stored
// after its recurrent state (Sensor scaling), scales the reading by them
// and sets its row's unscaling.
func (r *Runner) scaleRunning(dst, src []float32, states [][]float32) {
	p := r.p
	for i, st := range states {
		for f := 0; f < p.inputs; f++ {
			o := p.hidden + runningLen*f
			run := scale.Running{Mean: st[o], Var: st[o+1], N: st[o+2]}
			run.Update(src[i*p.inputs+f], p.alpha)
			st[o], st[o+1], st[o+2] = run.Mean, run.Var, run.N
			m, sd := float64(run.Mean), run.Std()
			dst[i*p.inputs+f] = float32((float64(src[i*p.inputs+f]) - m) / sd)
			if f == p.target {
				r.um[i], r.us[i] = m, sd
			}
		}
	}
}

// normRef returns the value NormLast adds back to the outputs: v itself
// under NormLast, 0 otherwise.
func (r *Runner) normRef(v float32) float32 {
	if r.p.norm == NormLast {
		return v
	}
	return 0
}

// normWindows records each window's reference value and, under NormLast,
// subtracts it from the window's target feature at every step.
func (r *Runner) normWindows(xs []float32, rows int) {
	p := r.p
	per := p.window * p.inputs
	for i := 0; i < rows; i++ {
		w := xs[i*per : (i+1)*per]
		ref := r.normRef(w[per-p.inputs+p.target])
		r.ref[i] = ref
		if ref == 0 {
			continue
		}
		for t := 0; t < p.window; t++ {
			w[t*p.inputs+p.target] -= ref
		}
	}
}

// unscale turns raw outputs (rows×per values, per key consecutive) into
// original units: (y + ref[i])·us[i] + um[i], the row's target statistics.
func (r *Runner) unscale(out []float32, rows, per int) {
	p := r.p
	n := per * p.horizon
	for i := 0; i < rows; i++ {
		o := out[i*n : (i+1)*n]
		mean, std := r.um[i], r.us[i]
		for j, v := range o {
			o[j] = float32((float64(v)+float64(r.ref[i]))*std + mean)
		}
	}
}
