// Package state defines the per-key state that rnncast checkpoints (the
// recurrent state, the window ring, the last event time and the last applied
// input offset, stamped with the model's fingerprint) and its versioned
// binary encoding.
//
// The package is synchronous and does no I/O: the pipeline writes encoded
// entries to the compacted state topic and reads them back on assignment.
// An Entry is owned by one goroutine; Decode reuses the Entry's slices.
//
// # Encoding (version 1)
//
// All integers are little-endian.
//
//	magic    4 bytes  "RNS1"
//	flags    1 byte   reserved, 0
//	offset   8 bytes  int64, last applied input offset
//	lastSlot 8 bytes  int64, event time of the last applied slot, Unix ms
//	steps    8 bytes  int64, steps applied since the last reset
//	fp       1 byte length + bytes: the model fingerprint (hex)
//	hidden   4 bytes count + count×float32 bits
//	ring     4 bytes count + count×float32 bits (oldest first)
//	crc      4 bytes CRC-32C (Castagnoli) of everything before it
//
// The key is not part of the value: it is the Kafka record key.
package state
