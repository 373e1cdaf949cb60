// Package train fits rnncast's recurrent forecasters to a time series with
// back-propagation through time, Adam, gradient clipping and early stopping on
// a validation split, and returns a model.Model ready to be saved.
//
// Two regimes match the two serving modes of the model package. The window
// regime runs each training window from a zero state and applies the head to
// its last step (the course's Net). The stateful regime runs the continuous
// series in parallel streams, carrying the state from chunk to chunk with
// truncated back-propagation, and applies the head at every step, so a model
// served in stateful mode sees in training what it sees in production.
//
// Training is float64 and deterministic for a given Config.Seed: the only
// randomness is a seeded PCG, and the matrix products (gonum's BLAS) compute
// each output block in a fixed order. A Trainer is owned by one goroutine; it
// reads no clock and does no I/O (the caller reports progress and saves).
//
// # Numerics
//
// The forward pass uses the model package's equations (PyTorch's gate
// orders) and its Norm semantics. Window regime: inputs are standardized with
// the scaler fitted on the train rows; under model.NormLast the window's last
// scaled target is subtracted from the target feature's inputs and added back
// to every output. Stateful regime: the standardized inputs are fed as they
// are and, under model.NormLast, the current reading's scaled target is added
// to every output. The loss is the mean squared error on the standardized
// scale (the ETT benchmark's MSE).
package train
