package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/models"
)

// TestRunSIGHUP reloads the model of a running rnncast run: a file that is
// not a model is rejected (log line, rnncast_model_reloads_total
// {result="rejected"}) and forecasts go on; a valid model with other
// weights and version is accepted and later forecasts carry its version.
func TestRunSIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	c := kafkatest.Kfake(t)
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	in, out, dead, group := kafkatest.Name(t, "in"), kafkatest.Name(t, "out"), kafkatest.Name(t, "dead"), kafkatest.Name(t, "group")
	for _, topic := range []string{in, out, dead} {
		c.CreateTopic(t, topic, 2, nil)
	}
	modelPath := writeFile(t, dir, "m.safetensors", models.Demo)
	cfg := writeFile(t, dir, "pipeline.yaml", []byte(fmt.Sprintf("kafka:\n  brokers: [%s]\n  input_topic: %s\n  output_topic: %s\n"+
		"  dead_letter_topic: %s\n  state_topic: %s\n  group: %s\n  commit_interval: 100ms\n  session_timeout: 3s\n"+
		"http:\n  listen: 127.0.0.1:0\nshutdown_timeout: 10s\n",
		c.Brokers[0], in, out, dead, kafkatest.Name(t, "state"), group)))
	cmd := exec.Command(bin, "run", "--config", cfg, "--model", modelPath)
	logs, raw := startLogged(t, cmd)
	addr := waitLog(t, logs, "rnncast: serving /metrics, /healthz, /readyz")["addr"].(string)
	c.Produce(t, in, simulatedMessages(t, 4, 60)...)
	waitFor(t, 60*time.Second, "forecasts out", func() bool { return metricValue(t, addr, "rnncast_forecasts_out_total") > 0 })

	writeFile(t, dir, "m.safetensors", []byte("not a model"))
	sendSignal(t, cmd, syscall.SIGHUP)
	waitLog(t, logs, "rnncast: model reload rejected, keeping the current model")
	if got := metricValue(t, addr, `rnncast_model_reloads_total{result="rejected"}`); got != 1 {
		t.Errorf("rejected reloads %v, want 1", got)
	}

	writeFile(t, dir, "m.safetensors", otherDemo(t))
	sendSignal(t, cmd, syscall.SIGHUP)
	waitLog(t, logs, "rnncast: serving the reloaded model")
	if got := metricValue(t, addr, `rnncast_model_reloads_total{result="ok"}`); got != 1 {
		t.Errorf("accepted reloads %v, want 1", got)
	}
	c.Produce(t, in, simulatedMessages(t, 4, 80)...)
	waitFor(t, 60*time.Second, "a forecast of the reloaded model", func() bool {
		for _, m := range c.ReadToEnd(t, out, 10*time.Second) {
			for _, h := range m.Headers {
				if h.Key == "model-version" && string(h.Value) == "reloaded" {
					return true
				}
			}
		}
		return false
	})
	sendSignal(t, cmd, syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("rnncast run after SIGTERM: %v, want exit 0\n%s", err, raw.String())
	}
}

// otherDemo is the demo model with other output biases and version.
func otherDemo(t *testing.T) []byte {
	t.Helper()
	m, err := model.Decode(models.Demo)
	if err != nil {
		t.Fatal(err)
	}
	m.Meta.Version = "reloaded"
	for i := range m.FCB {
		m.FCB[i] += 0.5
	}
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// startLogged starts cmd with its stderr parsed as JSON log lines; the
// test's cleanup kills it (by its pid) if it still runs.
func startLogged(t *testing.T, cmd *exec.Cmd) (<-chan map[string]any, *lockedBuffer) {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	logs := make(chan map[string]any, 1000)
	raw := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("rnncast run's log:\n%s", raw.String())
		}
	})
	go readJSONLogs(io.TeeReader(stderr, raw), logs)
	return logs, raw
}

func sendSignal(t *testing.T, cmd *exec.Cmd, sig os.Signal) {
	t.Helper()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatalf("cannot send %v to rnncast (pid %d): %v", sig, cmd.Process.Pid, err)
	}
}
