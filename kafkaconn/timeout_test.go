package kafkaconn

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rnncast/rnncast/config"
)

// silentListener accepts connections and never answers, as a PLAINTEXT
// broker does with a TLS ClientHello it reads as the start of a request.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

// TestPreflightTimeouts: a broker that never answers fails the preflight
// within the caller's deadline, saying which step timed out.
func TestPreflightTimeouts(t *testing.T) {
	addr := silentListener(t)
	f := func(tl config.TLS, want string) {
		t.Helper()
		c, err := New(tl, config.SASL{}, noEnv)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		err = c.Preflight(ctx, []string{addr})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Preflight against a silent broker = %v, want an error containing %q", err, want)
		}
	}
	f(config.TLS{Enabled: true}, "handshake timed out")
	f(config.TLS{}, "did not answer")
}

func TestPreflightRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	err = (&Conn{}).Preflight(context.Background(), []string{addr})
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), addr) {
		t.Errorf("Preflight against a closed port = %v, want connection refused naming %s", err, addr)
	}
	if err := (&Conn{}).Preflight(context.Background(), nil); err == nil {
		t.Error("Preflight with no brokers succeeded")
	}
}
