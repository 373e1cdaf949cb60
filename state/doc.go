// Package state defines the per-key state that rnncast checkpoints (the
// recurrent state, the window ring and grid position, the readings held for
// reordering, the last applied input offset, stamped with the model's
// fingerprint) and its versioned binary encoding.
//
// The package is synchronous and does no I/O: the pipeline writes encoded
// entries to the compacted state topic and reads them back on assignment.
// An Entry is owned by one goroutine; Decode reuses the Entry's slices.
//
// # Encoding
//
// All integers are little-endian. Append writes version 2; Decode reads
// versions 1 and 2 (a version 1 entry decodes with the version 2 fields
// zero: no seen bits, no event time, no held readings).
//
//	magic       4 bytes  "RNS1" or "RNS2"
//	flags       1 byte   v1: 0; v2: bit 0 HasSlot, bit 1 HasMaxTime
//	offset      8 bytes  int64, last applied input offset
//	lastSlot    8 bytes  int64, start of the last applied grid slot, Unix ms
//	steps       8 bytes  int64, model steps applied since the last reset
//	fp          1 byte length + bytes: the model fingerprint (hex)
//	hidden      4 bytes count + count×float32 bits
//	ring        4 bytes count + count×float32 bits (oldest first)
//	-- version 2 only --
//	windowSteps 8 bytes  int64, window steps since the last reset
//	seen        8 bytes  uint64, which of the last 64 slots held a reading
//	maxTime     8 bytes  int64, latest event time seen, Unix ms
//	held        4 bytes count, then per held reading: time (int64 Unix ms),
//	            offset (int64), 4 bytes count + count×float64 bits
//	-- both --
//	crc         4 bytes  CRC-32C (Castagnoli) of everything before it
//
// The key is not part of the value: it is the Kafka record key. A corrupt
// value (bad checksum, unknown magic or flags, a count running past the
// end, trailing bytes) is an error wrapping ErrCorrupt, never a panic; the
// caller counts it and lets the key warm up again.
package state
