package forecast

import "github.com/rnncast/rnncast/window"

// KeyState is one key's carried state as the stage hands it to pipeline's
// Checkpointer and takes it back from its Restorer.
type KeyState struct {
	Key string
	// Hidden is the model's carried state (len Model.StateLen()).
	Hidden []float32
	// Steps counts the steps taken since the key's last reset (warm-up).
	Steps int
	// LastOffset is the input offset of the last reading applied.
	LastOffset int64
	// Window is a copy of the key's window (ring, grid position, held
	// readings), from window.Windows.Snapshot.
	Window window.KeyState
	// Fingerprint is that of the model that produced Hidden.
	Fingerprint string
	// Deleted marks a key the worker forgot (TTL or key cap): the
	// Checkpointer deletes its state (a tombstone); the other fields are
	// unset.
	Deleted bool
}
