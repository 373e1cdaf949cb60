package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/models"
	"github.com/rnncast/rnncast/simulate"
)

// writeFile writes body to name in dir and returns the path.
func writeFile(t *testing.T, dir, name string, body []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRunRefusesToStart: a bad config or model stops the start with exit
// status 1 and a message naming the problem. The broker address is a port
// nothing listens on, so a start that got as far as Kafka would hang or
// fail differently.
func TestRunRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	modelPath := writeFile(t, dir, "demo.safetensors", models.Demo)
	badModel := writeFile(t, dir, "bad.safetensors", []byte("not a model"))
	base := "kafka:\n  brokers: [127.0.0.1:1]\nhttp:\n  listen: \"\"\n"
	f := func(name, yaml string, args []string, wantParts ...string) {
		t.Helper()
		cfg := writeFile(t, dir, name+".yaml", []byte(yaml))
		var stderr bytes.Buffer
		code := servePipeline(context.Background(), runOptions{configPath: cfg, modelPath: argOr(args, "")}, &stderr, nil)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1 (stderr %q)", name, code, stderr.String())
		}
		for _, p := range wantParts {
			if !strings.Contains(stderr.String(), p) {
				t.Errorf("%s: stderr %q does not contain %q", name, stderr.String(), p)
			}
		}
	}
	f("unknown-key", base+"model:\n  paht: x\n", nil, "line 6", "paht")
	f("bad-duration", base+"batch:\n  max_delay: 20\n", []string{modelPath}, "max_delay", "time.Duration")
	f("invalid-value", base+"window:\n  fill: zero\n", []string{modelPath}, "window.fill")
	f("no-model", base, nil, "no model", "--model")
	f("missing-model", base, []string{filepath.Join(dir, "absent.safetensors")}, "cannot load model", "absent.safetensors")
	f("bad-model", base, []string{badModel}, "cannot load model", "bad.safetensors")
	f("model-in-config-missing", base+"model:\n  path: "+filepath.Join(dir, "gone.safetensors")+"\n", nil, "gone.safetensors")
	f("bad-port", "kafka:\n  brokers: [127.0.0.1:1]\nhttp:\n  listen: 127.0.0.1:-1\n", []string{modelPath}, "http.listen")
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	f("busy-http", "kafka:\n  brokers: [127.0.0.1:1]\nhttp:\n  listen: "+busy.Addr().String()+"\n", []string{modelPath}, "cannot listen for HTTP", busy.Addr().String())

	var stderr bytes.Buffer
	if code := servePipeline(context.Background(), runOptions{configPath: filepath.Join(dir, "none.yaml")}, &stderr, nil); code != 1 || !strings.Contains(stderr.String(), "none.yaml") {
		t.Errorf("missing config: exit %d, stderr %q; want 1 naming none.yaml", code, stderr.String())
	}
}

func argOr(args []string, def string) string {
	if len(args) > 0 {
		return args[0]
	}
	return def
}

// TestRunSIGTERM builds the binary, runs `rnncast run` against kfake and
// against the real broker until forecasts come out, sends SIGTERM, and
// checks that it exits 0 having committed every record it consumed.
func TestRunSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t, t.TempDir())
	t.Run("kfake", func(t *testing.T) { testRunSIGTERM(t, bin, kafkatest.Kfake(t)) })
	t.Run("real", func(t *testing.T) { testRunSIGTERM(t, bin, kafkatest.Real(t)) })
}

func testRunSIGTERM(t *testing.T, bin string, c *kafkatest.Cluster) {
	const partitions = 3
	in, out, dead, group := kafkatest.Name(t, "in"), kafkatest.Name(t, "out"), kafkatest.Name(t, "dead"), kafkatest.Name(t, "group")
	stateTopic := kafkatest.Name(t, "state") // created by rnncast run
	for _, topic := range []string{in, out, dead} {
		c.CreateTopic(t, topic, partitions, nil)
	}
	msgs := simulatedMessages(t, 6, 120)
	c.Produce(t, in, msgs...)
	dir := t.TempDir()
	cfg := writeFile(t, dir, "pipeline.yaml", []byte(fmt.Sprintf("kafka:\n  brokers: [%s]\n  input_topic: %s\n  output_topic: %s\n"+
		"  dead_letter_topic: %s\n  state_topic: %s\n  group: %s\n  commit_interval: 1h\nhttp:\n  listen: 127.0.0.1:0\nshutdown_timeout: 10s\n",
		c.Brokers[0], in, out, dead, stateTopic, group)))
	cmd := exec.Command(bin, "run", "--config", cfg, "--model", writeFile(t, dir, "m.safetensors", models.Demo))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }) // no-op once it has exited
	logs := make(chan map[string]any, 1000)
	var raw lockedBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("rnncast run's log:\n%s", raw.String())
		}
	})
	go readJSONLogs(io.TeeReader(stderr, &raw), logs)
	addr := waitLog(t, logs, "rnncast: serving /metrics, /healthz, /readyz")["addr"].(string)
	// Wait until every record is consumed, then stop: with a commit
	// interval of an hour, the commit that the test sees is the one the
	// SIGTERM drain makes.
	// (records_in counts a record when it is fetched, forecasts_out when
	// its forecast is acknowledged: wait for both.)
	waitFor(t, 60*time.Second, "every record consumed and forecasts out", func() bool {
		return metricValue(t, addr, "rnncast_records_in_total") >= float64(len(msgs)) &&
			metricValue(t, addr, "rnncast_forecasts_out_total") > 0
	})
	// Forecasts can flow from one partition while another still restores,
	// so readiness may lag the first forecast a little.
	waitFor(t, 30*time.Second, "/readyz 200", func() bool { return httpCode(t, "http://"+addr+"/readyz") == 200 })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitLog(t, logs, "rnncast: drained and committed")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("rnncast run after SIGTERM: %v, want exit 0", err)
	}
	ends, committed := c.EndOffsets(t, in), c.CommittedOffsets(t, group, in)
	maps.DeleteFunc(ends, func(_ int, end int64) bool { return end == 0 }) // empty partitions commit nothing
	if !maps.Equal(committed, ends) {
		t.Errorf("committed offsets %v, want the end offsets %v", committed, ends)
	}
}

// simulatedMessages returns ticks rounds of n sensors' simulated readings.
func simulatedMessages(t *testing.T, n, ticks int) []kafka.Message {
	t.Helper()
	g, err := simulate.New(simulate.DefaultConfig(n, 3))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []kafka.Message
	now := time.Now()
	for g.Tick() < int64(ticks) {
		msgs = append(msgs, message(g.Next(), now))
	}
	return msgs
}

func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "rnncast")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// lockedBuffer is a bytes.Buffer safe for one writer and one reader.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func readJSONLogs(r io.Reader, out chan<- map[string]any) {
	defer close(out)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out <- m
		}
	}
}

// waitLog returns the first log entry with message msg.
func waitLog(t *testing.T, logs <-chan map[string]any, msg string) map[string]any {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case m, ok := <-logs:
			if !ok {
				t.Fatalf("process exited before logging %q", msg)
			}
			if m["msg"] == msg {
				return m
			}
			if m["level"] == "ERROR" {
				t.Logf("logged error: %v", m)
			}
		case <-timeout:
			t.Fatalf("no log %q within 60s", msg)
		}
	}
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func httpCode(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// metricValue returns the value of an unlabelled sample on /metrics, or 0.
func metricValue(t *testing.T, addr, name string) float64 {
	t.Helper()
	v, err := scrapeValue(addr, name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// scrapeValue is metricValue for goroutines other than the test's.
func scrapeValue(addr, name string) (float64, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var v float64
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			if _, err := fmt.Sscan(rest, &v); err == nil {
				return v, nil
			}
		}
	}
	return 0, sc.Err()
}
