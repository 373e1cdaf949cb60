package kafkaconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/segmentio/kafka-go"
)

// Preflight connects to the bootstrap brokers and authenticates as every
// client of rnncast will, before anything is consumed: for the first
// broker that answers, a TLS-only connection sends ApiVersions (allowed
// before SASL), then a second, fully authenticated connection reads the
// cluster's metadata. Each step is bounded by DialTimeout and ctx. When no
// broker passes, the error names each broker's cause in plain words:
// "authentication failed", "not a TLS listener", "certificate signed by an
// unknown authority", and so on (kafka-go's Writer would report only
// "unexpected EOF").
func (c *Conn) Preflight(ctx context.Context, brokers []string) error {
	if len(brokers) == 0 {
		return errors.New("kafka: preflight: no brokers")
	}
	var errs []error
	for _, b := range brokers {
		err := c.check(ctx, b)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("broker %s: %w", b, err))
		if ctx.Err() != nil {
			break // stopped or out of time: report what was learnt
		}
	}
	return fmt.Errorf("kafka: cannot connect (%s) to any broker: %w", c, errors.Join(errs...))
}

// check runs the two steps against one broker.
func (c *Conn) check(ctx context.Context, broker string) error {
	noSASL := c.Dialer()
	if noSASL == kafka.DefaultDialer {
		noSASL = &kafka.Dialer{Timeout: DialTimeout, DualStack: true} // never change the shared default
	}
	noSASL.SASLMechanism = nil
	if err := c.step(ctx, noSASL, broker, func(k *kafka.Conn) error { _, err := k.ApiVersions(); return err }); err != nil {
		return c.explain(err, false)
	}
	if err := c.step(ctx, c.Dialer(), broker, func(k *kafka.Conn) error { _, err := k.Brokers(); return err }); err != nil {
		return c.explain(err, true)
	}
	return nil
}

// step dials broker with d and runs fn on the connection, all within
// DialTimeout.
func (c *Conn) step(ctx context.Context, d *kafka.Dialer, broker string, fn func(*kafka.Conn) error) error {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	k, err := d.DialContext(ctx, "tcp", broker)
	if err != nil {
		return err
	}
	defer k.Close()
	if dl, ok := ctx.Deadline(); ok {
		k.SetDeadline(dl)
	}
	return fn(k)
}

// explain turns a preflight error into a sentence naming its likely cause.
// authStep is true for the second, authenticated step.
func (c *Conn) explain(err error, authStep bool) error {
	tlsOn, saslOn := c != nil && c.tls != nil, c != nil && c.mech != nil
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		header    tls.RecordHeaderError
		kerr      kafka.Error
	)
	msg := err.Error()
	switch {
	case errors.As(err, &unknownCA):
		return fmt.Errorf("TLS: the broker's certificate is signed by an unknown authority: set kafka.tls.ca_file (--tls-ca) to the CA that signs it: %w", err)
	case errors.As(err, &hostname):
		return fmt.Errorf("TLS: the broker's certificate is not valid for the name dialed: set kafka.tls.server_name (--tls-server-name) to a name it holds: %w", err)
	case errors.As(err, &invalid):
		return fmt.Errorf("TLS: the broker's certificate is not valid: %w", err)
	case errors.As(err, &header):
		return fmt.Errorf("TLS: the broker did not answer with TLS: the port is probably a PLAINTEXT or SASL_PLAINTEXT listener: %w", err)
	case strings.Contains(msg, "tls: certificate required"), strings.Contains(msg, "tls: bad certificate"),
		strings.Contains(msg, "tls: unknown certificate authority"), strings.Contains(msg, "tls: unknown certificate"):
		return fmt.Errorf("TLS: the broker rejected the client certificate (the listener requires mutual TLS): set kafka.tls.cert_file and key_file (--tls-cert, --tls-key) to a certificate its truststore accepts: %w", err)
	case errors.As(err, &kerr):
		return explainKafka(kerr, c, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot reach the broker: connection refused: %w", err)
	case timeout(err) && tlsOn && !authStep:
		return fmt.Errorf("TLS: the handshake timed out: the port is probably a PLAINTEXT listener (the broker waits for a Kafka request): %w", err)
	case timeout(err):
		return fmt.Errorf("the broker did not answer in time (at most %v a step): %w", DialTimeout, err)
	case closed(err) && !tlsOn:
		return fmt.Errorf("the broker closed the connection: the port is probably a TLS (SSL or SASL_SSL) listener: set kafka.tls.enabled (--tls): %w", err)
	case closed(err) && !authStep:
		return fmt.Errorf("TLS: the broker closed the connection during the handshake: the port is probably a PLAINTEXT listener, or it requires a client certificate: %w", err)
	case closed(err) && !saslOn:
		return fmt.Errorf("the broker closed the connection after the TLS handshake: the listener probably requires SASL: set kafka.sasl (--sasl-mechanism): %w", err)
	}
	return err
}

func explainKafka(kerr kafka.Error, c *Conn, err error) error {
	if c == nil || c.mech == nil {
		return err
	}
	switch kerr {
	case kafka.SASLAuthenticationFailed:
		return fmt.Errorf("SASL authentication failed: the broker rejected user %q with %s: wrong username or password, or the user has no %s credential: %w",
			c.user, c.mech.Name(), c.mech.Name(), err)
	case kafka.UnsupportedSASLMechanism:
		return fmt.Errorf("SASL: the broker does not enable mechanism %s on this listener (see its sasl.enabled.mechanisms): %w", c.mech.Name(), err)
	case kafka.IllegalSASLState:
		return fmt.Errorf("SASL: the listener does not take SASL (a PLAINTEXT or SSL listener): unset kafka.sasl or use its SASL port: %w", err)
	case kafka.ClusterAuthorizationFailed, kafka.TopicAuthorizationFailed:
		return fmt.Errorf("authorization: the user %q lacks a permission (ACL): %w", c.user, err)
	}
	return err
}

func timeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

func closed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}
