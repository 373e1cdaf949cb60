package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// liveRate replaces Grafana's $__rate_interval in the live test: four
// scrapes at its one-second interval.
const liveRate = "4s"

// TestDashboardOnLivePrometheus runs what the compose stack runs, without
// Docker: `rnncast demo` (an in-process Kafka, the simulator and the
// pipeline) serves /metrics on a free port, Debian's Prometheus scrapes it
// with deploy/prometheus.yml (targets pointed at that port), and every
// dashboard query is asked of that Prometheus. Every query must be accepted,
// and the panels that a running pipeline always feeds must return data.
func TestDashboardOnLivePrometheus(t *testing.T) {
	promBin := lookTool(t, "prometheus")
	bin := buildRnncast(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	metricsAddr := freeAddr(t)
	startProcess(t, bin, "demo", "--http", metricsAddr, "--sensors", "20", "--speed", "40ms", "--every", "1h")
	promAddr := freeAddr(t)
	startProcess(t, promBin, "--config.file="+liveScrapeConfig(t, metricsAddr),
		"--storage.tsdb.path="+t.TempDir(), "--web.listen-address="+promAddr)

	api := "http://" + promAddr
	waitQuery(t, ctx, api, "rnncast_live_mae", "the demo's live error in Prometheus")
	waitQuery(t, ctx, api, "rate(rnncast_forecasts_out_total["+liveRate+"]) > 0", "a forecast rate")

	// Panels every query of which a running pipeline feeds (dead letters
	// and restores depend on luck and on the state topic).
	mustHaveData := []string{"Readings in", "Forecasts out", "Consumer lag", "Consumer lag by partition",
		"Sensors held", "Sensors held and state size", "Throughput", "End-to-end latency",
		"Model step latency and batch size", "Live error by horizon step (MAE, recent)",
		"Live error over time", "Model"}
	exprs := loadDashboard(t).exprs()
	keys := make([]string, 0, len(exprs))
	for k := range exprs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		n, err := query(ctx, api, strings.ReplaceAll(exprs[k], "$__rate_interval", liveRate))
		if err != nil {
			t.Errorf("%s: %v", k, err)
			continue
		}
		panelTitle, _, _ := strings.Cut(k, "/")
		if n == 0 && contains(mustHaveData, panelTitle) {
			t.Errorf("%s: query %q returned no series from a running pipeline", k, exprs[k])
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// lookTool returns a tool's path, skipping when it is absent unless
// RNNCAST_REQUIRE_REAL=1.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if requireReal() {
			t.Fatalf("%s not found and RNNCAST_REQUIRE_REAL=1: run scripts/install-test-deps.sh", name)
		}
		t.Skipf("%s not found (scripts/install-test-deps.sh installs it); set RNNCAST_REQUIRE_REAL=1 to fail instead", name)
	}
	return p
}

// freeAddr returns 127.0.0.1 and a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startProcess starts a process for the rest of the test: when the test
// ends it gets SIGTERM (SIGKILL after 10 s) by its pid, and is waited for.
// Its output is logged if the test fails.
func startProcess(t *testing.T, path string, args ...string) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("cannot start %s: %v", path, err)
	}
	exited := make(chan struct{})
	go func() { // owner: this test; ends when the process does
		defer close(exited)
		_ = cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("%s %v output:\n%s", filepath.Base(path), args, tailBytes(out.Bytes(), 3000))
		}
	})
}

func tailBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// liveScrapeConfig writes deploy/prometheus.yml with its rnncast target
// replaced by addr and a one-second scrape interval, and returns its path.
func liveScrapeConfig(t *testing.T, addr string) string {
	t.Helper()
	var cfg map[string]any
	if err := yaml.Unmarshal(readFile(t, "deploy/prometheus.yml"), &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["global"].(map[string]any)["scrape_interval"] = "1s"
	var jobs []any
	for _, j := range cfg["scrape_configs"].([]any) {
		job := j.(map[string]any)
		if job["job_name"] != "rnncast" {
			continue // the self-scrape job would need Prometheus's own port
		}
		job["static_configs"] = []any{map[string]any{"targets": []any{addr}}}
		jobs = append(jobs, job)
	}
	if len(jobs) != 1 {
		t.Fatalf("deploy/prometheus.yml: want one rnncast job, got %d", len(jobs))
	}
	cfg["scrape_configs"] = jobs
	data, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// query asks Prometheus an instant query and returns the number of series
// in the result.
func query(ctx context.Context, api, expr string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, api+"/api/v1/query?query="+url.QueryEscape(expr), nil)
	if err != nil {
		return 0, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		return 0, fmt.Errorf("query %q: %w", expr, err)
	}
	if body.Status != "success" {
		return 0, fmt.Errorf("query %q: %s", expr, body.Error)
	}
	return len(body.Data.Result), nil
}

// waitQuery polls until expr returns a series, failing after a generous
// wait (a failure, not a timing goal).
func waitQuery(t *testing.T, ctx context.Context, api, expr, what string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		n, err := query(ctx, api, expr)
		if err == nil && n > 0 {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("gave up waiting for %s (%s): %v", what, expr, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
