package kafkaconn

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rnncast/rnncast/config"
)

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := func(name string, tl config.TLS, s config.SASL, want ...string) {
		t.Helper()
		_, err := New(tl, s, noEnv)
		if err == nil {
			t.Fatalf("%s: New succeeded, want an error", name)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", name, err, w)
			}
		}
	}
	f("invalid", config.TLS{CAFile: "ca.pem"}, config.SASL{}, "kafka.tls.ca_file", "enabled is false")
	f("missing CA", config.TLS{Enabled: true, CAFile: filepath.Join(dir, "absent.pem")}, config.SASL{}, "kafka.tls.ca_file", "absent.pem")
	f("CA not PEM", config.TLS{Enabled: true, CAFile: notPEM}, config.SASL{}, "kafka.tls.ca_file", "no PEM certificate")
	f("bad key pair", config.TLS{Enabled: true, CertFile: notPEM, KeyFile: notPEM}, config.SASL{}, "kafka.tls.cert_file", "cannot load")
	f("no password", config.TLS{}, config.SASL{Mechanism: "PLAIN", Username: "u"}, "no password", config.EnvKafkaPassword)
}

// TestNoPasswordInPrintedValues: a Conn, its Dialer and its Transport,
// printed every usual way, do not show the password.
func TestNoPasswordInPrintedValues(t *testing.T) {
	const pw = "p4ssw0rd-that-must-not-show"
	env := func(k string) (string, bool) { return pw, k == config.EnvKafkaPassword }
	for _, mech := range config.Mechanisms {
		c, err := New(config.TLS{Enabled: true}, config.SASL{Mechanism: mech, Username: "alice"}, env)
		if err != nil {
			t.Fatalf("%s: New: %v", mech, err)
		}
		for _, s := range []string{c.String(), fmt.Sprintf("%v %+v %#v", c, c.Dialer(), c.Dialer()),
			fmt.Sprintf("%+v %#v", c.Transport(), c.Dialer().SASLMechanism)} {
			if strings.Contains(s, pw) {
				t.Errorf("%s: printed %q shows the password", mech, s)
			}
		}
		if got, want := c.String(), "TLS, SASL "+mech+" as alice"; got != want {
			t.Errorf("String = %q, want %q", got, want)
		}
	}
}

func TestString(t *testing.T) {
	f := func(c *Conn, want string) {
		t.Helper()
		if got := c.String(); got != want {
			t.Errorf("String = %q, want %q", got, want)
		}
	}
	f(nil, "PLAINTEXT")
	plain, err := New(config.TLS{}, config.SASL{}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	f(plain, "PLAINTEXT")
	skip, err := New(config.TLS{Enabled: true, InsecureSkipVerify: true}, config.SASL{}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	f(skip, "TLS (certificates not verified)")
	if d := (*Conn)(nil).Dialer(); d.TLS != nil || d.SASLMechanism != nil {
		t.Errorf("nil Conn's Dialer has TLS or SASL")
	}
	if tr := TransportOf(skip.Dialer()); tr.TLS == nil || !tr.TLS.InsecureSkipVerify {
		t.Errorf("TransportOf lost the Dialer's TLS config")
	}
}
