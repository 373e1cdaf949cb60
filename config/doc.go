// Package config decodes rnncast's pipeline.yaml: strictly (an unknown key is
// an error naming the key and its line), with a documented default for every
// field and environment overrides for the brokers.
//
// The package depends on nothing but the YAML decoder; cmd/rnncast converts a
// Config into the pipeline's own configuration. A Config is a plain value:
// safe to read from many goroutines, owned by one while it is being changed.
//
// SASL and TLS are not supported yet: rnncast connects to brokers in
// PLAINTEXT only.
package config
