package model

// prepared holds kernel-ready copies of the weights (filled in by Prepare).
type prepared struct{}

// Prepare validates the weights against Meta and builds the kernel-ready
// layout. Decode calls it; code that builds a Model by hand must too.
func (m *Model) Prepare() error { panic("model: Prepare not implemented yet") }

// StateLen returns how many float32 values one key's carried state holds:
// Layers·Hidden (RNN, GRU) or 2·Layers·Hidden (LSTM: h then c). For
// ArchEncDec it is the encoder's state; for ArchVec2Seq it is 0.
func (m *Model) StateLen() int { panic("model: StateLen not implemented yet") }

// Runner holds the scratch buffers of batched calls on one Model for up to
// MaxBatch keys. It is owned by one goroutine; it allocates only in NewRunner.
type Runner struct{ m *Model }

// NewRunner returns a Runner for batches of at most maxBatch keys.
func (m *Model) NewRunner(maxBatch int) *Runner { return &Runner{m: m} }

// Step advances b = len(states) carried states by one reading each and writes
// each key's forecast. states[i] (len StateLen) is updated in place; x is
// b×Inputs readings and out is b×Horizon forecasts, both in original units
// (Step applies the scaler and Norm; under NormLast the reference value is
// the key's reading in x itself, the newest value it has seen).
func (r *Runner) Step(states [][]float32, x []float32, out []float32) {
	panic("model: Step not implemented yet")
}

// Window runs each of b windows (b×Window×Inputs values, original units,
// key-major then time) from a zero state, the course's semantics, and writes
// b×Horizon forecasts in original units.
func (r *Runner) Window(windows []float32, b int, out []float32) {
	panic("model: Window not implemented yet")
}
