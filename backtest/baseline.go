package backtest

// repeat writes the Repeat forecast of origin e: every step is the value at
// row e−1.
func repeat(target []float64, e int, out []float64) {
	for k := range out {
		out[k] = target[e-1]
	}
}

// seasonal writes the seasonal-naive forecast of origin e with the given
// period: step k is the value one period before, repeating the last period
// of inputs for steps beyond it (row e − period + k mod period).
func seasonal(target []float64, e, period int, out []float64) {
	for k := range out {
		out[k] = target[e-period+k%period]
	}
}
