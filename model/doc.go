// Package model implements rnncast's recurrent forecasters (Elman RNN, LSTM
// and GRU, one or more layers, with a linear head) with PyTorch's exact
// equations, their safetensors model files, and batched, allocation-free
// steps for serving.
//
// A Model is immutable once loaded and safe for concurrent use. A Runner
// holds the scratch buffers of batched calls and is owned by one goroutine.
// The package starts no goroutine, reads no clock and does no I/O except in
// Load and Save.
package model
