package train

import (
	"math/rand/v2"

	"github.com/rnncast/rnncast/model"
)

// archStateful is the stateful regime of encdec and vec2seq: the streams,
// chunks, warm-up, masks, targets and level shifts of statefulRegime, with
// a forecast after every step as model.Runner.Step makes it:
//   - encdec: the encoder's state is carried from chunk to chunk; after each
//     step a decoder runs H steps from the encoder's state (all the chunk's
//     B·Chunk decoders as one batch), its first input the step's scaled
//     (shifted, not normalized) target value, as Step feeds it.
//   - vec2seq: no state; each step's scaled reading is fed H times from
//     zero. Shift changes its inputs' level as for the other archs.
type archStateful struct {
	r           *statefulRegime
	kind        model.Arch
	dec, vdec   *tape     // decoder tapes: Chunk·Batch rows (training), valChunk rows (validation).
	pred, dpred []float64 // per step row i·H+k: forecasts and their loss gradient.
}

func newArchStateful(c Config, d *Data, s []float64, a Arch) *archStateful {
	r := newStatefulRegime(c, d, s, a)
	ta, da := a, a
	if a.Kind == model.ArchVec2Seq {
		ta.Layers = 0 // the chunk tapes only hold the readings.
	} else {
		da.Inputs = 1
	}
	r.tp = newTape(ta, c.Chunk, c.Batch, c.Chunk)
	r.vtp = newTape(ta, valChunk, 1, valChunk)
	n := max(c.Chunk*c.Batch, valChunk) * c.Horizon
	return &archStateful{r: r, kind: a.Kind,
		dec:  newTape(da, c.Horizon, c.Chunk*c.Batch, 0),
		vdec: newTape(da, c.Horizon, valChunk, 0),
		pred: make([]float64, n), dpred: make([]float64, n)}
}

// run forecasts after every step of tp (its state carried in) with the
// decoder tape dec and returns statefulRegime.loss's sum and count; the
// gradient of the loss is left in dec.dy.
func (a *archStateful) run(n *net, tp, dec *tape, want, mask []float64) (float64, int) {
	H, rows := a.r.c.Horizon, dec.B
	switch a.kind {
	case model.ArchEncDec:
		n.encdecForward(tp, dec, a.r.target, 0)
	case model.ArchVec2Seq:
		F := a.r.F
		for k := 0; k < H; k++ {
			copy(dec.x[k*rows*F:(k+1)*rows*F], tp.x)
		}
		n.forward(dec)
	}
	pred, dpred := a.pred[:rows*H], a.dpred[:rows*H]
	for k := 0; k < H; k++ {
		for i := 0; i < rows; i++ {
			pred[i*H+k] = dec.y[k*rows+i]
		}
	}
	s, c := a.r.loss(&tape{y: pred, dy: dpred}, want, mask)
	for k := 0; k < H; k++ {
		for i := 0; i < rows; i++ {
			dec.dy[k*rows+i] = dpred[i*H+k]
		}
	}
	return s, c
}

func (a *archStateful) backward(n, g *net, tp, dec *tape) {
	if a.kind == model.ArchEncDec {
		n.encdecBackward(g, tp, dec, 0)
		return
	}
	n.backward(g, dec)
}

// epoch is statefulRegime.epoch with run and backward.
func (a *archStateful) epoch(n, g *net, opt *adam, rng *rand.Rand) float64 {
	r := a.r
	return r.epochWith(opt, n, g, rng,
		func() (float64, int) { return a.run(n, r.tp, a.dec, r.want, r.mask) },
		func() { a.backward(n, g, r.tp, a.dec) })
}

// validate is statefulRegime.validate with run.
func (a *archStateful) validate(n *net) float64 {
	r := a.r
	return r.validateWith(func() (float64, int) { return a.run(n, r.vtp, a.vdec, r.vwant, r.vmask) })
}
