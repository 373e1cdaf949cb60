// Package models bundles rnncast's trained models into the binary. Their
// bytes are read-only and safe for concurrent use; models/README.md gives the
// exact command that made each one.
package models

import _ "embed"

// Demo is the demo's model file (safetensors): a stateful one-layer GRU
// (hidden 32) forecasting 24 hourly values of one sensor, trained on a
// synthetic series shaped like the simulator's. Decode it with model.Decode;
// do not modify the slice.
//
//go:embed demo.safetensors
var Demo []byte
