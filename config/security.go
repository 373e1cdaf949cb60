package config

import (
	"errors"
	"fmt"
)

// EnvKafkaPassword is the environment variable that holds the SASL password
// when kafka.sasl.password_file is not set.
const EnvKafkaPassword = "RNNCAST_KAFKA_PASSWORD"

// TLS configures TLS to the brokers (an SSL or SASL_SSL listener).
type TLS struct {
	// Enabled speaks TLS to every broker. Default false (PLAINTEXT).
	Enabled bool `yaml:"enabled"`
	// CAFile is a PEM file of the CA certificates that sign the brokers'
	// certificates. Default "": the system's roots.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are the client's PEM certificate (chain) and
	// private key, for brokers that require mutual TLS
	// (ssl.client.auth=required). Both or neither. Default "".
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName is the name the brokers' certificates must be valid for.
	// Default "": each broker's host as dialed.
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify accepts any broker certificate: the connection is
	// encrypted but not authenticated (test clusters only). Default false.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// SASL configures SASL authentication to the brokers.
type SASL struct {
	// Mechanism is "PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512"; "" disables
	// SASL. Default "".
	Mechanism string `yaml:"mechanism"`
	// Username is the SASL user. Required with a mechanism.
	Username string `yaml:"username"`
	// PasswordFile is a file holding the password (one trailing newline is
	// ignored). Default "": the environment variable RNNCAST_KAFKA_PASSWORD.
	// The password itself is never part of the config file.
	PasswordFile string `yaml:"password_file"`
}

// Mechanisms are the accepted values of kafka.sasl.mechanism (kafka-go's).
var Mechanisms = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}

// ValidateSecurity checks a TLS and a SASL block, as Validate does for
// kafka.tls and kafka.sasl; commands configured by flags call it directly.
func ValidateSecurity(t TLS, s SASL) error {
	var errs []error
	validateSecurity(t, s, func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: "+format, append([]any{key}, args...)...))
	})
	return errors.Join(errs...)
}

func validateSecurity(t TLS, s SASL, bad reporter) {
	if !t.Enabled {
		set := map[string]string{"kafka.tls.ca_file": t.CAFile, "kafka.tls.cert_file": t.CertFile,
			"kafka.tls.key_file": t.KeyFile, "kafka.tls.server_name": t.ServerName}
		for _, key := range sortedKeys(set) {
			if set[key] != "" {
				bad(key, "is set but kafka.tls.enabled is false")
			}
		}
		if t.InsecureSkipVerify {
			bad("kafka.tls.insecure_skip_verify", "is set but kafka.tls.enabled is false")
		}
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		bad("kafka.tls.cert_file", "cert_file and key_file go together (mutual TLS): set both or neither")
	}
	if t.InsecureSkipVerify && (t.CAFile != "" || t.ServerName != "") {
		bad("kafka.tls.insecure_skip_verify", "verifies nothing: ca_file and server_name would be ignored; unset one or the other")
	}
	if s.Mechanism == "" {
		if s.Username != "" || s.PasswordFile != "" {
			bad("kafka.sasl.mechanism", "must be one of %q when kafka.sasl.username or password_file is set", Mechanisms)
		}
		return
	}
	oneOf(bad, "kafka.sasl.mechanism", s.Mechanism, Mechanisms...)
	if s.Username == "" {
		bad("kafka.sasl.username", "must not be empty with mechanism %s", s.Mechanism)
	}
}

// Password returns the SASL password: the content of PasswordFile (one
// trailing newline removed) or else the value of RNNCAST_KAFKA_PASSWORD as
// lookup (os.LookupEnv) reports it. Setting both is an error, and so is an
// empty password. Errors never contain the password.
func (s SASL) Password(lookup func(string) (string, bool), readFile func(string) ([]byte, error)) (Secret, error) {
	env, inEnv := lookup(EnvKafkaPassword)
	switch {
	case s.PasswordFile != "" && inEnv:
		return "", fmt.Errorf("config: kafka.sasl.password_file: set, and so is %s: use one of them", EnvKafkaPassword)
	case s.PasswordFile == "" && !inEnv:
		return "", fmt.Errorf("config: kafka.sasl: no password for user %q: set kafka.sasl.password_file or %s", s.Username, EnvKafkaPassword)
	case inEnv:
		if env == "" {
			return "", fmt.Errorf("config: %s is set but empty", EnvKafkaPassword)
		}
		return Secret(env), nil
	}
	data, err := readFile(s.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("config: kafka.sasl.password_file: cannot read the password: %w", err)
	}
	p := string(data)
	if n := len(p); n > 0 && p[n-1] == '\n' {
		p = p[:n-1]
		if n := len(p); n > 0 && p[n-1] == '\r' {
			p = p[:n-1]
		}
	}
	if p == "" {
		return "", fmt.Errorf("config: kafka.sasl.password_file: %s is empty", s.PasswordFile)
	}
	return Secret(p), nil
}

// Secret is a password. Its String, GoString and text forms are
// "[redacted]", so printing a struct that holds one (%v, %+v, %#v, slog,
// JSON) does not reveal it; Reveal returns the value for the one caller
// that needs it (the SASL mechanism).
type Secret string

const redacted = "[redacted]"

// Reveal returns the password.
func (s Secret) Reveal() string { return string(s) }

// String returns "[redacted]".
func (s Secret) String() string { return redacted }

// GoString returns "[redacted]".
func (s Secret) GoString() string { return redacted }

// MarshalText returns "[redacted]" (JSON, YAML and slog use it).
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
