package train

import "math/rand/v2"

// statefulRegime trains with truncated back-propagation over the continuous
// series: Batch parallel streams, each a stretch of the train rows, run in
// chunks of Chunk steps with the state carried from chunk to chunk. The head
// applies at every step: after row r the targets are rows r+1 … r+H. Each
// stream first runs Window warm-up steps whose loss does not count, as a key
// served in stateful mode emits forecasts only after its warm-up.
type statefulRegime struct {
	c                Config
	s                []float64
	F, target        int
	trainEnd, valEnd int
	tp, vtp          *tape // training chunks (B streams) and validation (1 stream).
	want, mask       []float64
	vwant, vmask     []float64
	pos              []int     // per stream: the row of the chunk's first step.
	shift            []float64 // per stream: the level added to the target feature this epoch.
}

const valChunk = 256

func newStatefulRegime(c Config, d *Data, s []float64, a Arch) *statefulRegime {
	r := &statefulRegime{c: c, s: s, F: d.Features, target: d.Target, trainEnd: d.TrainEnd, valEnd: d.ValEnd}
	r.tp = newTape(a, c.Chunk, c.Batch, 0)
	r.want = make([]float64, c.Chunk*c.Batch*c.Horizon)
	r.mask = make([]float64, c.Chunk*c.Batch)
	r.vtp = newTape(a, valChunk, 1, 0)
	r.vwant = make([]float64, valChunk*c.Horizon)
	r.vmask = make([]float64, valChunk)
	r.pos = make([]int, c.Batch)
	r.shift = make([]float64, c.Batch)
	return r
}

// fill loads T steps of B streams into tp (row t·B+b is stream b's row
// start[b]+t), their targets into want and into mask 1 where the loss counts:
// the row r lies in [lo[b], hi) (so its targets r+1 … r+H exist). shift, when
// not nil, adds a level per stream to the target feature (inputs and targets).
func (r *statefulRegime) fill(tp *tape, want, mask []float64, start, lo []int, hi int, shift []float64) {
	B, F, H := tp.B, r.F, r.c.Horizon
	for t := 0; t < tp.T; t++ {
		for b := 0; b < B; b++ {
			row, i := start[b]+t, t*B+b
			src, level := min(row, hi-1), 0.0
			if shift != nil {
				level = shift[b]
			}
			copy(tp.x[i*F:(i+1)*F], r.s[src*F:(src+1)*F])
			tp.x[i*F+r.target] += level
			mask[i] = 0
			if row < lo[b] || row >= hi {
				continue
			}
			mask[i] = 1
			if r.c.Norm == "last" {
				level = -r.s[row*F+r.target]
			}
			for k := 0; k < H; k++ {
				want[i*H+k] = r.s[(row+1+k)*F+r.target] + level
			}
		}
	}
}

// loss returns the summed squared error over the masked rows and their count,
// and sets tp.dy to the gradient of the mean.
func (r *statefulRegime) loss(tp *tape, want, mask []float64) (float64, int) {
	H := r.c.Horizon
	n := 0
	for _, m := range mask {
		n += int(m)
	}
	var s float64
	for i, y := range tp.y {
		d := (y - want[i]) * mask[i/H]
		s += d * d
		tp.dy[i] = 2 * d / float64(max(n, 1)*H)
	}
	return s, n
}

func (r *statefulRegime) epoch(n, g *net, opt *adam, rng *rand.Rand) float64 {
	return r.epochWith(opt, n, g, rng,
		func() (float64, int) { n.forward(r.tp); return r.loss(r.tp, r.want, r.mask) },
		func() { n.backward(g, r.tp) })
}

// epochWith runs one epoch of truncated BPTT over the B streams: per chunk,
// run (forward and loss on r.tp) and, when the chunk has targets, back
// (gradients into g), clipping and an Adam step; the state carries from
// chunk to chunk. Every architecture's stateful regime shares it.
func (r *statefulRegime) epochWith(opt *adam, n, g *net, rng *rand.Rand, run func() (float64, int), back func()) float64 {
	B, K, W := r.c.Batch, r.c.Chunk, r.c.Window
	hi := r.trainEnd - r.c.Horizon // rows with all targets in the train split.
	offset := rng.IntN(K)
	per := (hi - W - offset) / B
	lo := make([]int, B)
	for b := range B {
		r.pos[b] = offset + b*per
		lo[b] = r.pos[b] + W
		r.shift[b] = r.c.Shift * (2*rng.Float64() - 1)
	}
	r.tp.resetState()
	var sum float64
	var count int
	for done := 0; done < W+per; done += K {
		r.fill(r.tp, r.want, r.mask, r.pos, lo, hi, r.shift)
		for b := range lo {
			r.pos[b] += K
		}
		s, c := run()
		if c > 0 {
			clear(g.p)
			back()
			clipNorm(g.p, r.c.Clip)
			opt.step(n.p, g.p)
		}
		sum, count = sum+s, count+c
		r.tp.carryState()
	}
	return sum / float64(max(count, 1)*r.c.Horizon)
}

// validate runs one stream from row 0 and returns the MSE of the forecasts
// whose targets all lie in the validation rows.
func (r *statefulRegime) validate(n *net) float64 {
	return r.validateWith(func() (float64, int) { n.forward(r.vtp); return r.loss(r.vtp, r.vwant, r.vmask) })
}

// validateWith is validate with run (forward and loss on r.vtp) given.
func (r *statefulRegime) validateWith(run func() (float64, int)) float64 {
	hi := r.valEnd - r.c.Horizon
	lo := []int{r.trainEnd - 1}
	start := []int{0}
	r.vtp.resetState()
	var sum float64
	var count int
	for ; start[0] < hi; start[0] += valChunk {
		r.fill(r.vtp, r.vwant, r.vmask, start, lo, hi, nil)
		s, c := run()
		sum, count = sum+s, count+c
		r.vtp.carryState()
	}
	return sum / float64(max(count, 1)*r.c.Horizon)
}
