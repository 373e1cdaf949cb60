// Package window places each key's readings on a regular event-time grid,
// keeps a ring of its last W steps, and gathers the steps of a micro-batch
// into one Arrow record.
//
// Windows holds every key of one partition and is owned by one goroutine;
// it starts no goroutine, reads no clock and does no I/O.
//
// # Keys
//
// Each key has one slot, a Key[P], in one table: the window's state of the
// key, the caller's Value P (struct{} when it keeps nothing) and, with
// SetExtra, floats of the caller's allocated with the key's ring (Extra).
// A caller that keeps per-key state in its slot finds everything a key has
// with one lookup: Intern (record.Decoder's interner) or Lookup finds the
// slot and remembers it, so Lookup and Put of the same key right after do
// not hash again, and Flushed gives the slot of each row of a Batch. A
// slot lives until Forget, or Reset (Restore) replaces it; a forgotten
// slot's pointers must not be kept.
//
// # The grid
//
// A reading's slot is its event time truncated to a multiple of Interval
// since the Unix epoch. Per key, readings are applied in slot order, one
// step per slot:
//
//   - A reading waits in the key's reorder buffer until the key's
//     watermark (its latest event time minus AllowedLateness) reaches the
//     start of its slot; with AllowedLateness 0 it applies at once.
//   - A reading for a slot that already had a reading (among the key's
//     last 64 slots), or has one held, is rejected with
//     record.ReasonDuplicate; any other reading for a slot at or before the
//     last applied one (a filled slot, or one older than the watermark) is
//     rejected with record.ReasonLate. Nothing is dropped silently: every
//     rejection is a *record.RejectError from Add.
//   - A gap of at most MaxGap missing slots is filled with steps (Fill
//     "hold" repeats the last values, "linear" interpolates towards the
//     new reading), marked Filled; a longer gap resets the key: its ring is
//     cleared and warm-up starts again (Resets).
//
// # Batches
//
// Flush returns every step applied since the previous Flush as a Batch:
// an Arrow record (key, ts, values, window) plus per-row Go slices. One
// reading may yield several steps of a key (gap fills, released held
// readings), so rows are grouped in Rounds, within which a key appears at
// most once; a stateful model runs the rounds in order, one batched step
// per round. Window mode runs the window column of rows that are Ready.
//
// # Ownership and aliasing
//
// The caller owns a returned Batch and releases it with Batch.Release,
// after which slices from ValuesData, WindowData and Times (which alias the
// record's buffers) must not be used. Batches share no memory with
// Windows or with each other; a Batch may be handed to another goroutine.
// The Arrow builders are reused across Flush calls and freed by
// Windows.Release. Add keeps no reference to the Reading; Snapshot and
// Restore copy.
package window
