package kafkatest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// scriptTimeout bounds one run of a scripts/kafka script (a start includes
// a first-time Maven fetch of the broker's jars).
const scriptTimeout = 5 * time.Minute

// lockTimeout bounds the wait for the shared broker's lock.
const lockTimeout = 10 * time.Minute

// broker is a real broker managed by scripts/kafka on a workdir.
type broker struct {
	workdir string
	lock    *os.File // shared broker only: held LOCK_SH, LOCK_EX while stopped
}

// StartBroker starts a private real broker from scripts/kafka, with its own
// workdir and free ports, and stops it when the test ends. A test may Stop,
// Kill, Start and Restart it without disturbing any other test. When java
// is absent it skips the test, or fails it when RNNCAST_REQUIRE_REAL=1.
func StartBroker(t testing.TB) *Cluster {
	t.Helper()
	if _, err := exec.LookPath("java"); err != nil {
		skipOrFail(t, "cannot start a Kafka broker: java not found")
	}
	b := &broker{workdir: t.TempDir()}
	// Registered after TempDir's removal, so it runs before it.
	t.Cleanup(func() { b.cleanup(t) })
	if err := b.script("start.sh", b.workdir); err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
	env, err := readEnv(b.workdir)
	if err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
	return &Cluster{Brokers: strings.Split(env[EnvBrokers], ","), broker: b}
}

// cleanup stops a private broker at the end of its test, and shows the end
// of its log when the test failed (the log goes with the test's TempDir).
func (b *broker) cleanup(t testing.TB) {
	if t.Failed() {
		if log, err := os.ReadFile(filepath.Join(b.workdir, "logs", "server.log")); err == nil {
			t.Logf("kafkatest: end of the broker's server.log:\n%s", tail(log, 40))
		}
	}
	if _, err := os.Stat(filepath.Join(b.workdir, "broker.env")); err != nil {
		return // never started
	}
	if err := b.script("stop.sh", b.workdir); err != nil {
		t.Errorf("kafkatest: %v", err)
	}
}

// tail returns the last n lines of b.
func tail(b []byte, n int) []byte {
	lines := 0
	for i := len(b) - 2; i >= 0; i-- {
		if b[i] == '\n' {
			if lines++; lines == n {
				return b[i+1:]
			}
		}
	}
	return b
}

// sharedBroker is the broker of scripts/test.sh, locked shared until the
// test ends.
func sharedBroker(t testing.TB, workdir string) *broker {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(workdir, "broker.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatalf("kafkatest: cannot open the broker lock: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	b := &broker{workdir: workdir, lock: f}
	if err := b.share(); err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
	return b
}

// share takes the broker lock shared, behind the gate.
func (b *broker) share() error {
	return b.withGate(syscall.LOCK_SH, func() error { return flock(b.lock, syscall.LOCK_SH) })
}

// own takes the broker lock exclusively: it waits until no other test
// holds the broker. Converting shared to exclusive drops the shared lock
// first, so two tests restarting at once do not deadlock: one waits.
func (b *broker) own() error {
	return b.withGate(syscall.LOCK_EX, func() error { return flock(b.lock, syscall.LOCK_EX) })
}

// release goes back from exclusive to shared after a restart.
func (b *broker) release() error {
	return flock(b.lock, syscall.LOCK_SH)
}

// withGate runs fn holding the gate lock. The gate gives a waiting restart
// priority over tests that want the broker: users hold broker.lock shared
// for a whole test, but the gate only while they take it. A restart holds
// the gate exclusively while it waits for broker.lock, so new users queue
// behind it instead of starving it (flock itself is not fair).
func (b *broker) withGate(how int, fn func() error) error {
	g, err := os.OpenFile(filepath.Join(b.workdir, "broker.gate"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("cannot open the broker gate: %w", err)
	}
	defer g.Close() // closing releases the gate
	if err := flock(g, how); err != nil {
		return err
	}
	return fn()
}

// Stop shuts the real broker down cleanly (SIGTERM); Start brings it back.
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	c.stop(t, false)
}

// Kill crashes the real broker (SIGKILL); Start brings it back and it
// recovers its log as after a power loss.
func (c *Cluster) Kill(t testing.TB) {
	t.Helper()
	c.stop(t, true)
}

// Start starts a real broker stopped by Stop or Kill, on the same ports and
// log dir, and waits until it serves requests.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	b := c.managed(t)
	if err := b.script("start.sh", b.workdir); err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
	if b.lock != nil {
		if err := b.release(); err != nil {
			t.Fatalf("kafkatest: %v", err)
		}
	}
}

// Restart stops the real broker cleanly and starts it again.
func (c *Cluster) Restart(t testing.TB) {
	t.Helper()
	c.Stop(t)
	c.Start(t)
}

func (c *Cluster) stop(t testing.TB, kill bool) {
	t.Helper()
	b := c.managed(t)
	if b.lock != nil {
		if err := b.own(); err != nil {
			t.Fatalf("kafkatest: %v", err)
		}
	}
	args := []string{b.workdir}
	if kill {
		args = []string{"--kill", b.workdir}
	}
	if err := b.script("stop.sh", args...); err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
}

func (c *Cluster) managed(t testing.TB) *broker {
	t.Helper()
	if c.broker == nil {
		t.Fatalf("kafkatest: cannot stop or start this cluster: only StartBroker's and the real broker with %s can be", EnvWorkdir)
	}
	return c.broker
}

// script runs scripts/kafka/<name> and returns its output in the error.
func (b *broker) script(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(scriptsDir(), name), args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("cannot run scripts/kafka/%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// scriptsDir is scripts/kafka of the source tree this file was built from.
func scriptsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "scripts", "kafka")
}

// readEnv parses <workdir>/broker.env.
func readEnv(workdir string) (map[string]string, error) {
	f, err := os.Open(filepath.Join(workdir, "broker.env"))
	if err != nil {
		return nil, fmt.Errorf("cannot read broker.env: %w", err)
	}
	defer f.Close()
	env := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), "="); ok {
			env[k] = v
		}
	}
	if env[EnvBrokers] == "" {
		return nil, errors.New("broker.env names no brokers")
	}
	return env, s.Err()
}

// flock takes how (LOCK_SH or LOCK_EX) on f, waiting up to lockTimeout.
func flock(f *os.File, how int) error {
	deadline := time.Now().Add(lockTimeout)
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			return fmt.Errorf("cannot lock the shared broker: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
