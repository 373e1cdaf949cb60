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
// forecast that covered it and reports each error by horizon step.
func (r *recent) score(at int64, actual float64, intervalMs int64, obs Observer) {
	h := len(r.at)
	for i, t := range r.at {
		if t == 0 || t >= at || (at-t)%intervalMs != 0 {
			continue
		}
		k := int((at - t) / intervalMs)
		if k > h {
			continue
		}
		d := float64(r.vals[i*h+k-1]) - actual
		obs.LiveError(k, abs(d), d*d)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
