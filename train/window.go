package train

import "math/rand/v2"

// windowRegime trains on windows of L steps from a zero state, the head on
// the last step: the course's Net, served by model.Runner.Window.
type windowRegime struct {
	c          Config
	s          []float64 // standardized series, rows × F.
	F, target  int
	train, val []int // window ends e: inputs rows [e−L, e), targets [e, e+H).
	tp         *tape
	want       []float64
}

func newWindowRegime(c Config, d *Data, s []float64, a Arch) *windowRegime {
	w := &windowRegime{c: c, s: s, F: d.Features, target: d.Target}
	for e := c.Window; e+c.Horizon <= d.TrainEnd; e++ {
		w.train = append(w.train, e)
	}
	for e := max(d.TrainEnd, c.Window); e+c.Horizon <= d.ValEnd; e++ {
		w.val = append(w.val, e)
	}
	w.tp = newTape(a, c.Window, c.Batch, c.Window-1)
	w.want = make([]float64, c.Batch*c.Horizon)
	return w
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
		last := 0.0
		if w.c.Norm == "last" {
			last = w.s[(e-1)*F+w.target]
		}
		for t := 0; t < L; t++ {
			x := w.tp.x[(t*B+b)*F : (t*B+b+1)*F]
			copy(x, w.s[(e-L+t)*F:(e-L+t+1)*F])
			x[w.target] -= last
		}
		for k := 0; k < H; k++ {
			w.want[b*H+k] = w.s[(e+k)*F+w.target] - last
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
		s += d * d
		w.tp.dy[i] = 2 * d / float64(n*H)
	}
	return s / float64(n*H)
}

func (w *windowRegime) epoch(n, g *net, opt *adam, rng *rand.Rand) float64 {
	return w.epochWith(opt, n, g, rng, func(ends []int) float64 {
		w.fill(ends)
		n.forward(w.tp)
		return w.loss(len(ends))
	}, func() { n.backward(g, w.tp) })
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
		sum += w.loss(len(ends)) * float64(len(ends))
	}
	return sum / float64(len(w.val))
}
