package metrics

// StateDropped implements pipeline.Observer.
func (o *Observer) StateDropped(reason string, n int) {
	o.stateDropped.WithLabelValues(reason).Add(float64(n))
}

// ModelReload implements pipeline.Observer.
func (o *Observer) ModelReload(ok bool) {
	result := "rejected"
	if ok {
		result = "ok"
	}
	o.modelReloads.WithLabelValues(result).Inc()
}
