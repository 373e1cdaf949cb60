package train

import (
	"math/rand/v2"

	"github.com/rnncast/rnncast/model"
)

// archWindow is the window regime of seq2seq, encdec and vec2seq. The
// windows, their inputs and their last-step targets are windowRegime's
// (w.fill: inputs under NormLast relative to the window's last scaled
// target, as model.Runner.Window feeds them); what runs on them depends on
// the arch:
//   - seq2seq: the head at every step of the window (w.tp, head from step
//     0); the loss covers every step's H targets (the H values after that
//     step), validation the last step's, which serving reads.
//   - encdec: the encoder over the window (w.tp, no head), then the decoder
//     (dec, H steps of input size 1) from the encoder's final state; the
//     first decoder input is the window's last (normalized) target value,
//     each later one the previous output (arch_encdec.go).
//   - vec2seq: the window's last (normalized) reading fed H times to the
//     network from a zero state (dec); output k is forecast k.
type archWindow struct {
	w    *windowRegime
	kind model.Arch
	dec  *tape     // encdec: the decoder's tape; vec2seq: the H-step tape.
	seq  []float64 // seq2seq: targets of every step, rows t·B+b × H.
	mask []float64 // seq2seq: 1 where a step's targets count.
	pred []float64 // last forward's forecasts, b·H+k (normalized scale).
}

func newArchWindow(c Config, d *Data, s []float64, a Arch, perWindow bool) *archWindow {
	w := newWindowRegime(c, d, s, a, perWindow)
	r := &archWindow{w: w, kind: a.Kind, pred: make([]float64, c.Batch*c.Horizon)}
	L, B := c.Window, c.Batch
	switch a.Kind {
	case model.ArchSeq2Seq:
		w.tp = newTape(a, L, B, 0)
		r.seq = make([]float64, L*B*c.Horizon)
		r.mask = make([]float64, L*B)
	case model.ArchEncDec:
		w.tp = newTape(a, L, B, L)
		da := a
		da.Inputs = 1
		r.dec = newTape(da, c.Horizon, B, 0)
	case model.ArchVec2Seq:
		xa := a
		xa.Layers = 0 // w.tp only holds the window's inputs.
		w.tp = newTape(xa, L, B, L)
		r.dec = newTape(a, c.Horizon, B, 0)
	}
	return r
}

// forward loads the windows ending at ends (see windowRegime.fill), runs the
// network and sets r.pred; for seq2seq also the every-step targets.
func (r *archWindow) forward(n *net, ends []int) {
	w := r.w
	w.fill(ends)
	B, H, F, L := w.tp.B, w.c.Horizon, w.F, w.c.Window
	switch r.kind {
	case model.ArchSeq2Seq:
		n.forward(w.tp)
		for t := 0; t < L; t++ {
			for b := 0; b < B; b++ {
				e := ends[0]
				if b < len(ends) {
					e = ends[b]
				}
				last := 0.0
				if w.c.Norm == model.NormLast {
					last = w.value(b, e-1, w.target)
				}
				i := t*B + b
				r.mask[i] = 0
				if b < len(ends) {
					r.mask[i] = 1
				}
				row := e - L + t // targets rows row+1 … row+H, all < e+H.
				for k := 0; k < H; k++ {
					r.seq[i*H+k] = w.value(b, row+1+k, w.target) - last
				}
			}
		}
		copy(r.pred, w.tp.y[(L-1)*B*H:])
	case model.ArchEncDec:
		w.tp.resetState()
		n.encdecForward(w.tp, r.dec, w.target, L-1)
		r.transpose()
	case model.ArchVec2Seq:
		x := w.tp.x[(L-1)*B*F : L*B*F]
		for k := 0; k < H; k++ {
			copy(r.dec.x[k*B*F:(k+1)*B*F], x)
		}
		n.forward(r.dec)
		r.transpose()
	}
}

// transpose copies the decoder's outputs (rows k·B+b) to r.pred (b·H+k).
func (r *archWindow) transpose() {
	B, H := r.dec.B, r.w.c.Horizon
	for k := 0; k < H; k++ {
		for b := 0; b < B; b++ {
			r.pred[b*H+k] = r.dec.y[k*B+b]
		}
	}
}

// loss returns the training loss of the first n windows and sets the
// output gradient: the MSE of the H forecasts (seq2seq: of every step's).
func (r *archWindow) loss(n int) float64 {
	H := r.w.c.Horizon
	if r.kind == model.ArchSeq2Seq {
		tp := r.w.tp
		cnt := 0
		for _, m := range r.mask {
			cnt += int(m)
		}
		var s float64
		for i, y := range tp.y {
			d := (y - r.seq[i]) * r.mask[i/H]
			lw := r.w.lw[(i/H)%tp.B] // rows t·B+b
			s += lw * d * d
			tp.dy[i] = 2 * lw * d / float64(cnt*H)
		}
		return s / float64(cnt*H)
	}
	B := r.dec.B
	var s float64
	for k := 0; k < H; k++ {
		for b := 0; b < B; b++ {
			d := 0.0
			if b < n {
				d = r.pred[b*H+k] - r.w.want[b*H+k]
			}
			s += r.w.lw[b] * d * d
			r.dec.dy[k*B+b] = 2 * r.w.lw[b] * d / float64(n*H)
		}
	}
	return s / float64(n*H)
}

// lastMSE returns the MSE of the first n windows' forecasts.
func (r *archWindow) lastMSE(n int) float64 {
	H := r.w.c.Horizon
	var s float64
	for i := 0; i < n*H; i++ {
		d := r.pred[i] - r.w.want[i]
		s += r.w.lw[i/H] * d * d
	}
	return s / float64(n*H)
}

func (r *archWindow) backward(n, g *net) {
	switch r.kind {
	case model.ArchSeq2Seq:
		n.backward(g, r.w.tp)
	case model.ArchEncDec:
		n.encdecBackward(g, r.w.tp, r.dec, r.w.c.Window-1)
	case model.ArchVec2Seq:
		n.backward(g, r.dec)
	}
}

func (r *archWindow) epoch(n, g *net, opt *adam, rng *rand.Rand) float64 {
	return r.w.epochWith(opt, n, g, rng, func(ends []int) float64 {
		r.forward(n, ends)
		return r.loss(len(ends))
	}, func() { r.backward(n, g) })
}

// validate returns the MSE of the served forecasts (seq2seq: the last
// step's) over the validation windows.
func (r *archWindow) validate(n *net) float64 {
	w := r.w
	var sum float64
	for i := 0; i < len(w.val); i += w.c.Batch {
		ends := w.val[i:min(i+w.c.Batch, len(w.val))]
		r.forward(n, ends)
		sum += r.lastMSE(len(ends)) * float64(len(ends))
	}
	return sum / float64(len(w.val))
}
