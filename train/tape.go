package train

// tape holds one minibatch's forward activations (T steps of B rows,
// time-major: row t·B+b) and the gradient buffers of its backward pass. It is
// sized once per shape and reused.
type tape struct {
	T, B     int
	headFrom int       // the head applies to steps [headFrom, T).
	x        []float64 // T·B × Inputs.
	ls       []layerTape
	y        []float64 // (T−headFrom)·B × Out head outputs.
	dy       []float64 // gradient of the loss w.r.t. y.
}

// layerTape is one layer's activations and gradient scratch.
type layerTape struct {
	gi, gh []float64 // T·B × G·H pre-activations (input part with bih; hidden part with bhh).
	act    []float64 // T·B × G·H gate activations (RNN: the new hidden state).
	h      []float64 // (T+1)·B × H; block 0 is the initial state.
	c      []float64 // (T+1)·B × H; LSTM cell state, nil otherwise.
	dh     []float64 // T·B × H gradient w.r.t. the outputs h[1:].
	dgi    []float64 // T·B × G·H.
	dgh    []float64 // T·B × G·H.
	dhn    []float64 // B × H carried gradient w.r.t. h_{t−1}.
	dcn    []float64 // B × H carried gradient w.r.t. c_{t−1}.
	dcIn   []float64 // T·B × H extra gradient w.r.t. each step's c (stateful encdec's decoders); usually nil.
}

// newTape allocates a tape for T steps of B rows with the head on steps
// [headFrom, T).
func newTape(a Arch, T, B, headFrom int) *tape {
	gh := a.Cell.Gates() * a.Hidden
	tp := &tape{T: T, B: B, headFrom: headFrom, x: make([]float64, T*B*a.Inputs)}
	rows := (T - headFrom) * B
	tp.y = make([]float64, rows*a.Out)
	tp.dy = make([]float64, rows*a.Out)
	for l := 0; l < a.Layers; l++ {
		lt := layerTape{
			gi: make([]float64, T*B*gh), gh: make([]float64, T*B*gh),
			act: make([]float64, T*B*gh), h: make([]float64, (T+1)*B*a.Hidden),
			dh: make([]float64, T*B*a.Hidden), dgi: make([]float64, T*B*gh),
			dgh: make([]float64, T*B*gh), dhn: make([]float64, B*a.Hidden),
			dcn: make([]float64, B*a.Hidden),
		}
		if a.Cell == "lstm" {
			lt.c = make([]float64, (T+1)*B*a.Hidden)
		}
		tp.ls = append(tp.ls, lt)
	}
	return tp
}

// resetState zeroes every layer's initial state.
func (tp *tape) resetState() {
	for i := range tp.ls {
		clear(tp.ls[i].h[:len(tp.ls[i].dhn)])
		if tp.ls[i].c != nil {
			clear(tp.ls[i].c[:len(tp.ls[i].dcn)])
		}
	}
}

// carryState copies every layer's final state into its initial state, so the
// next chunk continues where this one ended (gradients stop at the boundary).
func (tp *tape) carryState() {
	for i := range tp.ls {
		lt := &tp.ls[i]
		n := len(lt.dhn)
		copy(lt.h[:n], lt.h[tp.T*n:])
		if lt.c != nil {
			copy(lt.c[:n], lt.c[tp.T*n:])
		}
	}
}
