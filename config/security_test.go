package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateSecurity(t *testing.T) {
	f := func(name, yaml, wantKey, wantMsg string) {
		t.Helper()
		c, err := Parse([]byte(yaml))
		if err != nil {
			t.Fatalf("%s: Parse: %v", name, err)
		}
		err = c.Validate()
		if wantKey == "" {
			if err != nil {
				t.Errorf("%s: Validate = %v, want nil", name, err)
			}
			return
		}
		if err == nil {
			t.Fatalf("%s: Validate succeeded, want an error naming %s", name, wantKey)
		}
		if !strings.Contains(err.Error(), "config: "+wantKey+":") || !strings.Contains(err.Error(), wantMsg) {
			t.Errorf("%s: error %q does not name %s with %q", name, err, wantKey, wantMsg)
		}
	}
	f("tls on", "kafka:\n  tls:\n    enabled: true\n", "", "")
	f("mutual tls", "kafka:\n  tls: {enabled: true, ca_file: ca.pem, cert_file: c.pem, key_file: k.pem, server_name: kafka}\n", "", "")
	f("scram over tls", "kafka:\n  tls: {enabled: true}\n  sasl: {mechanism: SCRAM-SHA-512, username: u, password_file: p}\n", "", "")
	f("sasl without tls", "kafka:\n  sasl: {mechanism: SCRAM-SHA-256, username: u}\n", "", "")
	f("ca while off", "kafka:\n  tls: {ca_file: ca.pem}\n", "kafka.tls.ca_file", "kafka.tls.enabled is false")
	f("server name while off", "kafka:\n  tls: {server_name: k}\n", "kafka.tls.server_name", "kafka.tls.enabled is false")
	f("skip verify while off", "kafka:\n  tls: {insecure_skip_verify: true}\n", "kafka.tls.insecure_skip_verify", "enabled is false")
	f("cert without key", "kafka:\n  tls: {enabled: true, cert_file: c.pem}\n", "kafka.tls.cert_file", "set both or neither")
	f("key without cert", "kafka:\n  tls: {enabled: true, key_file: k.pem}\n", "kafka.tls.cert_file", "set both or neither")
	f("skip verify with ca", "kafka:\n  tls: {enabled: true, insecure_skip_verify: true, ca_file: ca.pem}\n", "kafka.tls.insecure_skip_verify", "verifies nothing")
	f("unknown mechanism", "kafka:\n  sasl: {mechanism: OAUTHBEARER, username: u}\n", "kafka.sasl.mechanism", `got "OAUTHBEARER"`)
	f("lower-case mechanism", "kafka:\n  sasl: {mechanism: plain, username: u}\n", "kafka.sasl.mechanism", `"PLAIN"`)
	f("no username", "kafka:\n  sasl: {mechanism: PLAIN}\n", "kafka.sasl.username", "must not be empty")
	f("username without mechanism", "kafka:\n  sasl: {username: u}\n", "kafka.sasl.mechanism", "must be one of")
}

func TestPasswordNotAConfigKey(t *testing.T) {
	_, err := Parse([]byte("kafka:\n  sasl:\n    mechanism: PLAIN\n    password: hunter2\n"))
	if err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Fatalf("Parse with kafka.sasl.password = %v, want an unknown-key error on line 4", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q contains the password", err)
	}
}

func TestPassword(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	f := func(name string, s SASL, lookup func(string) (string, bool), want, wantErr string) {
		t.Helper()
		got, err := s.Password(lookup, os.ReadFile)
		if wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), wantErr) {
				t.Errorf("%s: Password error = %v, want one containing %q", name, err, wantErr)
			}
			return
		}
		if err != nil || got.Reveal() != want {
			t.Errorf("%s: Password = %q, %v, want %q", name, got.Reveal(), err, want)
		}
	}
	none := env(nil)
	f("file", SASL{PasswordFile: write("p1", "s3cret\n")}, none, "s3cret", "")
	f("file crlf", SASL{PasswordFile: write("p2", "s3cret\r\n")}, none, "s3cret", "")
	f("file keeps inner space", SASL{PasswordFile: write("p3", " a b \n")}, none, " a b ", "")
	f("file one newline only", SASL{PasswordFile: write("p4", "x\n\n")}, none, "x\n", "")
	f("env", SASL{}, env(map[string]string{EnvKafkaPassword: "from-env"}), "from-env", "")
	f("both", SASL{PasswordFile: write("p5", "a")}, env(map[string]string{EnvKafkaPassword: "b"}), "", "use one of them")
	f("neither", SASL{Username: "alice"}, none, "", `no password for user "alice"`)
	f("empty env", SASL{}, env(map[string]string{EnvKafkaPassword: ""}), "", "set but empty")
	f("empty file", SASL{PasswordFile: write("p6", "\n")}, none, "", "is empty")
	f("missing file", SASL{PasswordFile: filepath.Join(dir, "nope")}, none, "", "cannot read the password")
}

// TestSecretNeverPrinted: the usual ways of printing a value that holds a
// password show "[redacted]".
func TestSecretNeverPrinted(t *testing.T) {
	const pw = "hunter2-very-secret"
	holder := struct {
		User     string
		Password Secret
	}{"alice", Secret(pw)}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "password", holder.Password, "holder", holder)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "password", holder.Password)
	js, err := json.Marshal(holder)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(holder.Password), fmt.Sprintf("%v %+v %#v %s %q", holder, holder, holder, holder.Password, holder.Password),
		string(js), logged.String(), fmt.Errorf("wrapped: %v", holder.Password).Error()} {
		if strings.Contains(s, pw) {
			t.Errorf("printed form %q contains the password", s)
		}
		if !strings.Contains(s, redacted) {
			t.Errorf("printed form %q does not say %s", s, redacted)
		}
	}
	if holder.Password.Reveal() != pw {
		t.Errorf("Reveal = %q, want the password", holder.Password.Reveal())
	}
}
