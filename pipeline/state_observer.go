package pipeline

// StateDropped implements Observer.
func (NopObserver) StateDropped(string, int) {}

// ModelReload implements Observer.
func (NopObserver) ModelReload(bool) {}
