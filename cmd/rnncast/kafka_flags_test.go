package main

import (
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/rnncast/rnncast/config"
)

// TestKafkaFlagsApply: only the flags given replace the config's values.
func TestKafkaFlagsApply(t *testing.T) {
	f := func(args []string, want func(k *config.Kafka)) {
		t.Helper()
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		kf := addKafkaFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		base := func() config.Kafka {
			return config.Kafka{TLS: config.TLS{Enabled: true, CAFile: "file-ca.pem"},
				SASL: config.SASL{Mechanism: "PLAIN", Username: "file-user", PasswordFile: "file-pw"}}
		}
		got, w := base(), base()
		kf.apply(&got)
		want(&w)
		if got.TLS != w.TLS || got.SASL != w.SASL {
			t.Errorf("%q: got %+v %+v, want %+v %+v", args, got.TLS, got.SASL, w.TLS, w.SASL)
		}
	}
	f(nil, func(*config.Kafka) {})
	f([]string{"--tls-ca", "flag-ca.pem"}, func(k *config.Kafka) { k.TLS.CAFile = "flag-ca.pem" })
	f([]string{"--tls=false"}, func(k *config.Kafka) { k.TLS.Enabled = false })
	f([]string{"--sasl-mechanism", "SCRAM-SHA-256", "--sasl-username", "u", "--sasl-password-file", "p"}, func(k *config.Kafka) {
		k.SASL = config.SASL{Mechanism: "SCRAM-SHA-256", Username: "u", PasswordFile: "p"}
	})
	f([]string{"--tls-cert", "c", "--tls-key", "k", "--tls-server-name", "n", "--tls-insecure-skip-verify"}, func(k *config.Kafka) {
		k.TLS.CertFile, k.TLS.KeyFile, k.TLS.ServerName, k.TLS.InsecureSkipVerify = "c", "k", "n", true
	})
	(*kafkaFlags)(nil).apply(&config.Kafka{}) // run's tests pass no flags
}

// TestBenchTLSNeedsBrokers: the in-process broker speaks PLAINTEXT only.
func TestBenchTLSNeedsBrokers(t *testing.T) {
	var stdout, stderr lockedBuffer
	if code := run([]string{"bench", "--tls", "--records", "10"}, &stdout, &stderr); code != 1 {
		t.Fatalf("bench --tls without --brokers: exit %d, want 1 (%s)", code, stderr.String())
	}
	if s := stderr.String(); !strings.Contains(s, "--brokers") || !strings.Contains(s, "PLAINTEXT") {
		t.Errorf("stderr %q does not explain that the TLS flags need --brokers", s)
	}
}
