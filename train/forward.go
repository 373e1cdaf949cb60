package train

import "math"

// forward runs the network over tp.x from the initial states in tp.ls[·].h[0]
// (and c[0]) and writes the head's outputs to tp.y.
func (n *net) forward(tp *tape) {
	in := tp.x
	for l := range n.layers {
		n.layerForward(l, in, tp)
		in = tp.ls[l].h[tp.B*n.arch.Hidden:]
	}
	top := tp.ls[len(tp.ls)-1].h
	hs := top[(tp.headFrom+1)*tp.B*n.arch.Hidden:]
	rows := (tp.T - tp.headFrom) * tp.B
	mul(false, true, rows, n.arch.Out, n.arch.Hidden, hs, n.fcW, 0, tp.y)
	addRows(tp.y, n.fcB)
}

// layerForward runs layer l over its input sequence in (T·B × in).
func (n *net) layerForward(l int, in []float64, tp *tape) {
	ly, lt := &n.layers[l], &tp.ls[l]
	H := n.arch.Hidden
	gh := n.arch.Cell.Gates() * H
	B := tp.B
	mul(false, true, tp.T*B, gh, ly.in, in, ly.wih, 0, lt.gi)
	addRows(lt.gi, ly.bih)
	for t := 0; t < tp.T; t++ {
		hp := lt.h[t*B*H : (t+1)*B*H]
		g := lt.gh[t*B*gh : (t+1)*B*gh]
		mul(false, true, B, gh, H, hp, ly.whh, 0, g)
		addRows(g, ly.bhh)
		n.cellForward(lt, t, B)
	}
}

// cellForward computes step t's gate activations and new state from the
// pre-activations gi and gh, for every row.
func (n *net) cellForward(lt *layerTape, t, B int) {
	H := n.arch.Hidden
	gh := n.arch.Cell.Gates() * H
	for b := 0; b < B; b++ {
		r := t*B + b
		gi, gg, act := lt.gi[r*gh:(r+1)*gh], lt.gh[r*gh:(r+1)*gh], lt.act[r*gh:(r+1)*gh]
		hp := lt.h[r*H : (r+1)*H]
		h := lt.h[(r+B)*H : (r+B+1)*H]
		switch n.arch.Cell {
		case "rnn":
			rnnForward(n.arch.Nonlinearity == "relu", gi, gg, act, h)
		case "gru":
			gruForward(gi, gg, act, hp, h)
		case "lstm":
			lstmForward(gi, gg, act, lt.c[r*H:(r+1)*H], lt.c[(r+B)*H:(r+B+1)*H], h)
		}
	}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// rnnForward: h = act(gi + gh).
func rnnForward(relu bool, gi, gh, act, h []float64) {
	for j := range h {
		v := gi[j] + gh[j]
		if relu {
			v = math.Max(v, 0)
		} else {
			v = math.Tanh(v)
		}
		act[j], h[j] = v, v
	}
}

// gruForward: r, z = σ(·); n = tanh(gi_n + r⊙gh_n); h = (1−z)⊙n + z⊙hp.
func gruForward(gi, gh, act, hp, h []float64) {
	H := len(h)
	for j := 0; j < H; j++ {
		r := sigmoid(gi[j] + gh[j])
		z := sigmoid(gi[H+j] + gh[H+j])
		nn := math.Tanh(gi[2*H+j] + r*gh[2*H+j])
		act[j], act[H+j], act[2*H+j] = r, z, nn
		h[j] = (1-z)*nn + z*hp[j]
	}
}

// lstmForward: gates i, f, g, o; c = f⊙cp + i⊙g; h = o⊙tanh(c).
func lstmForward(gi, gh, act, cp, c, h []float64) {
	H := len(h)
	for j := 0; j < H; j++ {
		i := sigmoid(gi[j] + gh[j])
		f := sigmoid(gi[H+j] + gh[H+j])
		g := math.Tanh(gi[2*H+j] + gh[2*H+j])
		o := sigmoid(gi[3*H+j] + gh[3*H+j])
		act[j], act[H+j], act[2*H+j], act[3*H+j] = i, f, g, o
		c[j] = f*cp[j] + i*g
		h[j] = o * math.Tanh(c[j])
	}
}
