package kafkatest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// TestStartBroker crashes a private broker, then stops it cleanly through
// the shared-broker path (Real, its lock, Stop, Start) pointed at it, and
// checks it comes back each time on the same address with every
// acknowledged message and committed offset, and takes new messages. The
// shared broker of scripts/test.sh is not restarted here: that would wait
// for every other package's test that holds it.
func TestStartBroker(t *testing.T) {
	c := StartBroker(t)
	topic, group := Name(t, "in"), Name(t, "group")
	c.CreateTopic(t, topic, 2, nil)
	sent := testMessages(21, 30)
	c.Produce(t, topic, sent...)
	committed := map[int]int64{0: 3, 1: 4}
	commitSimple(t, c, group, topic, committed)

	c.Kill(t)
	checkRefused(t, c)
	c.Start(t)
	checkSurvived(t, c, topic, group, sent, committed)

	t.Setenv(EnvBrokers, strings.Join(c.Brokers, ","))
	t.Setenv(EnvWorkdir, c.broker.workdir)
	shared := Real(t)
	shared.Stop(t)
	checkRefused(t, shared)
	shared.Start(t)
	checkSurvived(t, shared, topic, group, sent, committed)

	more := withSeq(testMessages(22, 5), len(sent))
	shared.Produce(t, topic, more...)
	all := append(append([]kafka.Message(nil), sent...), more...)
	checkSameMessages(t, shared.ReadToEnd(t, topic, 30*time.Second), all)
}

// checkRefused checks nothing accepts connections at the broker's address.
func checkRefused(t *testing.T, c *Cluster) {
	t.Helper()
	if conn, err := net.DialTimeout("tcp", c.Brokers[0], time.Second); err == nil {
		conn.Close()
		t.Fatalf("broker %s still accepts connections after it was stopped", c.Brokers[0])
	}
}

func checkSurvived(t *testing.T, c *Cluster, topic, group string, sent []kafka.Message, committed map[int]int64) {
	t.Helper()
	got := c.ReadToEnd(t, topic, 30*time.Second)
	checkSameMessages(t, got, sent)
	checkCommitted(t, c, group, topic, committed)
}

// withSeq renumbers the seq headers of ms from first on.
func withSeq(ms []kafka.Message, first int) []kafka.Message {
	for i := range ms {
		ms[i].Headers = []kafka.Header{{Key: "seq", Value: []byte(fmt.Sprint(first + i))}}
	}
	return ms
}

// commitSimple commits offsets as a consumer outside any generation, as
// tools do for an empty group.
func commitSimple(t *testing.T, c *Cluster, group, topic string, offsets map[int]int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	cl, done := c.client()
	defer done()
	req := &kafka.OffsetCommitRequest{GroupID: group, GenerationID: -1, Topics: map[string][]kafka.OffsetCommit{}}
	for p, o := range offsets {
		req.Topics[topic] = append(req.Topics[topic], kafka.OffsetCommit{Partition: p, Offset: o})
	}
	res, err := cl.OffsetCommit(ctx, req)
	if err != nil {
		t.Fatalf("OffsetCommit: %v", err)
	}
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			t.Fatalf("OffsetCommit partition %d: %v", p.Partition, p.Error)
		}
	}
}

// TestSharedBrokerLock checks the locks that let tests share the real
// broker: a restart waits for every other user, and users wait for it.
func TestSharedBrokerLock(t *testing.T) {
	dir := t.TempDir()
	user := sharedBroker(t, dir)
	restarter := sharedBroker(t, dir)

	owned := goDo(restarter.own)
	notYet(t, owned, "restart took the broker while another test used it")
	if err := user.lock.Close(); err != nil { // the other test ends
		t.Fatal(err)
	}
	waitDone(t, owned, "restart after the other test ended")

	newcomer := &broker{workdir: dir, lock: openLock(t, dir)}
	shared := goDo(newcomer.share)
	notYet(t, shared, "a test took the broker while it was being restarted")
	if err := restarter.release(); err != nil {
		t.Fatal(err)
	}
	waitDone(t, shared, "a test after the restart ended")
}

func openLock(t *testing.T, dir string) *os.File {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "broker.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func goDo(fn func() error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- fn() }()
	return ch
}

// notYet checks that ch has not delivered within a short while: a lock
// that should block.
func notYet(t *testing.T, ch <-chan error, what string) {
	t.Helper()
	select {
	case err := <-ch:
		t.Fatalf("%s (err %v)", what, err)
	case <-time.After(300 * time.Millisecond):
	}
}

func waitDone(t *testing.T, ch <-chan error, what string) {
	t.Helper()
	select {
	case err := <-ch:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: still waiting after 30s", what)
	}
}

func TestTail(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"a\nb\nc\n", 2, "b\nc\n"},
		{"a\nb\nc", 2, "b\nc"},
		{"a\nb\n", 5, "a\nb\n"},
		{"", 3, ""},
		{"only\n", 1, "only\n"},
	}
	for _, tt := range tests {
		if got := string(tail([]byte(tt.in), tt.n)); got != tt.want {
			t.Errorf("tail(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
