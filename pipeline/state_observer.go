package pipeline

// Reasons of Observer.StateDropped for states a Restorer (the checkpoint
// package's Store) drops on restore.
const (
	// DropCorrupt: a state record that does not decode (counted; the key
	// warms up).
	DropCorrupt = "corrupt"
	// DropModel: a state from a model with another fingerprint; its hidden
	// state is discarded and the key warms up again from its window.
	DropModel = "model"
	// DropInvalid: a state that decodes but does not fit the window or the
	// model (wrong ring or hidden size).
	DropInvalid = "invalid"
)

// StateDropped implements Observer.
func (NopObserver) StateDropped(string, int) {}

// ModelReload implements Observer.
func (NopObserver) ModelReload(bool) {}
