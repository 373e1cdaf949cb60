package deploy_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// stackProc is a process a test started and stops itself, by its pid: the
// test can send it SIGTERM and see how it exited. A Cleanup makes sure it
// never outlives the test (SIGTERM, then SIGKILL after 10 s).
type stackProc struct {
	name   string
	cmd    *exec.Cmd
	out    *lockedBuffer
	exited chan struct{} // closed once Wait has returned
	err    error         // Wait's result, set before exited is closed
}

// lockedBuffer is the process's combined output; the process writes it
// through exec's copying goroutine while the test may read it.
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

// startStackProc starts path with args and the environment env (the whole
// environment; nil means none). Its output is logged when the test fails.
func startStackProc(t *testing.T, env []string, path string, args ...string) *stackProc {
	t.Helper()
	p := &stackProc{name: filepath.Base(path) + " " + strings.Join(args, " "), out: &lockedBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(path, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("cannot start %s: %v", p.name, err)
	}
	go func() { // owner: this process; ends when it exits
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		if !p.stop(10 * time.Second) {
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("%s (pid %d) output:\n%s", p.name, p.cmd.Process.Pid, tailBytes([]byte(p.out.String()), 4000))
		}
	})
	return p
}

// stop sends SIGTERM (unless the process has exited) and reports whether
// it exited within timeout.
func (p *stackProc) stop(timeout time.Duration) bool {
	select {
	case <-p.exited:
		return true
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return true
	case <-time.After(timeout):
		return false
	}
}

// running reports whether the process has not exited yet.
func (p *stackProc) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// exitCode is the process's exit status once it has exited: -1 when a
// signal ended it.
func (p *stackProc) exitCode() int {
	<-p.exited
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		return -1
	}
	return 0
}

// stackEnv is this process's environment without the variables named,
// plus set (KEY=VALUE entries).
func stackEnv(drop []string, set ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, d := range drop {
			if k == d {
				keep = false
			}
		}
		if keep {
			env = append(env, kv)
		}
	}
	return append(env, set...)
}
