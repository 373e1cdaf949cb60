package kafkatest

import (
	"os"
	"testing"
)

// Secure is the real broker's TLS and SASL listeners, made by
// scripts/kafka/security.sh when scripts/test.sh starts the broker (it sets
// RNNCAST_KAFKA_SECURITY=1) and reported in broker.env.
type Secure struct {
	// Plaintext is the broker's PLAINTEXT address (the same broker).
	Plaintext string
	// SASLSSL enables PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; SCRAM512 is
	// SASL_SSL with SCRAM-SHA-512 only; SSL requires a client certificate.
	SASLSSL, SCRAM512, SSL string
	// CA signs the broker's and the client's certificates; OtherCA signs
	// nothing the broker uses.
	CA, OtherCA string
	// ClientCert and ClientKey are a client certificate CA signed.
	ClientCert, ClientKey string
	// User's password (for every mechanism) is in PasswordFile.
	User, PasswordFile string
}

// RealSecure returns the real broker's secure listeners, holding the
// broker as Real does. Without them it skips the test, or fails it when
// RNNCAST_REQUIRE_REAL=1.
func RealSecure(t testing.TB) *Secure {
	t.Helper()
	c := Real(t)
	s := &Secure{Plaintext: c.Brokers[0],
		SASLSSL: os.Getenv("RNNCAST_KAFKA_SASL_SSL_BROKERS"), SCRAM512: os.Getenv("RNNCAST_KAFKA_SCRAM512_BROKERS"),
		SSL: os.Getenv("RNNCAST_KAFKA_SSL_BROKERS"), CA: os.Getenv("RNNCAST_KAFKA_TLS_CA"),
		OtherCA: os.Getenv("RNNCAST_KAFKA_TLS_OTHER_CA"), ClientCert: os.Getenv("RNNCAST_KAFKA_TLS_CLIENT_CERT"),
		ClientKey: os.Getenv("RNNCAST_KAFKA_TLS_CLIENT_KEY"), User: os.Getenv("RNNCAST_KAFKA_SASL_USER"),
		PasswordFile: os.Getenv("RNNCAST_KAFKA_SASL_PASSWORD_FILE")}
	for _, v := range []string{s.SASLSSL, s.SCRAM512, s.SSL, s.CA, s.OtherCA, s.ClientCert, s.ClientKey, s.User, s.PasswordFile} {
		if v == "" {
			skipOrFail(t, "the real broker has no TLS and SASL listeners (start it with RNNCAST_KAFKA_SECURITY=1, as scripts/test.sh does)")
		}
	}
	return s
}
