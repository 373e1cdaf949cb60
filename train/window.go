package train

import (
	"math"
	"math/rand/v2"
	"sort"

	"github.com/rnncast/rnncast/scale"
)

// windowRegime trains on windows of L steps from a zero state, the head on
// the last step: the course's Net, served by model.Runner.Window.
type windowRegime struct {
	c          Config
	s          []float64 // the series, rows × F: standardized (global scaling) or original units (window scaling).
	F, target  int
	train, val []int // window ends e: inputs rows [e−L, e), targets [e, e+H).
	tp         *tape
	want       []float64
	// perWindow scales each window by its own statistics (window
	// scaling): wm and ws hold window b's mean and std of feature f at
	// b·F+f, as model.Runner computes them when serving.
	perWindow bool
	wm, ws    []float64
	// lw is window b's loss weight, (ws of the target / sigma of its
	// series)²: under window scaling the loss is each forecast's squared
	// error on its sensor's own train-standardized scale, not on the
	// window's (a near-constant window's tiny std would blow its error
	// up); 1 otherwise.
	lw     []float64
	series []Series
	sigma  []float64 // per series: the target's population std over its train rows (1 when constant).
}

func newWindowRegime(c Config, d *Data, s []float64, a Arch, perWindow bool) *windowRegime {
	w := &windowRegime{c: c, s: s, F: d.Features, target: d.Target, perWindow: perWindow}
	for _, sr := range d.series() { // windows stay inside their series.
		for e := sr.Start + c.Window; e+c.Horizon <= sr.TrainEnd; e++ {
			w.train = append(w.train, e)
		}
		for e := max(sr.TrainEnd, sr.Start+c.Window); e+c.Horizon <= sr.ValEnd; e++ {
			w.val = append(w.val, e)
		}
	}
	w.tp = newTape(a, c.Window, c.Batch, c.Window-1)
	w.want = make([]float64, c.Batch*c.Horizon)
	w.wm, w.ws = make([]float64, c.Batch*d.Features), make([]float64, c.Batch*d.Features)
	w.lw = make([]float64, c.Batch)
	for i := range w.lw {
		w.lw[i] = 1
	}
	w.series = d.series()
	for _, sr := range w.series {
		mean, sd := 0.0, 0.0
		for r := sr.Start; r < sr.TrainEnd; r++ {
			mean += s[r*w.F+w.target]
		}
		mean /= float64(sr.TrainEnd - sr.Start)
		for r := sr.Start; r < sr.TrainEnd; r++ {
			x := s[r*w.F+w.target] - mean
			sd += x * x
		}
		sd = math.Sqrt(sd / float64(sr.TrainEnd-sr.Start))
		if sd == 0 {
			sd = 1
		}
		w.sigma = append(w.sigma, sd)
	}
	return w
}

// seriesOf returns the index of the series window end e lies in.
func (w *windowRegime) seriesOf(e int) int {
	return sort.Search(len(w.series), func(i int) bool { return w.series[i].End >= e })
}

// value returns feature f of row as window b sees it: scaled by the
// window's own statistics under window scaling, else as stored.
func (w *windowRegime) value(b, row, f int) float64 {
	v := w.s[row*w.F+f]
	if w.perWindow {
		v = (v - w.wm[b*w.F+f]) / w.ws[b*w.F+f]
	}
	return v
}

// windowStats sets window b's statistics from its inputs, rows [e−L, e),
// as scale.WindowStats does on the served float32 window.
func (w *windowRegime) windowStats(b, e int) {
	L, F := w.c.Window, w.F
	for f := 0; f < F; f++ {
		var sum float64
		for t := e - L; t < e; t++ {
			sum += float64(float32(w.s[t*F+f]))
		}
		m := sum / float64(L)
		var v float64
		for t := e - L; t < e; t++ {
			d := float64(float32(w.s[t*F+f])) - m
			v += d * d
		}
		w.wm[b*F+f], w.ws[b*F+f] = m, scale.Std(v/float64(L))
	}
}

// fill loads the windows ending at ends into the tape's inputs and their
// targets into w.want; under NormLast both are relative to each window's
// last scaled target. Rows past len(ends) repeat the first window.
func (w *windowRegime) fill(ends []int) {
	L, B, F, H := w.c.Window, w.tp.B, w.F, w.c.Horizon
	for b := 0; b < B; b++ {
		e := ends[0]
		if b < len(ends) {
			e = ends[b]
		}
		if w.perWindow {
			w.windowStats(b, e)
			r := w.ws[b*F+w.target] / w.sigma[w.seriesOf(e)]
			w.lw[b] = r * r
		}
		last := 0.0
		if w.c.Norm == "last" {
			last = w.value(b, e-1, w.target)
		}
		for t := 0; t < L; t++ {
			x := w.tp.x[(t*B+b)*F : (t*B+b+1)*F]
			for f := range x {
				x[f] = w.value(b, e-L+t, f)
			}
			x[w.target] -= last
		}
		for k := 0; k < H; k++ {
			w.want[b*H+k] = w.value(b, e+k, w.target) - last
		}
	}
}

// loss returns the MSE of the first n rows of the head's outputs and sets
// the tape's output gradient (zero on the other rows).
func (w *windowRegime) loss(n int) float64 {
	H := w.c.Horizon
	var s float64
	for i, y := range w.tp.y {
		d := y - w.want[i]
		if i >= n*H {
			d = 0
		}
		lw := w.lw[i/H]
		s += lw * d * d
		w.tp.dy[i] = 2 * lw * d / float64(n*H)
	}
	return s / float64(n*H)
}

func (w *windowRegime) epoch(n, g *net, opt *adam, rng *rand.Rand) float64 {
	return w.epochWith(opt, n, g, rng, func(ends []int) float64 {
		w.fill(ends)
		n.forward(w.tp)
		w.highway(n)
		return w.loss(len(ends))
	}, func() {
		n.backward(g, w.tp)
		w.highwayGrad(g)
	})
}

// highway adds the linear highway (Arch.Highway) to the head's outputs:
// output k of window b gains Σ_j hw[k][j]·x_j over the window's last q
// target inputs, as model.Runner does.
func (w *windowRegime) highway(n *net) {
	q := n.arch.Highway
	if q == 0 {
		return
	}
	L, B, F, H := w.c.Window, w.tp.B, w.F, w.c.Horizon
	for b := 0; b < B; b++ {
		for k := 0; k < H; k++ {
			hw := n.hw[k*q : (k+1)*q]
			var s float64
			for j, v := range hw {
				s += v * w.tp.x[((L-q+j)*B+b)*F+w.target]
			}
			w.tp.y[b*H+k] += s
		}
	}
}

// highwayGrad adds the highway's weight gradient, from the output gradient
// tp.dy, into g.
func (w *windowRegime) highwayGrad(g *net) {
	q := g.arch.Highway
	if q == 0 {
		return
	}
	L, B, F, H := w.c.Window, w.tp.B, w.F, w.c.Horizon
	for b := 0; b < B; b++ {
		for k := 0; k < H; k++ {
			d := w.tp.dy[b*H+k]
			hw := g.hw[k*q : (k+1)*q]
			for j := range hw {
				hw[j] += d * w.tp.x[((L-q+j)*B+b)*F+w.target]
			}
		}
	}
}

// epochWith runs one epoch over up to Samples shuffled training windows in
// minibatches of Batch: per minibatch, run (forward, returns the loss) on
// the windows ending at ends, back (gradients into g), clipping and an
// Adam step. Every architecture's window regime shares it.
func (w *windowRegime) epochWith(opt *adam, n, g *net, rng *rand.Rand, run func(ends []int) float64, back func()) float64 {
	perm := rng.Perm(len(w.train))
	if len(perm) > w.c.Samples {
		perm = perm[:w.c.Samples]
	}
	ends := make([]int, 0, w.c.Batch)
	var sum float64
	var steps int
	for i := 0; i+w.c.Batch <= len(perm); i += w.c.Batch {
		ends = ends[:0]
		for _, p := range perm[i : i+w.c.Batch] {
			ends = append(ends, w.train[p])
		}
		sum += run(ends)
		clear(g.p)
		back()
		clipNorm(g.p, w.c.Clip)
		opt.step(n.p, g.p)
		steps++
	}
	return sum / float64(max(steps, 1))
}

func (w *windowRegime) validate(n *net) float64 {
	var sum float64
	for i := 0; i < len(w.val); i += w.c.Batch {
		ends := w.val[i:min(i+w.c.Batch, len(w.val))]
		w.fill(ends)
		n.forward(w.tp)
		w.highway(n)
		sum += w.loss(len(ends)) * float64(len(ends))
	}
	return sum / float64(len(w.val))
}
