package train

// encdec: an encoder (n.layers) runs over the window; its final state (in
// the stateful regime: its state after every step), every layer's h (and
// LSTM c), seeds a decoder (n.dec, input size 1, its own weights) that runs
// H steps; the head (shared by every decoder step, Out 1)
// maps the top decoder layer's state to one value, which is the next step's
// input. The first input is the target feature of the window's last
// encoder input, as model.Runner's encdec takes it.

// decoder returns a view of n's decoder layers and head as a network of
// input size 1 (the views share n's memory, so gradients land in n.p).
func (n *net) decoder() *net {
	a := n.arch
	a.Inputs, a.Kind = 1, ""
	return &net{arch: a, layers: n.dec, fcW: n.fcW, fcB: n.fcB}
}

// stepForward runs step t of layer l of n on the B input rows in.
func (n *net) stepForward(l int, in []float64, tp *tape, t int) {
	ly, lt := &n.layers[l], &tp.ls[l]
	H, B := n.arch.Hidden, tp.B
	gh := n.arch.Cell.Gates() * H
	gi := lt.gi[t*B*gh : (t+1)*B*gh]
	mul(false, true, B, gh, ly.in, in, ly.wih, 0, gi)
	addRows(gi, ly.bih)
	g := lt.gh[t*B*gh : (t+1)*B*gh]
	mul(false, true, B, gh, H, lt.h[t*B*H:(t+1)*B*H], ly.whh, 0, g)
	addRows(g, ly.bhh)
	n.cellForward(lt, t, B)
}

// encdecForward runs the encoder over enc.x from its initial state and a
// decoder for dec.T steps from each of the encoder's states after steps
// from … enc.T−1 (window regime: the last; stateful: every step), so dec.B
// is (enc.T−from)·enc.B and decoder row i = (t−from)·B+b; dec.y (rows
// k·dec.B+i) receives the forecasts. target is the target feature's index
// in the encoder's inputs.
func (n *net) encdecForward(enc, dec *tape, target, from int) {
	H, B, F := n.arch.Hidden, enc.B, n.arch.Inputs
	in := enc.x
	for l := range n.layers {
		n.layerForward(l, in, enc)
		in = enc.ls[l].h[B*H:]
	}
	for l := range dec.ls {
		copy(dec.ls[l].h[:dec.B*H], enc.ls[l].h[(from+1)*B*H:])
		if dec.ls[l].c != nil {
			copy(dec.ls[l].c[:dec.B*H], enc.ls[l].c[(from+1)*B*H:])
		}
	}
	for i := 0; i < dec.B; i++ {
		dec.x[i] = enc.x[(from*B+i)*F+target]
	}
	B = dec.B
	d := n.decoder()
	for k := 0; k < dec.T; k++ {
		in := dec.x[k*B : (k+1)*B]
		for l := range d.layers {
			d.stepForward(l, in, dec, k)
			in = dec.ls[l].h[(k+1)*B*H : (k+2)*B*H]
		}
		y := dec.y[k*B : (k+1)*B]
		mul(false, true, B, 1, H, in, d.fcW, 0, y)
		addRows(y, d.fcB)
		if k+1 < dec.T {
			copy(dec.x[(k+1)*B:(k+2)*B], y)
		}
	}
}

// encdecBackward accumulates into g the gradient of the loss whose gradient
// w.r.t. dec.y is dec.dy, through the decoder (including the fed-back
// outputs) and the encoder. dec.dy is overwritten (the fed-back gradient
// is added to it). encdecForward must have run.
func (n *net) encdecBackward(g *net, enc, dec *tape, from int) {
	d, gd := n.decoder(), g.decoder()
	H, B, T := n.arch.Hidden, dec.B, dec.T
	gh := n.arch.Cell.Gates() * H
	top := len(d.layers) - 1
	for l := range dec.ls {
		clear(dec.ls[l].dh)
		clear(dec.ls[l].dhn)
		clear(dec.ls[l].dcn)
	}
	for k := T - 1; k >= 0; k-- {
		mul(false, false, B, H, 1, dec.dy[k*B:(k+1)*B], d.fcW, 1, dec.ls[top].dh[k*B*H:(k+1)*B*H])
		for l := top; l >= 0; l-- {
			lt, ly := &dec.ls[l], &d.layers[l]
			dh := lt.dh[k*B*H : (k+1)*B*H]
			for j := range dh {
				dh[j] += lt.dhn[j]
			}
			d.cellBackward(lt, k, B)
			mul(false, false, B, H, gh, lt.dgh[k*B*gh:(k+1)*B*gh], ly.whh, 1, lt.dhn)
			dgi := lt.dgi[k*B*gh : (k+1)*B*gh]
			switch {
			case l > 0:
				mul(false, false, B, H, gh, dgi, ly.wih, 1, dec.ls[l-1].dh[k*B*H:(k+1)*B*H])
			case k > 0: // input k is output k−1.
				mul(false, false, B, 1, gh, dgi, ly.wih, 1, dec.dy[(k-1)*B:k*B])
			}
		}
	}
	for l := range d.layers {
		lt, ly, gl := &dec.ls[l], &d.layers[l], &gd.layers[l]
		in := dec.x
		if l > 0 {
			in = dec.ls[l-1].h[B*H:]
		}
		mul(true, false, gh, H, T*B, lt.dgh, lt.h[:T*B*H], 1, gl.whh)
		sumRows(gl.bhh, lt.dgh)
		mul(true, false, gh, ly.in, T*B, lt.dgi, in, 1, gl.wih)
		sumRows(gl.bih, lt.dgi)
	}
	mul(true, false, 1, H, T*B, dec.dy, dec.ls[top].h[B*H:], 1, gd.fcW)
	sumRows(gd.fcB, dec.dy)
	// The decoders' initial-state gradients go to the encoder's states
	// after steps from … T−1: h's into dh, c's into dcIn.
	eB := enc.B
	for l := range enc.ls {
		lt := &enc.ls[l]
		clear(lt.dh)
		clear(lt.dhn)
		clear(lt.dcn)
		copy(lt.dh[from*eB*H:], dec.ls[l].dhn)
		if lt.c != nil {
			if lt.dcIn == nil {
				lt.dcIn = make([]float64, len(lt.dh))
			}
			clear(lt.dcIn)
			copy(lt.dcIn[from*eB*H:], dec.ls[l].dcn)
		}
	}
	for l := top; l >= 0; l-- {
		in := enc.x
		var dIn []float64
		if l > 0 {
			in, dIn = enc.ls[l-1].h[eB*H:], enc.ls[l-1].dh
		}
		n.layerBackward(l, g, in, dIn, enc)
	}
}
