package pipeline

// recent keeps a key's last Horizon forecasts so that each can be scored
// when the actual values of the slots it forecast arrive (live scoring).
// Memory per key: Horizon·(Horizon+2)·4 bytes, allocated on its first
// forecast.
type recent struct {
	at   []int64   // slot of each stored forecast, epoch ms; 0 = empty
	vals []float32 // Horizon forecasts of Horizon values, ring order
	next int       // ring position of the next forecast
}

// add stores the forecast made at slot at (epoch ms).
func (r *recent) add(at int64, forecast []float32) {
	h := len(forecast)
	if r.at == nil {
		r.at = make([]int64, h)
		r.vals = make([]float32, h*h)
	}
	r.at[r.next] = at
	copy(r.vals[r.next*h:], forecast)
	r.next = (r.next + 1) % h
}

// score compares the actual value of slot at (epoch ms) with every stored
// forecast that covered it and adds each error to ls by horizon step.
func (r *recent) score(at int64, actual float64, intervalMs int64, ls *LiveScores) {
	h := len(r.at)
	span, inv := int64(min(h, len(ls.Steps)))*intervalMs, 1/float64(intervalMs)
	for i, t := range r.at {
		d := at - t
		if t == 0 || d <= 0 || d > span {
			continue
		}
		// d/intervalMs without a division (24 per reading): for a d on the
		// grid, d·(1/intervalMs) is within far less than ½ of the whole
		// quotient, so rounding finds it; a d off the grid fails the check.
		k := int64(float64(d)*inv + 0.5)
		if k*intervalMs != d {
			continue
		}
		ls.add(int(k), float64(r.vals[i*h+int(k)-1])-actual)
	}
}

// LiveScores is one micro-batch's live scoring (Observer.LiveErrors): for
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

// newLiveScores returns an empty LiveScores for horizon steps 1..h.
func newLiveScores(h int) LiveScores { return LiveScores{Steps: make([]LiveStep, h)} }

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

// reset empties s for the next micro-batch, keeping its memory.
func (s *LiveScores) reset() {
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
