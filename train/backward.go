package train

import "math"

// backward accumulates into g the gradient of the loss whose gradient with
// respect to the head's outputs is tp.dy, through every step of the tape
// (the gradient stops at the tape's initial state). forward must have run.
func (n *net) backward(g *net, tp *tape) {
	H, B := n.arch.Hidden, tp.B
	top := len(n.layers) - 1
	for l := range tp.ls {
		clear(tp.ls[l].dh)
	}
	rows := (tp.T - tp.headFrom) * B
	hs := tp.ls[top].h[(tp.headFrom+1)*B*H:]
	mul(true, false, n.arch.Out, H, rows, tp.dy, hs, 1, g.fcW)
	sumRows(g.fcB, tp.dy)
	mul(false, false, rows, H, n.arch.Out, tp.dy, n.fcW, 1, tp.ls[top].dh[tp.headFrom*B*H:])
	for l := top; l >= 0; l-- {
		in := tp.x
		if l > 0 {
			in = tp.ls[l-1].h[B*H:]
		}
		var dIn []float64
		if l > 0 {
			dIn = tp.ls[l-1].dh
		}
		clear(tp.ls[l].dhn)
		clear(tp.ls[l].dcn)
		n.layerBackward(l, g, in, dIn, tp)
	}
}

// layerBackward back-propagates layer l: from lt.dh (gradient w.r.t. its
// outputs) and lt.dhn, lt.dcn (gradient w.r.t. its final h and c, which the
// caller sets; zero unless the state feeds something downstream, as
// encdec's decoder) it accumulates its weight gradients into g and, when dIn
// is not nil, adds the gradient w.r.t. its input sequence to dIn.
func (n *net) layerBackward(l int, g *net, in, dIn []float64, tp *tape) {
	ly, gl, lt := &n.layers[l], &g.layers[l], &tp.ls[l]
	H, B, T := n.arch.Hidden, tp.B, tp.T
	gh := n.arch.Cell.Gates() * H
	for t := T - 1; t >= 0; t-- {
		dh := lt.dh[t*B*H : (t+1)*B*H]
		for j := range dh {
			dh[j] += lt.dhn[j]
		}
		if lt.dcIn != nil {
			for j, v := range lt.dcIn[t*B*H : (t+1)*B*H] {
				lt.dcn[j] += v
			}
		}
		n.cellBackward(lt, t, B)
		mul(false, false, B, H, gh, lt.dgh[t*B*gh:(t+1)*B*gh], ly.whh, 1, lt.dhn)
	}
	mul(true, false, gh, H, T*B, lt.dgh, lt.h[:T*B*H], 1, gl.whh)
	sumRows(gl.bhh, lt.dgh)
	mul(true, false, gh, ly.in, T*B, lt.dgi, in, 1, gl.wih)
	sumRows(gl.bih, lt.dgi)
	if dIn != nil {
		mul(false, false, T*B, ly.in, gh, lt.dgi, ly.wih, 1, dIn)
	}
}

// cellBackward turns step t's total gradient w.r.t. h (lt.dh row block t,
// which already includes the carried dhn) into dgi and dgh, sets dhn to the
// direct part of the gradient w.r.t. h_{t−1} (the Whh part is added by the
// caller) and dcn to the gradient w.r.t. c_{t−1}.
func (n *net) cellBackward(lt *layerTape, t, B int) {
	H := n.arch.Hidden
	gh := n.arch.Cell.Gates() * H
	for b := 0; b < B; b++ {
		r := t*B + b
		act := lt.act[r*gh : (r+1)*gh]
		dgi, dgh := lt.dgi[r*gh:(r+1)*gh], lt.dgh[r*gh:(r+1)*gh]
		dh := lt.dh[r*H : (r+1)*H]
		dhn, dcn := lt.dhn[b*H:(b+1)*H], lt.dcn[b*H:(b+1)*H]
		switch n.arch.Cell {
		case "rnn":
			rnnBackward(n.arch.Nonlinearity == "relu", act, dh, dgi, dgh, dhn)
		case "gru":
			gruBackward(act, lt.gh[r*gh:(r+1)*gh], lt.h[r*H:(r+1)*H], dh, dgi, dgh, dhn)
		case "lstm":
			lstmBackward(act, lt.c[r*H:(r+1)*H], lt.c[(r+B)*H:(r+B+1)*H], dh, dgi, dgh, dhn, dcn)
		}
	}
}

func rnnBackward(relu bool, h, dh, dgi, dgh, dhn []float64) {
	for j, v := range h {
		d := dh[j] * (1 - v*v)
		if relu {
			d = 0
			if v > 0 {
				d = dh[j]
			}
		}
		dgi[j], dgh[j], dhn[j] = d, d, 0
	}
}

func gruBackward(act, gh, hp, dh, dgi, dgh, dhn []float64) {
	H := len(dh)
	for j := 0; j < H; j++ {
		r, z, nn := act[j], act[H+j], act[2*H+j]
		dn := dh[j] * (1 - z) * (1 - nn*nn)
		dz := dh[j] * (hp[j] - nn) * z * (1 - z)
		dr := dn * gh[2*H+j] * r * (1 - r)
		dgi[j], dgh[j] = dr, dr
		dgi[H+j], dgh[H+j] = dz, dz
		dgi[2*H+j], dgh[2*H+j] = dn, dn*r
		dhn[j] = dh[j] * z
	}
}

func lstmBackward(act, cp, c, dh, dgi, dgh, dhn, dcn []float64) {
	H := len(dh)
	for j := 0; j < H; j++ {
		i, f, g, o := act[j], act[H+j], act[2*H+j], act[3*H+j]
		tc := math.Tanh(c[j])
		dc := dcn[j] + dh[j]*o*(1-tc*tc)
		d := [4]float64{dc * g * i * (1 - i), dc * cp[j] * f * (1 - f), dc * i * (1 - g*g), dh[j] * tc * o * (1 - o)}
		for k, v := range d {
			dgi[k*H+j], dgh[k*H+j] = v, v
		}
		dcn[j], dhn[j] = dc*f, 0
	}
}
