package kafkaconn

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rnncast/rnncast/config"
	"github.com/rnncast/rnncast/internal/kafkatest"
)

func noEnv(string) (string, bool) { return "", false }

// preflight builds a Conn from t and s and runs Preflight against broker.
func preflight(tb testing.TB, broker string, t config.TLS, s config.SASL) error {
	tb.Helper()
	c, err := New(t, s, noEnv)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return c.Preflight(context.Background(), []string{broker})
}

// wantCause checks that err is non-nil and names every part of want.
func wantCause(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Preflight succeeded, want an error naming %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Preflight error %q does not contain %q", err, w)
		}
	}
}

func scramSASL(s *kafkatest.Secure, mech string) config.SASL {
	return config.SASL{Mechanism: mech, Username: s.User, PasswordFile: s.PasswordFile}
}

func TestSASLPreflightEveryMechanism(t *testing.T) {
	s := kafkatest.RealSecure(t)
	for _, mech := range config.Mechanisms {
		if err := preflight(t, s.SASLSSL, config.TLS{Enabled: true, CAFile: s.CA}, scramSASL(s, mech)); err != nil {
			t.Errorf("%s over SASL_SSL: Preflight = %v, want nil", mech, err)
		}
	}
}

func TestSASLPreflightWrongPassword(t *testing.T) {
	s := kafkatest.RealSecure(t)
	wrong := filepath.Join(t.TempDir(), "wrong")
	if err := os.WriteFile(wrong, []byte("not-the-password-xyz\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mech := range config.Mechanisms {
		err := preflight(t, s.SASLSSL, config.TLS{Enabled: true, CAFile: s.CA},
			config.SASL{Mechanism: mech, Username: s.User, PasswordFile: wrong})
		wantCause(t, err, "SASL authentication failed", `user "`+s.User+`"`, mech)
		if err != nil && strings.Contains(err.Error(), "not-the-password-xyz") {
			t.Errorf("error %q contains the password", err)
		}
	}
	err := preflight(t, s.SASLSSL, config.TLS{Enabled: true, CAFile: s.CA},
		config.SASL{Mechanism: "SCRAM-SHA-256", Username: "mallory", PasswordFile: s.PasswordFile})
	wantCause(t, err, "SASL authentication failed", `"mallory"`)
}

func TestSASLPreflightMechanismNotEnabled(t *testing.T) {
	s := kafkatest.RealSecure(t)
	tl := config.TLS{Enabled: true, CAFile: s.CA}
	if err := preflight(t, s.SCRAM512, tl, scramSASL(s, "SCRAM-SHA-512")); err != nil {
		t.Fatalf("SCRAM-SHA-512 on the SCRAM512 listener: %v", err)
	}
	wantCause(t, preflight(t, s.SCRAM512, tl, scramSASL(s, "PLAIN")), "does not enable mechanism PLAIN")
	wantCause(t, preflight(t, s.SCRAM512, tl, scramSASL(s, "SCRAM-SHA-256")), "does not enable mechanism SCRAM-SHA-256")
}

func TestSASLPreflightPlaintextAgainstTLSPort(t *testing.T) {
	s := kafkatest.RealSecure(t)
	wantCause(t, preflight(t, s.SASLSSL, config.TLS{}, scramSASL(s, "SCRAM-SHA-256")), "probably a TLS", "kafka.tls.enabled")
	wantCause(t, preflight(t, s.SASLSSL, config.TLS{}, config.SASL{}), "probably a TLS")
}

func TestSASLPreflightTLSWithoutSASL(t *testing.T) {
	s := kafkatest.RealSecure(t)
	wantCause(t, preflight(t, s.SASLSSL, config.TLS{Enabled: true, CAFile: s.CA}, config.SASL{}), "requires SASL")
}

func TestSASLPreflightAgainstPlaintextListener(t *testing.T) {
	s := kafkatest.RealSecure(t)
	wantCause(t, preflight(t, s.Plaintext, config.TLS{}, scramSASL(s, "PLAIN")), "does not take SASL")
}

func TestTLSPreflightAgainstPlaintextPort(t *testing.T) {
	s := kafkatest.RealSecure(t)
	wantCause(t, preflight(t, s.Plaintext, config.TLS{Enabled: true, CAFile: s.CA}, config.SASL{}), "TLS", "PLAINTEXT listener")
	wantCause(t, preflight(t, s.Plaintext, config.TLS{Enabled: true, CAFile: s.CA}, scramSASL(s, "SCRAM-SHA-512")), "PLAINTEXT listener")
}

func TestTLSPreflightServerVerification(t *testing.T) {
	s := kafkatest.RealSecure(t)
	sasl := scramSASL(s, "SCRAM-SHA-512")
	wantCause(t, preflight(t, s.SASLSSL, config.TLS{Enabled: true, CAFile: s.OtherCA}, sasl), "unknown authority", "kafka.tls.ca_file")
	wantCause(t, preflight(t, s.SASLSSL, config.TLS{Enabled: true}, sasl), "unknown authority") // system roots
	wantCause(t, preflight(t, s.SASLSSL, config.TLS{Enabled: true, CAFile: s.CA, ServerName: "kafka.example.com"}, sasl),
		"not valid for the name", "kafka.tls.server_name")
	if err := preflight(t, s.SASLSSL, config.TLS{Enabled: true, CAFile: s.CA, ServerName: "localhost"}, sasl); err != nil {
		t.Errorf("server_name localhost (a SAN of the broker's certificate): %v", err)
	}
	if err := preflight(t, s.SASLSSL, config.TLS{Enabled: true, InsecureSkipVerify: true}, sasl); err != nil {
		t.Errorf("insecure_skip_verify: %v", err)
	}
}

func TestTLSPreflightMutual(t *testing.T) {
	s := kafkatest.RealSecure(t)
	mutual := config.TLS{Enabled: true, CAFile: s.CA, CertFile: s.ClientCert, KeyFile: s.ClientKey}
	if err := preflight(t, s.SSL, mutual, config.SASL{}); err != nil {
		t.Fatalf("mutual TLS: %v", err)
	}
	wantCause(t, preflight(t, s.SSL, config.TLS{Enabled: true, CAFile: s.CA}, config.SASL{}), "client certificate", "kafka.tls.cert_file")
	wantCause(t, preflight(t, s.SSL, config.TLS{Enabled: true, CAFile: s.OtherCA, CertFile: s.ClientCert, KeyFile: s.ClientKey}, config.SASL{}), "unknown authority")
}

func TestPreflightTriesEveryBroker(t *testing.T) {
	s := kafkatest.RealSecure(t)
	c, err := New(config.TLS{Enabled: true, CAFile: s.CA}, scramSASL(s, "SCRAM-SHA-256"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Preflight(context.Background(), []string{s.Plaintext, s.SASLSSL}); err != nil {
		t.Errorf("Preflight with a bad first bootstrap broker = %v, want nil (the second answers)", err)
	}
}
