package forecast

// Recent keeps the slots of a key's last Horizon forecasts so that each
// can be scored when the actual values of the slots it forecast arrive
// (live scoring); the forecasts' values are the caller's (vals: Horizon
// forecasts of Horizon values, ring order, in the key's memory after its
// hidden state). A forecast's slot is kept as its age, the intervals
// between it and the newest forecast, -1 once more than Horizon intervals
// (it can never be scored again: the readings scored come after the newest
// forecast) or when empty. Memory per key: 4·Horizon bytes of ages,
// allocated on its first forecast, besides the values.
type Recent struct {
	age    []int32 // per ring position
	newest int64   // slot of the newest forecast, epoch ms
}

// Add stores the forecast made at slot at (epoch ms), later than any
// stored, in vals.
func (r *Recent) Add(at int64, forecast, vals []float32, intervalMs int64) {
	h := len(forecast)
	next := 0
	if r.age == nil {
		r.age = make([]int32, h)
		for i := range r.age {
			r.age[i] = -1
		}
	}
	shift := (at - r.newest) / intervalMs
	for i, a := range r.age {
		if a == 0 {
			next = (i + 1) % h
		}
		if a >= 0 {
			if n := int64(a) + shift; n > 0 && n <= int64(h) {
				r.age[i] = int32(n)
			} else {
				r.age[i] = -1
			}
		}
	}
	r.age[next], r.newest = 0, at
	copy(vals[next*h:], forecast)
}

// Score compares the actual value of slot at (epoch ms), later than the
// newest forecast, with every stored forecast that covered it and adds
// each error to ls by horizon step.
func (r *Recent) Score(at int64, actual float64, intervalMs int64, vals []float32, ls *LiveScores) {
	h := len(r.age)
	span, inv := int64(min(h, len(ls.Steps)))*intervalMs, 1/float64(intervalMs)
	since := at - r.newest
	for i, a := range r.age {
		d := since + int64(a)*intervalMs
		if a < 0 || d <= 0 || d > span {
			continue
		}
		// d/intervalMs without a division (24 per reading): for a d on the
		// grid, d·(1/intervalMs) is within far less than ½ of the whole
		// quotient, so rounding finds it; a d off the grid fails the check.
		k := int64(float64(d)*inv + 0.5)
		if k*intervalMs != d {
			continue
		}
		ls.add(int(k), float64(vals[i*h+int(k)-1])-actual)
	}
}

// LiveScores is one micro-batch's live scoring (pipeline.Observer.LiveErrors): for
// each horizon step, the errors of the earlier forecasts whose actual
// values arrived in the batch, in the target's original units.
//
// The partition worker owns it and reuses it for its next micro-batch: an
// Observer copies what it keeps and does not retain the slices.
type LiveScores struct {
	// Steps[k-1] is horizon step k, for k = 1..Horizon.
	Steps []LiveStep
}

// LiveStep is one horizon step's scores of a micro-batch.
type LiveStep struct {
	// AbsSum and SqSum are the sums of the absolute and squared errors,
	// added in scoring order.
	AbsSum, SqSum float64
	// Abs holds the absolute errors in scoring order; len(Abs) is the
	// number of values scored.
	Abs []float64
}

// NewLiveScores returns an empty LiveScores for horizon steps 1..h.
func NewLiveScores(h int) LiveScores { return LiveScores{Steps: make([]LiveStep, h)} }

// Len returns the number of values scored, over all steps.
func (s *LiveScores) Len() int {
	n := 0
	for i := range s.Steps {
		n += len(s.Steps[i].Abs)
	}
	return n
}

// add scores error d (forecast minus actual) at step k (1-based).
func (s *LiveScores) add(k int, d float64) {
	st := &s.Steps[k-1]
	a := abs(d)
	st.AbsSum += a
	st.SqSum += d * d
	st.Abs = append(st.Abs, a)
}

// Reset empties s for the next micro-batch, keeping its memory.
func (s *LiveScores) Reset() {
	for k := range s.Steps {
		s.Steps[k] = LiveStep{Abs: s.Steps[k].Abs[:0]}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
