package faulttest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/internal/modeltest"
	"github.com/rnncast/rnncast/scale"
	"github.com/segmentio/kafka-go"
)

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// binary builds cmd/rnncast once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "rnncast-faulttest-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "rnncast")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/rnncast/rnncast/cmd/rnncast").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("faulttest: cannot build rnncast: %v", buildErr)
	}
	return binPath
}

// Shape of the test model and data.
const (
	hidden, layers, window, horizon = 32, 2, 16, 4
	rows                            = 480 // hours of ETTh1 replayed per sensor
	parts                           = 4   // input partitions
)

// writeModel saves a seeded random GRU (one input, hourly) to dir and
// returns its path. seed changes the weights (another model). It scales
// each sensor by its own running statistics (sensor scaling), so that the
// state every fault must carry bit for bit includes them.
func writeModel(t *testing.T, dir string, seed uint64) string {
	t.Helper()
	m, err := modeltest.GRU{Name: "fault-gru", Version: fmt.Sprint(seed), Hidden: hidden, Layers: layers,
		Window: window, Horizon: horizon, Interval: time.Hour, Mode: "stateful",
		Scaling: scale.Sensor, HalfLife: 48, Seed1: seed, Seed2: 17, Scale: 0.5}.Build()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("model-%d.safetensors", seed))
	if err := m.Save(path); err != nil {
		t.Fatalf("cannot save the test model: %v", err)
	}
	return path
}

// ettMessages returns the first rows hours of ETTh1's seven columns as
// seven sensors' readings, hour by hour (all sensors of an hour together).
func ettMessages(t *testing.T) []kafka.Message {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "testdata", "ett", "ETTh1.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("cannot open the ETTh1 data: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	names := strings.Split(sc.Text(), ",")[1:]
	var msgs []kafka.Message
	for i := 0; i < rows && sc.Scan(); i++ {
		fields := strings.Split(sc.Text(), ",")
		ts, err := time.Parse("2006-01-02 15:04:05", fields[0])
		if err != nil {
			t.Fatalf("ETTh1 row %d: %v", i, err)
		}
		for j, name := range names {
			v, err := strconv.ParseFloat(fields[j+1], 64)
			if err != nil {
				t.Fatalf("ETTh1 row %d column %s: %v", i, name, err)
			}
			msgs = append(msgs, kafka.Message{Key: []byte(name),
				Value: fmt.Appendf(nil, `{"ts":%q,"value":%s}`, ts.UTC().Format(time.RFC3339), strconv.FormatFloat(v, 'g', -1, 64))})
		}
	}
	if len(msgs) != rows*len(names) {
		t.Fatalf("read %d readings from ETTh1, want %d", len(msgs), rows*len(names))
	}
	return msgs
}

// chunks splits msgs into n consecutive parts.
func chunks(msgs []kafka.Message, n int) [][]kafka.Message {
	var out [][]kafka.Message
	for i := range n {
		out = append(out, msgs[i*len(msgs)/n:(i+1)*len(msgs)/n])
	}
	return out
}

// EnvNoState, when set, runs every deployment with state.enabled false:
// the mutation check that the fault tests detect lost state (they must
// then fail; see docs/design/state.md).
const EnvNoState = "RNNCAST_FAULTTEST_NO_STATE"

// setup is one pipeline deployment's topics, group and config file.
type setup struct {
	c                               *kafkatest.Cluster
	in, out, dlq, state, group, cfg string
}

// newSetup creates the topics of one deployment and writes its config.
func newSetup(t *testing.T, c *kafkatest.Cluster, name, modelPath string) *setup {
	t.Helper()
	s := newNames(t, c, name)
	for _, topic := range []string{s.in, s.out, s.dlq} {
		c.CreateTopic(t, topic, parts, nil)
	}
	s.writeConfig(t, modelPath, "")
	return s
}

// newNames names the topics and group of one deployment.
func newNames(t *testing.T, c *kafkatest.Cluster, name string) *setup {
	return &setup{c: c, in: kafkatest.Name(t, name+"-in"), out: kafkatest.Name(t, name+"-out"),
		dlq: kafkatest.Name(t, name+"-dlq"), state: kafkatest.Name(t, name+"-state"), group: kafkatest.Name(t, name+"-group")}
}

// writeConfig writes the deployment's pipeline.yaml; httpListen is the
// address of /metrics and /healthz ("" for none).
func (s *setup) writeConfig(t *testing.T, modelPath, httpListen string) {
	t.Helper()
	s.cfg = filepath.Join(t.TempDir(), "pipeline.yaml")
	yaml := fmt.Sprintf(`kafka:
  brokers: [%s]
  input_topic: %s
  output_topic: %s
  dead_letter_topic: %s
  state_topic: %s
  group: %s
  start_offset: earliest
  commit_interval: 200ms
  session_timeout: 3s
model:
  path: %s
batch:
  max_records: 64
  max_delay: 5ms
http:
  listen: %q
log:
  level: info
  format: text
state:
  enabled: %v
  checkpoint_interval: 200ms
shutdown_timeout: 15s
`, quoteAll(s.c.Brokers), s.in, s.out, s.dlq, s.state, s.group, modelPath, httpListen, os.Getenv(EnvNoState) == "")
	if err := os.WriteFile(s.cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
}

// quoteAll is addrs as the items of a YAML flow list.
func quoteAll(addrs []string) string {
	q := make([]string, len(addrs))
	for i, a := range addrs {
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, ", ")
}

// proc is one rnncast run child process.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	log  string
}

// startProc starts rnncast run on s's config; the test's cleanup kills it
// (by its pid) if it is still running.
func startProc(t *testing.T, s *setup, name string) *proc {
	t.Helper()
	p := &proc{log: filepath.Join(t.TempDir(), name+".log"), done: make(chan struct{})}
	logf, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(binary(t), "run", "--config", s.cfg)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("cannot start rnncast: %v", err)
	}
	go func() {
		p.err = p.cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill(t)
		if t.Failed() {
			p.dump(t, name)
		}
	})
	return p
}

// kill sends SIGKILL to the process (if it still runs) and waits for it.
func (p *proc) kill(t *testing.T) {
	select {
	case <-p.done:
		return
	default:
	}
	if err := syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Errorf("cannot kill rnncast (pid %d): %v", p.cmd.Process.Pid, err)
	}
	<-p.done
}

// term sends SIGTERM and waits for a clean exit.
func (p *proc) term(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(p.cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatalf("cannot stop rnncast (pid %d): %v", p.cmd.Process.Pid, err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("rnncast (pid %d) exited with %v after SIGTERM, want 0", p.cmd.Process.Pid, p.err)
		}
	case <-time.After(45 * time.Second):
		t.Fatalf("rnncast (pid %d) did not exit within 45s of SIGTERM", p.cmd.Process.Pid)
	}
}

func (p *proc) dump(t *testing.T, name string) {
	if b, err := os.ReadFile(p.log); err == nil {
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		t.Logf("%s (pid %d) log, last lines:\n%s", name, p.cmd.Process.Pid, strings.Join(lines[max(0, len(lines)-15):], "\n"))
	}
}
