package faulttest

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/segmentio/kafka-go"
)

// TestClusterFailover runs the deployment on a three-node cluster (RF 3,
// min.insync.replicas 2), the uninterrupted reference first, then three
// broker failures, each checked against it bit for bit. The subtests share
// one cluster (three JVMs are expensive); each leaves all nodes running.
// Every deployment's input topic is led by node 1, its forecast,
// dead-letter and state topics by node 2, so a test knows whom to stop.
func TestClusterFailover(t *testing.T) {
	c := kafkatest.StartCluster(t)
	msgs := ettMessages(t)
	modelPath := writeModel(t, t.TempDir(), 1)
	ref := clusterReference(t, c, msgs, modelPath)
	t.Run("input-leader", func(t *testing.T) { failInputLeader(t, c, msgs, modelPath, ref) })
	t.Run("output-leader", func(t *testing.T) { failOutputLeader(t, c, msgs, modelPath, ref) })
	t.Run("two-brokers", func(t *testing.T) { failTwoBrokers(t, c, msgs, modelPath, ref) })
}

// Preferred leaders of every deployment's topics.
const inLeader, outLeader, spare = 1, 2, 3

// clusterReference runs one process over all the readings, uninterrupted,
// with a state topic rnncast creates itself: it and every other topic must
// have three replicas and min.insync.replicas 2.
func clusterReference(t *testing.T, c *kafkatest.Cluster, msgs []kafka.Message, modelPath string) map[fcKey]fcVal {
	t.Helper()
	s := newSetup(t, c, "cref", modelPath)
	c.Produce(t, s.in, msgs...)
	p := startProc(t, s, "reference")
	c.WaitCaughtUp(t, s.group, s.in, 120*time.Second)
	p.term(t)
	for _, topic := range []string{s.in, s.out, s.dlq, s.state} {
		r := c.DescribeReplication(t, topic)
		for part, n := range r.Replicas {
			if n != kafkatest.ClusterNodes {
				t.Errorf("%s/%d has %d replicas, want %d", topic, part, n, kafkatest.ClusterNodes)
			}
		}
		if r.MinInsync != fmt.Sprint(kafkatest.ClusterMinInsync) {
			t.Errorf("%s has min.insync.replicas %s, want %d", topic, r.MinInsync, kafkatest.ClusterMinInsync)
		}
	}
	ref := readForecasts(t, c, s.out)
	if want := 7 * (rows - window + 1); len(ref) != want {
		t.Fatalf("the uninterrupted run made %d forecasts, want %d", len(ref), want)
	}
	checkNoDeadLetters(t, s)
	return ref
}

// newLedSetup creates a deployment's topics with the preferred leaders
// inLeader (input) and outLeader (forecasts, dead letters, state) and
// writes its config; httpListen serves /healthz ("" for none).
func newLedSetup(t *testing.T, c *kafkatest.Cluster, name, modelPath, httpListen string) *setup {
	t.Helper()
	s := newNames(t, c, name)
	c.CreateTopicLed(t, s.in, parts, inLeader, nil)
	c.CreateTopicLed(t, s.out, parts, outLeader, nil)
	c.CreateTopicLed(t, s.dlq, parts, outLeader, nil)
	c.CreateTopicLed(t, s.state, parts, outLeader, map[string]string{"cleanup.policy": "compact"})
	s.writeConfig(t, modelPath, httpListen)
	return s
}

// failInputLeader crashes (SIGKILL) the leader of every input partition
// just after a chunk is acknowledged, while rnncast fetches and processes
// it; the producer waits for the new leaders, then goes on.
func failInputLeader(t *testing.T, c *kafkatest.Cluster, msgs []kafka.Message, modelPath string, ref map[fcKey]fcVal) {
	s := newLedSetup(t, c, "cin", modelPath, "")
	w := watchForecasts(t, c, s.out)
	rng := rand.New(rand.NewPCG(2026, 13))
	p := startProc(t, s, "input-leader")
	var stopped, exited time.Time
	pace(t, c, s.in, chunks(msgs, 12), rng, func(i int) {
		switch i {
		case 4:
			stopped = time.Now()
			c.KillNode(t, inLeader)
			exited = time.Now()
			waitLeadersOff(t, c, s.in, inLeader)
			t.Logf("input partitions led by %v %s after the crash", c.Leaders(t, s.in), time.Since(stopped).Round(10*time.Millisecond))
		case 8:
			c.StartNode(t, inLeader)
		}
	})
	c.WaitCaughtUp(t, s.group, s.in, 120*time.Second)
	p.term(t)
	w.logNext(t, "input leader (node 1) crashed", stopped, exited)
	compareForecasts(t, readForecasts(t, c, s.out), ref)
	checkNoDeadLetters(t, s)
	c.WaitInSync(t, s.in, 60*time.Second)
}

// failOutputLeader stops (SIGTERM, a controlled shutdown) the leader of
// every forecast and state partition just after a chunk is acknowledged,
// while rnncast writes that chunk's forecasts and checkpoints.
func failOutputLeader(t *testing.T, c *kafkatest.Cluster, msgs []kafka.Message, modelPath string, ref map[fcKey]fcVal) {
	s := newLedSetup(t, c, "cout", modelPath, "")
	w := watchForecasts(t, c, s.out)
	rng := rand.New(rand.NewPCG(2026, 14))
	p := startProc(t, s, "output-leader")
	var stopped, exited time.Time
	pace(t, c, s.in, chunks(msgs, 12), rng, func(i int) {
		switch i {
		case 4:
			stopped = time.Now()
			c.StopNode(t, outLeader)
			exited = time.Now()
			t.Logf("forecast partitions led by %v, state partitions by %v after the stop", c.Leaders(t, s.out), c.Leaders(t, s.state))
		case 8:
			c.StartNode(t, outLeader)
		}
	})
	c.WaitCaughtUp(t, s.group, s.in, 120*time.Second)
	p.term(t)
	w.logNext(t, "forecast and state leader (node 2) stopped", stopped, exited)
	compareForecasts(t, readForecasts(t, c, s.out), ref)
	checkNoDeadLetters(t, s)
	c.WaitInSync(t, s.state, 60*time.Second)
}

// failTwoBrokers takes two of the three nodes away while rnncast has
// readings to process: no quorum, no in-sync pair, so no write can be
// acknowledged. rnncast must stall or fail its writes cleanly (stay up,
// /healthz 503, lose nothing: every forecast is there in the end) and
// resume when one node returns. To have work in flight for certain, rnncast is paused
// (SIGSTOP) while two chunks are produced and the nodes go, and resumed
// (SIGCONT) into the outage.
func failTwoBrokers(t *testing.T, c *kafkatest.Cluster, msgs []kafka.Message, modelPath string, ref map[fcKey]fcVal) {
	addr := freeAddr(t)
	s := newLedSetup(t, c, "ctwo", modelPath, addr)
	w := watchForecasts(t, c, s.out)
	p := startProc(t, s, "two-brokers")
	cs := chunks(msgs, 12)
	for _, ch := range cs[:4] {
		c.Produce(t, s.in, ch...)
	}
	c.WaitCaughtUp(t, s.group, s.in, 60*time.Second)
	signal(t, p, syscall.SIGSTOP)
	c.Produce(t, s.in, cs[4]...)
	c.Produce(t, s.in, cs[5]...)
	stopped := time.Now()
	c.StopNode(t, outLeader)
	c.KillNode(t, spare)
	signal(t, p, syscall.SIGCONT)
	t.Logf("nodes %d (stopped) and %d (crashed) down %s after the first signal", outLeader, spare, time.Since(stopped).Round(10*time.Millisecond))

	waitUnhealthy(t, p, addr, 150*time.Second)

	back := time.Now()
	c.StartNode(t, spare)
	ready := time.Now()
	t.Logf("node %d back in %s", spare, ready.Sub(back).Round(10*time.Millisecond))
	for _, ch := range cs[6:9] {
		c.Produce(t, s.in, ch...)
	}
	c.StartNode(t, outLeader)
	for _, ch := range cs[9:] {
		c.Produce(t, s.in, ch...)
	}
	c.WaitCaughtUp(t, s.group, s.in, 120*time.Second)
	// /healthz stays 503 for health.failure_window (default 1m) after the
	// last failed write, however soon processing resumed: healthy within
	// that window plus 30 s.
	waitHealthy(t, addr, 90*time.Second)
	p.term(t)
	w.logNext(t, "quorum restored (node 3 ready)", back, ready)
	compareForecasts(t, readForecasts(t, c, s.out), ref)
	checkNoDeadLetters(t, s)
	for _, topic := range []string{s.in, s.out, s.state} {
		c.WaitInSync(t, topic, 60*time.Second)
	}
}

// waitLeadersOff waits until no partition of topic is led by node or
// leaderless.
func waitLeadersOff(t *testing.T, c *kafkatest.Cluster, topic string, node int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		moved := true
		for _, l := range c.Leaders(t, topic) {
			if l == node || l < 0 {
				moved = false
			}
		}
		if moved {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still led by node %d (or leaderless) 60s after it went: %v", topic, node, c.Leaders(t, topic))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func signal(t *testing.T, p *proc, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(p.cmd.Process.Pid, sig); err != nil {
		t.Fatalf("cannot send %v to rnncast (pid %d): %v", sig, p.cmd.Process.Pid, err)
	}
}

// freeAddr returns a 127.0.0.1 address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// healthz returns the status of GET /healthz (0 when it cannot be asked)
// and the body.
func healthz(addr string) (int, string) {
	cl := &http.Client{Timeout: 2 * time.Second}
	res, err := cl.Get("http://" + addr + "/healthz")
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// waitUnhealthy waits until /healthz answers 503 while the process keeps
// running (a clean stall, not an exit).
func waitUnhealthy(t *testing.T, p *proc, addr string, timeout time.Duration) {
	t.Helper()
	start := time.Now()
	var code int
	var body string
	for time.Since(start) < timeout {
		select {
		case <-p.done:
			t.Fatalf("rnncast exited during the outage (%v), want it to stall and resume", p.err)
		default:
		}
		if code, body = healthz(addr); code == http.StatusServiceUnavailable {
			t.Logf("/healthz 503 %s into the outage: %s", time.Since(start).Round(100*time.Millisecond), body)
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Errorf("/healthz answered %d %q for %s of an outage that stalls every write, want 503", code, body, timeout)
}

// waitHealthy waits until /healthz answers 200.
func waitHealthy(t *testing.T, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		code, body := healthz(addr)
		if code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("/healthz answered %d %q %s after catching up, want 200", code, body, timeout)
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// forecastWatch polls a forecast topic's end offsets every 50 ms and
// records when any partition's grew: when new forecasts became visible.
// Partitions without a leader at a poll are left out of that poll.
type forecastWatch struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	grew   []time.Time
}

func watchForecasts(t *testing.T, c *kafkatest.Cluster, topic string) *forecastWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &forecastWatch{cancel: cancel, done: make(chan struct{})}
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for p := range parts {
		req.Topics[topic] = append(req.Topics[topic], kafka.LastOffsetOf(p))
	}
	go func() {
		defer close(w.done)
		tr := &kafka.Transport{DialTimeout: time.Second, MetadataTTL: 500 * time.Millisecond}
		defer tr.CloseIdleConnections()
		cl := &kafka.Client{Addr: c.Addr(), Timeout: 2 * time.Second, Transport: tr}
		seen := map[int]int64{}
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
			res, err := cl.ListOffsets(ctx, req)
			if err != nil {
				continue
			}
			now, grew := time.Now(), false
			for _, po := range res.Topics[topic] {
				if po.Error == nil && po.LastOffset > seen[po.Partition] {
					seen[po.Partition], grew = po.LastOffset, true
				}
			}
			if grew {
				w.mu.Lock()
				w.grew = append(w.grew, now)
				w.mu.Unlock()
			}
		}
	}()
	t.Cleanup(w.stop)
	return w
}

func (w *forecastWatch) stop() {
	w.cancel()
	<-w.done
}

// logNext logs the time from the fault (signalled, and its process gone
// or node ready) to the first forecast seen after it: a figure for
// BENCHMARKS.md, not an assertion.
func (w *forecastWatch) logNext(t *testing.T, what string, signalled, done time.Time) {
	t.Helper()
	w.stop()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, g := range w.grew {
		if g.After(done) {
			t.Logf("FAILOVER %s: next forecast %s after the signal, %s after the script returned",
				what, g.Sub(signalled).Round(10*time.Millisecond), g.Sub(done).Round(10*time.Millisecond))
			return
		}
	}
	t.Logf("FAILOVER %s: no forecast seen after it", what)
}
