package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rnncast/rnncast/config"
	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/models"
)

// secureRun is one `rnncast run` (in process) against the real broker's
// TLS and SASL listeners; the test's topics are made and read over its
// PLAINTEXT listener.
type secureRun struct {
	c                    *kafkatest.Cluster
	s                    *kafkatest.Secure
	in, out, dead, group string
	state                string
	dir, model, password string
	produced             int
}

func newSecureRun(t *testing.T) *secureRun {
	t.Helper()
	s := kafkatest.RealSecure(t)
	r := &secureRun{c: &kafkatest.Cluster{Brokers: []string{s.Plaintext}}, s: s, dir: t.TempDir(),
		in: kafkatest.Name(t, "in"), out: kafkatest.Name(t, "out"), dead: kafkatest.Name(t, "dead"),
		group: kafkatest.Name(t, "group"), state: kafkatest.Name(t, "state")}
	pw, err := os.ReadFile(s.PasswordFile)
	if err != nil {
		t.Fatal(err)
	}
	r.password = strings.TrimSpace(string(pw))
	r.model = writeFile(t, r.dir, "m.safetensors", models.Demo)
	for _, topic := range []string{r.in, r.out, r.dead} {
		r.c.CreateTopic(t, topic, 2, nil)
	}
	msgs := simulatedMessages(t, 4, 60) // past the demo model's warm-up of 48
	r.c.Produce(t, r.in, msgs...)
	r.produced = len(msgs)
	return r
}

// config returns a pipeline.yaml for broker with the given kafka.tls and
// kafka.sasl blocks (YAML, indented under kafka).
func (r *secureRun) config(t *testing.T, broker, security string) string {
	t.Helper()
	return writeFile(t, r.dir, kafkatest.Name(t, "cfg")+".yaml", []byte(fmt.Sprintf(
		"kafka:\n  brokers: [%s]\n  input_topic: %s\n  output_topic: %s\n  dead_letter_topic: %s\n  state_topic: %s\n  group: %s\n%s"+
			"http:\n  listen: 127.0.0.1:0\nlog:\n  format: json\nshutdown_timeout: 10s\n",
		broker, r.in, r.out, r.dead, r.state, r.group, security)))
}

func (r *secureRun) tlsBlock() string {
	return fmt.Sprintf("  tls:\n    enabled: true\n    ca_file: %s\n", r.s.CA)
}

func (r *secureRun) saslBlock(mech string, withFile bool) string {
	b := fmt.Sprintf("  sasl:\n    mechanism: %s\n    username: %s\n", mech, r.s.User)
	if withFile {
		b += "    password_file: " + r.s.PasswordFile + "\n"
	}
	return b
}

// serve runs `rnncast run` in process until every produced record is
// consumed and forecasts are out, then stops it and checks the drain:
// exit 0 and every offset committed. It returns the process's log and
// what /metrics and the web view served, for the password checks.
func (r *secureRun) serve(t *testing.T, o runOptions) (logs string, pages []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr lockedBuffer
	addrc := make(chan string, 1)
	code := make(chan int, 1)
	go func() { code <- servePipeline(ctx, o, &stderr, func(a string) { addrc <- a }) }()
	var addr string
	select {
	case addr = <-addrc:
	case c := <-code:
		t.Fatalf("rnncast run exited %d before serving HTTP:\n%s", c, stderr.String())
	}
	waitForOrExit(t, code, &stderr, "every record consumed and forecasts out", func() bool {
		in, err1 := scrapeValue(addr, "rnncast_records_in_total")
		out, err2 := scrapeValue(addr, "rnncast_forecasts_out_total")
		return err1 == nil && err2 == nil && in >= float64(r.produced) && out > 0
	})
	for _, path := range []string{"/metrics", "/", "/healthz", "/readyz"} {
		pages = append(pages, get(t, "http://"+addr+path))
	}
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("rnncast run exited %d after the stop, want 0:\n%s", c, stderr.String())
	}
	ends, committed := r.c.EndOffsets(t, r.in), r.c.CommittedOffsets(t, r.group, r.in)
	maps.DeleteFunc(ends, func(_ int, end int64) bool { return end == 0 })
	if !maps.Equal(committed, ends) {
		t.Errorf("committed offsets %v, want the end offsets %v", committed, ends)
	}
	if got := r.c.ReadAll(t, r.out, 1, 30*time.Second); len(got) == 0 {
		t.Errorf("no forecast on %s", r.out)
	}
	return stderr.String(), pages
}

func waitForOrExit(t *testing.T, code <-chan int, stderr *lockedBuffer, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for !cond() {
		select {
		case c := <-code:
			t.Fatalf("rnncast run exited %d while waiting for %s:\n%s", c, what, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 90s:\n%s", what, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func checkNoPassword(t *testing.T, password string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, password) {
			t.Errorf("the SASL password appears in:\n%.2000s", s)
		}
	}
}

// TestSASLRun: rnncast run consumes and forecasts over SASL_SSL with each
// mechanism (the password from password_file, or for SCRAM-SHA-512 from
// RNNCAST_KAFKA_PASSWORD), checkpoints, drains and commits; the password
// is in none of its log, /metrics, the web view or the probes.
func TestSASLRun(t *testing.T) {
	for _, mech := range config.Mechanisms {
		t.Run(mech, func(t *testing.T) {
			r := newSecureRun(t)
			fromFile := mech != "SCRAM-SHA-512"
			if !fromFile {
				t.Setenv(config.EnvKafkaPassword, r.password)
			}
			cfg := r.config(t, r.s.SASLSSL, r.tlsBlock()+r.saslBlock(mech, fromFile))
			logs, pages := r.serve(t, runOptions{configPath: cfg, modelPath: r.model})
			if !strings.Contains(logs, "SASL "+mech+" as "+r.s.User) {
				t.Errorf("the log does not say how rnncast connected (SASL %s as %s):\n%s", mech, r.s.User, logs)
			}
			checkNoPassword(t, r.password, append(pages, logs)...)
		})
	}
}

// TestSASLRunFlags: the TLS and SASL flags of rnncast run override a config
// that has neither.
func TestSASLRunFlags(t *testing.T) {
	r := newSecureRun(t)
	cfg := r.config(t, r.s.SASLSSL, "")
	var stderr bytes.Buffer
	o := runOptions{}
	fs := runFlags(&o, &stderr)
	if err := fs.Parse([]string{"--config", cfg, "--model", r.model, "--tls", "--tls-ca", r.s.CA,
		"--sasl-mechanism", "SCRAM-SHA-256", "--sasl-username", r.s.User, "--sasl-password-file", r.s.PasswordFile}); err != nil {
		t.Fatal(err)
	}
	logs, pages := r.serve(t, o)
	checkNoPassword(t, r.password, append(pages, logs)...)
}

// TestTLSRunMutual: rnncast run over a listener that requires a client
// certificate.
func TestTLSRunMutual(t *testing.T) {
	r := newSecureRun(t)
	cfg := r.config(t, r.s.SSL, fmt.Sprintf("  tls:\n    enabled: true\n    ca_file: %s\n    cert_file: %s\n    key_file: %s\n",
		r.s.CA, r.s.ClientCert, r.s.ClientKey))
	logs, _ := r.serve(t, runOptions{configPath: cfg, modelPath: r.model})
	if !strings.Contains(logs, "mutual TLS") {
		t.Errorf("the log does not say mutual TLS:\n%s", logs)
	}
}

// TestSASLRunRefusesToStart: each wrong setting exits 1 before anything is
// consumed, with a message naming the cause and without the password.
func TestSASLRunRefusesToStart(t *testing.T) {
	r := newSecureRun(t)
	wrong := writeFile(t, r.dir, "wrong.password", []byte("wrong-password-123\n"))
	f := func(name, broker, security string, wantParts ...string) {
		t.Helper()
		cfg := r.config(t, broker, security)
		var stderr bytes.Buffer
		if code := servePipeline(context.Background(), runOptions{configPath: cfg, modelPath: r.model}, &stderr, nil); code != 1 {
			t.Errorf("%s: exit %d, want 1:\n%s", name, code, stderr.String())
		}
		for _, p := range wantParts {
			if !strings.Contains(stderr.String(), p) {
				t.Errorf("%s: stderr %q does not contain %q", name, stderr.String(), p)
			}
		}
		checkNoPassword(t, r.password, stderr.String())
		checkNoPassword(t, "wrong-password-123", stderr.String())
	}
	tlsOn := r.tlsBlock()
	scram := r.saslBlock("SCRAM-SHA-256", true)
	f("wrong password", r.s.SASLSSL, tlsOn+fmt.Sprintf("  sasl:\n    mechanism: SCRAM-SHA-512\n    username: %s\n    password_file: %s\n", r.s.User, wrong),
		"SASL authentication failed", r.s.User)
	f("wrong plain password", r.s.SASLSSL, tlsOn+fmt.Sprintf("  sasl:\n    mechanism: PLAIN\n    username: %s\n    password_file: %s\n", r.s.User, wrong),
		"SASL authentication failed")
	f("unknown CA", r.s.SASLSSL, fmt.Sprintf("  tls:\n    enabled: true\n    ca_file: %s\n", r.s.OtherCA)+scram, "unknown authority", "kafka.tls.ca_file")
	f("plaintext against TLS", r.s.SASLSSL, scram, "probably a TLS", "kafka.tls.enabled")
	f("TLS against plaintext", r.s.Plaintext, tlsOn+scram, "PLAINTEXT listener")
	f("mechanism not enabled", r.s.SCRAM512, tlsOn+r.saslBlock("PLAIN", true), "does not enable mechanism PLAIN")
	f("no client certificate", r.s.SSL, tlsOn, "client certificate", "kafka.tls.cert_file")
	f("no password", r.s.SASLSSL, tlsOn+r.saslBlock("SCRAM-SHA-256", false), "no password", config.EnvKafkaPassword)
	f("bad mechanism", r.s.SASLSSL, tlsOn+"  sasl:\n    mechanism: GSSAPI\n    username: u\n", "kafka.sasl.mechanism")
	if ends := r.c.CommittedOffsets(t, r.group, r.in); len(ends) != 0 {
		t.Errorf("committed offsets %v after refused starts, want none", ends)
	}
}

// TestSASLClients: simulate, backtest -topic (with -to-topic), train -topic
// and bench --brokers work over SASL_SSL with the flags.
func TestSASLClients(t *testing.T) {
	r := newSecureRun(t)
	flags := []string{"--tls", "--tls-ca", r.s.CA, "--sasl-mechanism", "SCRAM-SHA-512", "--sasl-username", r.s.User,
		"--sasl-password-file", r.s.PasswordFile}
	run := func(name string, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := runCommand(args, flags, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d:\n%s\n%s", name, code, stdout.String(), stderr.String())
		}
		checkNoPassword(t, r.password, stdout.String(), stderr.String())
		return stdout.String()
	}
	sim := kafkatest.Name(t, "sim")
	run("simulate", "simulate", "--brokers", r.s.SASLSSL, "--topic", sim, "--create", "2", "--sensors", "3",
		"--rate", "2000", "--duration", "2s", "--gap-rate", "0", "--malformed-rate", "0")
	if n := len(r.c.ReadToEnd(t, sim, 30*time.Second)); n == 0 {
		t.Fatalf("simulate over SASL_SSL produced nothing to %s", sim)
	}
	run("backtest -topic", "backtest", "-model", r.model, "-brokers", r.s.SASLSSL, "-topic", r.in, "-to-topic", r.out)
	if got := r.c.ReadAll(t, r.out, 1, 30*time.Second); len(got) == 0 {
		t.Errorf("backtest -to-topic over SASL_SSL wrote no forecast")
	}
	run("train -topic", "train", "-brokers", r.s.SASLSSL, "-topic", sim, "-interval", "1h", "-target", "v",
		"-hidden", "4", "-horizon", "6", "-window", "24", "-epochs", "1", "-quiet", "-out", filepath.Join(r.dir, "trained.safetensors"))
	out := run("bench", "bench", "--brokers", r.s.SASLSSL, "--records", "2000", "--sensors", "20", "--partitions", "2",
		"--duration", "1s", "--state=false")
	if !strings.Contains(out, "throughput ratio") {
		t.Errorf("bench over SASL_SSL printed no ratio:\n%s", out)
	}
	cfg := filepath.Join(r.dir, "topics.yaml")
	in := kafkatest.Name(t, "topics-in")
	yaml := fmt.Sprintf("kafka:\n  input_topic: %s\n  output_topic: %s-out\n  dead_letter_topic: %s-dead\n  state_topic: %s-state\n", in, in, in, in)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	run("topics create", "topics", "create", "--config", cfg, "--brokers", r.s.SASLSSL, "--partitions", "2", "--replication-factor", "1")
	run("topics check", "topics", "check", "--config", cfg, "--brokers", r.s.SASLSSL)
	if ps := r.c.EndOffsets(t, in+"-state"); len(ps) != 2 {
		t.Errorf("topics create over SASL_SSL: state topic has %d partitions, want 2", len(ps))
	}
}

// runCommand runs rnncast's command line with args and then extra flags.
func runCommand(args, extra []string, stdout, stderr io.Writer) int {
	return run(append(append([]string{}, args...), extra...), stdout, stderr)
}
