package model

// This file runs the architectures on a chunk of at most MaxBatch keys in
// the model's scaled space. All state lives in row buffers of the Runner:
// row i of r.h[l] is key i's hidden state of layer l (stride hp).

// step advances the carried states of len(states) keys by the scaled
// readings xs (rows×Inputs) and writes raw outputs (rows×Horizon).
func (r *Runner) step(states [][]float32, xs, out []float32) {
	p := r.p
	rows := len(states)
	if p.arch == ArchVec2Seq {
		r.vec2seq(xs, p.inputs, rows, out)
		return
	}
	r.gather(states)
	r.advance(&p.enc, r.h, r.c, xs, p.inputs, rows)
	r.scatter(states)
	if p.arch == ArchEncDec {
		r.encdec(xs[p.target:], p.inputs, rows, out)
		return
	}
	r.head(r.h[len(r.h)-1], p.enc.hp, rows, out, p.horizon)
}

// window runs rows windows of scaled inputs (rows×Window×Inputs) from a
// zero state and writes raw outputs: rows×Horizon, or rows×Window×Horizon
// with the head at every step when seq is set.
func (r *Runner) window(xs []float32, rows int, out []float32, seq bool) {
	p := r.p
	ld := p.window * p.inputs
	last := (p.window - 1) * p.inputs
	if p.arch == ArchVec2Seq {
		r.vec2seq(xs[last:], ld, rows, out)
		return
	}
	r.zero(&p.enc, r.h, r.c, rows)
	top := r.h[len(r.h)-1]
	for t := 0; t < p.window; t++ {
		r.advance(&p.enc, r.h, r.c, xs[t*p.inputs:], ld, rows)
		if seq {
			r.head(top, p.enc.hp, rows, out[t*p.horizon:], p.window*p.horizon)
		}
	}
	switch {
	case seq:
	case p.arch == ArchEncDec:
		r.encdec(xs[last+p.target:], ld, rows, out)
	default:
		r.head(top, p.enc.hp, rows, out, p.horizon)
		if p.highway > 0 {
			r.highway(xs, rows, out)
		}
	}
}

// highway adds the linear highway to rows windows' raw outputs: output k
// of window i gains Σ_j HWW[k][j]·x_j over the window's last Highway
// scaled target values x (oldest first), summed in float64 in j order.
func (r *Runner) highway(xs []float32, rows int, out []float32) {
	p := r.p
	ld, q := p.window*p.inputs, p.highway
	for i := 0; i < rows; i++ {
		x := xs[i*ld+(p.window-q)*p.inputs+p.target:]
		o := out[i*p.horizon : (i+1)*p.horizon]
		for k := range o {
			w := p.hww[k*q : (k+1)*q]
			var s float64
			for j, wj := range w {
				s += float64(wj) * float64(x[j*p.inputs])
			}
			o[k] = float32(float64(o[k]) + s)
		}
	}
}

// advance runs one time step of every layer of s for rows keys; x holds the
// layer-0 inputs, row i at x[i·ldx].
func (r *Runner) advance(s *stack, h, c [][]float32, x []float32, ldx, rows int) {
	for l := range s.layers {
		var cl []float32
		if c != nil {
			cl = c[l]
		}
		r.layer(s, &s.layers[l], x, ldx, h[l], cl, rows)
		x, ldx = h[l], s.hp
	}
}

// layer runs one layer's step: one gemm per weight matrix, then the cell's
// element-wise update of h (and c) in place.
func (r *Runner) layer(s *stack, ly *stackLayer, x []float32, ldx int, h, c []float32, rows int) {
	k := &r.k
	switch s.cell {
	case CellGRU:
		k.gemm(r.g, s.np, x, ldx, &ly.wih, rows, ly.bias, 0)
		k.gemm(r.gh, s.np, h, s.hp, &ly.whh, rows, ly.bhh, 0)
		k.gru(h, s.hp, r.g, r.gh, s.np, s.hp, rows)
	case CellLSTM:
		k.gemm(r.g, s.np, x, ldx, &ly.wih, rows, ly.bias, 0)
		k.gemm(r.g, s.np, h, s.hp, &ly.whh, rows, r.g, s.np)
		k.lstm(h, c, s.hp, r.g, s.np, s.hp, rows)
	default:
		k.gemm(r.g, s.np, x, ldx, &ly.wih, rows, ly.bias, 0)
		k.gemm(r.g, s.np, h, s.hp, &ly.whh, rows, r.g, s.np)
		k.rnn(h, s.hp, r.g, s.np, s.hp, rows, s.relu)
	}
}

// head applies the linear head to rows hidden states (stride ldh) and
// writes its headOut outputs of key i at out[i·ldo].
func (r *Runner) head(h []float32, ldh, rows int, out []float32, ldo int) {
	p := r.p
	ldy := p.head.panels * panelWidth
	r.k.gemm(r.y, ldy, h, ldh, &p.head, rows, p.headB, 0)
	for i := 0; i < rows; i++ {
		copy(out[i*ldo:i*ldo+p.headOut], r.y[i*ldy:])
	}
}

// encdec seeds the decoder with the encoder's state in r.h, r.c and decodes
// Horizon steps: step 0's input is the target feature of the last encoder
// input (x0[i·ld] for key i), step k's is the previous step's output.
func (r *Runner) encdec(x0 []float32, ld, rows int, out []float32) {
	p := r.p
	for l := range r.dh {
		copy(r.dh[l][:rows*p.dec.hp], r.h[l])
		if r.dc != nil {
			copy(r.dc[l][:rows*p.dec.hp], r.c[l])
		}
	}
	for i := 0; i < rows; i++ {
		r.dx[i] = x0[i*ld]
	}
	top := r.dh[len(r.dh)-1]
	for k := 0; k < p.horizon; k++ {
		r.advance(p.dec, r.dh, r.dc, r.dx, 1, rows)
		r.head(top, p.dec.hp, rows, r.dx, 1)
		for i := 0; i < rows; i++ {
			out[i*p.horizon+k] = r.dx[i]
		}
	}
}

// vec2seq runs the encoder for Horizon steps from a zero state with the
// same input (row i at x[i·ldx]) at every step; step k's head output is
// forecast k.
func (r *Runner) vec2seq(x []float32, ldx, rows int, out []float32) {
	p := r.p
	r.zero(&p.enc, r.h, r.c, rows)
	top := r.h[len(r.h)-1]
	for k := 0; k < p.horizon; k++ {
		r.advance(&p.enc, r.h, r.c, x, ldx, rows)
		r.head(top, p.enc.hp, rows, out[k:], p.horizon)
	}
}

// zero clears the first rows state rows of every layer.
func (r *Runner) zero(s *stack, h, c [][]float32, rows int) {
	for l := range h {
		clear(h[l][:rows*s.hp])
		if c != nil {
			clear(c[l][:rows*s.hp])
		}
	}
}

// gather copies each key's carried state (h of every layer, then c of
// every layer for LSTM) into the row buffers.
func (r *Runner) gather(states [][]float32) {
	s := &r.p.enc
	hl := s.hidden * len(s.layers)
	for i, st := range states {
		for l := range s.layers {
			copy(r.h[l][i*s.hp:i*s.hp+s.hidden], st[l*s.hidden:])
			if r.c != nil {
				copy(r.c[l][i*s.hp:i*s.hp+s.hidden], st[hl+l*s.hidden:])
			}
		}
	}
}

// scatter copies the row buffers back into each key's carried state.
func (r *Runner) scatter(states [][]float32) {
	s := &r.p.enc
	hl := s.hidden * len(s.layers)
	for i, st := range states {
		for l := range s.layers {
			copy(st[l*s.hidden:(l+1)*s.hidden], r.h[l][i*s.hp:])
			if r.c != nil {
				copy(st[hl+l*s.hidden:hl+(l+1)*s.hidden], r.c[l][i*s.hp:])
			}
		}
	}
}
