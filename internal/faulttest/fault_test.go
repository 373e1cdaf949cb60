package faulttest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/segmentio/kafka-go"
)

// TestFaults runs the uninterrupted reference deployment once, then each
// fault scenario over the same readings, each checked against it.
func TestFaults(t *testing.T) {
	c := kafkatest.Real(t)
	msgs := ettMessages(t)
	modelPath := writeModel(t, t.TempDir(), 1)
	ref := reference(t, c, msgs, modelPath)
	t.Run("crash", func(t *testing.T) { crash(t, c, msgs, modelPath, ref) })
	t.Run("rebalance", func(t *testing.T) { rebalance(t, c, msgs, modelPath, ref) })
	t.Run("broker-restart", func(t *testing.T) { brokerRestart(t, msgs, modelPath, ref) })
}

// reference runs one process over all the readings, uninterrupted.
func reference(t *testing.T, c *kafkatest.Cluster, msgs []kafka.Message, modelPath string) map[fcKey]fcVal {
	t.Helper()
	s := newSetup(t, c, "ref", modelPath)
	c.Produce(t, s.in, msgs...)
	p := startProc(t, s, "reference")
	c.WaitCaughtUp(t, s.group, s.in, 120*time.Second)
	p.term(t)
	ref := readForecasts(t, c, s.out)
	if want := 7 * (rows - window + 1); len(ref) != want {
		t.Fatalf("the uninterrupted run made %d forecasts, want %d (7 sensors, %d hours, warm-up %d)", len(ref), want, rows, window)
	}
	checkNoDeadLetters(t, s)
	return ref
}

// pace produces chunk after chunk, calling after(i) once chunk i is
// written, then pausing for a seeded random 100-400ms.
func pace(t *testing.T, c *kafkatest.Cluster, topic string, cs [][]kafka.Message, rng *rand.Rand, after func(i int)) {
	t.Helper()
	for i, ch := range cs {
		c.Produce(t, topic, ch...)
		after(i)
		time.Sleep(time.Duration(100+rng.IntN(300)) * time.Millisecond)
	}
}

// crash kills the only instance with SIGKILL six times and restarts it.
// Each cycle produces a chunk and waits until the instance has committed
// it (so it has joined, restored and processed), then produces the next
// chunk and kills the instance a seeded random 0-400ms later: while it
// fetches, computes, writes, checkpoints or commits that chunk.
func crash(t *testing.T, c *kafkatest.Cluster, msgs []kafka.Message, modelPath string, ref map[fcKey]fcVal) {
	const kills = 6
	s := newSetup(t, c, "crash", modelPath)
	rng := rand.New(rand.NewPCG(2026, 4))
	cs := chunks(msgs, 2*kills+2)
	for k := range kills {
		p := startProc(t, s, fmt.Sprintf("crash-%d", k))
		c.Produce(t, s.in, cs[2*k]...)
		c.WaitCaughtUp(t, s.group, s.in, 60*time.Second)
		c.Produce(t, s.in, cs[2*k+1]...)
		time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
		p.kill(t)
	}
	p := startProc(t, s, "crash-last")
	for _, ch := range cs[2*kills:] {
		c.Produce(t, s.in, ch...)
	}
	c.WaitCaughtUp(t, s.group, s.in, 120*time.Second)
	p.term(t)
	compareForecasts(t, readForecasts(t, c, s.out), ref)
	checkNoDeadLetters(t, s)
}

// rebalance runs three instances in one group, kills one mid-stream and
// later starts a fourth.
func rebalance(t *testing.T, c *kafkatest.Cluster, msgs []kafka.Message, modelPath string, ref map[fcKey]fcVal) {
	s := newSetup(t, c, "rebal", modelPath)
	rng := rand.New(rand.NewPCG(2026, 5))
	procs := []*proc{startProc(t, s, "member-a"), startProc(t, s, "member-b"), startProc(t, s, "member-c")}
	waitMembers(t, c, s.group, 3)
	cs := chunks(msgs, 12)
	pace(t, c, s.in, cs, rng, func(i int) {
		switch i {
		case 3:
			time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
			procs[1].kill(t)
		case 7:
			procs[1] = startProc(t, s, "member-d")
		}
	})
	c.WaitCaughtUp(t, s.group, s.in, 120*time.Second)
	for _, p := range procs {
		p.term(t)
	}
	compareForecasts(t, readForecasts(t, c, s.out), ref)
	checkNoDeadLetters(t, s)
}

// brokerRestart stops and restarts a private broker mid-stream; the
// instance must catch up by itself within 30s of the last reading.
func brokerRestart(t *testing.T, msgs []kafka.Message, modelPath string, ref map[fcKey]fcVal) {
	c := kafkatest.StartBroker(t)
	s := newSetup(t, c, "restart", modelPath)
	rng := rand.New(rand.NewPCG(2026, 6))
	p := startProc(t, s, "restart")
	var back time.Time
	pace(t, c, s.in, chunks(msgs, 12), rng, func(i int) {
		if i == 5 {
			c.Restart(t)
			back = time.Now()
		}
	})
	c.WaitCaughtUp(t, s.group, s.in, 30*time.Second)
	t.Logf("caught up %s after the broker was back", time.Since(back).Round(100*time.Millisecond))
	p.term(t)
	compareForecasts(t, readForecasts(t, c, s.out), ref)
	checkNoDeadLetters(t, s)
}

// waitMembers waits until group is stable with n members.
func waitMembers(t *testing.T, c *kafkatest.Cluster, group string, n int) {
	t.Helper()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: c.Addr(), Transport: tr, Timeout: 10 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := cl.DescribeGroups(context.Background(), &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
		if err == nil && len(res.Groups) == 1 && res.Groups[0].GroupState == "Stable" && len(res.Groups[0].Members) == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %s is not stable with %d members within 60s (last answer %+v, %v)", group, n, res, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
