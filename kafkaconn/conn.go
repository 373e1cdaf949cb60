package kafkaconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"

	"github.com/rnncast/rnncast/config"
)

// DialTimeout bounds one connection attempt (TCP, TLS handshake and SASL
// exchange), as kafka-go's DefaultDialer does.
const DialTimeout = 10 * time.Second

// Conn is the TLS and SASL settings every Kafka client of rnncast uses.
type Conn struct {
	tls  *tls.Config    // nil: PLAINTEXT
	mech sasl.Mechanism // nil: no SASL
	user string
}

// New validates t and s (config.ValidateSecurity), loads the CA and client
// certificate files, reads the SASL password (s.Password with lookup, which
// is os.LookupEnv in production) and builds the mechanism. The error names
// the config key at fault and never contains the password.
func New(t config.TLS, s config.SASL, lookup func(string) (string, bool)) (*Conn, error) {
	if err := config.ValidateSecurity(t, s); err != nil {
		return nil, err
	}
	c := &Conn{user: s.Username}
	if t.Enabled {
		cfg, err := tlsConfig(t)
		if err != nil {
			return nil, err
		}
		c.tls = cfg
	}
	if s.Mechanism != "" {
		pw, err := s.Password(lookup, os.ReadFile)
		if err != nil {
			return nil, err
		}
		m, err := mechanism(s.Mechanism, s.Username, pw)
		if err != nil {
			return nil, err
		}
		c.mech = m
	}
	return c, nil
}

func tlsConfig(t config.TLS) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("config: kafka.tls.ca_file: cannot read: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("config: kafka.tls.ca_file: %s holds no PEM certificate", t.CAFile)
		}
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("config: kafka.tls.cert_file: cannot load the client certificate %s and key %s: %w", t.CertFile, t.KeyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

func mechanism(name, user string, pw config.Secret) (sasl.Mechanism, error) {
	var m sasl.Mechanism
	switch name {
	case "PLAIN":
		m = plain.Mechanism{Username: user, Password: pw.Reveal()}
	case "SCRAM-SHA-256", "SCRAM-SHA-512":
		algo := scram.SHA256
		if name == "SCRAM-SHA-512" {
			algo = scram.SHA512
		}
		var err error
		if m, err = scram.Mechanism(algo, user, pw.Reveal()); err != nil {
			// xdg-go/scram fails on a name or password SASLprep refuses;
			// its message does not quote them, but say it ourselves.
			return nil, fmt.Errorf("config: kafka.sasl: cannot use the username or password with %s: not valid SASLprep text", name)
		}
	default:
		return nil, fmt.Errorf("config: kafka.sasl.mechanism: unsupported %q", name)
	}
	return redacted{m}, nil
}

// redacted hides the mechanism's fields (kafka-go's plain.Mechanism holds
// the password in an exported field) from fmt and slog: a Dialer or
// Transport printed with %+v shows the mechanism's name only.
type redacted struct{ m sasl.Mechanism }

func (r redacted) Name() string { return r.m.Name() }
func (r redacted) Start(ctx context.Context) (sasl.StateMachine, []byte, error) {
	return r.m.Start(ctx)
}
func (r redacted) String() string   { return r.m.Name() + "(credentials redacted)" }
func (r redacted) GoString() string { return r.String() }

// Dialer returns a new kafka-go Dialer with c's TLS and SASL settings
// (consumer groups, Readers, Conns). A nil c returns kafka.DefaultDialer.
func (c *Conn) Dialer() *kafka.Dialer {
	if c == nil {
		return kafka.DefaultDialer
	}
	return &kafka.Dialer{Timeout: DialTimeout, DualStack: true, TLS: c.tls, SASLMechanism: c.mech}
}

// Transport returns a new kafka-go Transport with c's TLS and SASL settings
// (Writers, Clients). Its owner closes its idle connections when done.
func (c *Conn) Transport() *kafka.Transport {
	return TransportOf(c.Dialer())
}

// TransportOf returns a new Transport with d's TLS and SASL settings, for
// code handed a Dialer only; a nil d is PLAINTEXT.
func TransportOf(d *kafka.Dialer) *kafka.Transport {
	tr := &kafka.Transport{}
	if d != nil {
		tr.TLS, tr.SASL = d.TLS, d.SASLMechanism
	}
	return tr
}

// String describes c for logs: "PLAINTEXT", "TLS", "TLS, SASL
// SCRAM-SHA-256 as alice"; never the password.
func (c *Conn) String() string {
	if c == nil || (c.tls == nil && c.mech == nil) {
		return "PLAINTEXT"
	}
	s := "TLS"
	switch {
	case c.tls == nil:
		s = "no TLS"
	case c.tls.InsecureSkipVerify:
		s = "TLS (certificates not verified)"
	case len(c.tls.Certificates) > 0:
		s = "mutual TLS"
	}
	if c.mech != nil {
		s += ", SASL " + c.mech.Name() + " as " + c.user
	}
	return s
}
