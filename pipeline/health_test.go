package pipeline

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rnncast/rnncast/ingest"
	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/sink"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// healthPipeline is a Pipeline that never runs, on a test clock, for the
// health bookkeeping alone.
func healthPipeline(t *testing.T) (*Pipeline, *testClock, *lagObserver) {
	t.Helper()
	obs := &lagObserver{lag: map[int]int64{}}
	p, err := New(Config{Brokers: []string{"127.0.0.1:1"}, InputTopic: "in", OutputTopic: "out",
		DeadLetterTopic: "dlq", Group: "g"}, testModel(t, ModeStateful), obs, nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{at: time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)}
	p.now = clock.Now
	return p, clock, obs
}

// lagObserver keeps the lag series an adapter would export.
type lagObserver struct {
	NopObserver
	mu      sync.Mutex
	lag     map[int]int64
	revoked int
}

func (o *lagObserver) Lag(p int, lag int64) {
	o.mu.Lock()
	o.lag[p] = lag
	o.mu.Unlock()
}

func (o *lagObserver) PartitionReleased(p int) {
	o.mu.Lock()
	delete(o.lag, p)
	o.mu.Unlock()
}

func (o *lagObserver) Skipped(reason string, n int) {
	if reason == SkipRevoked {
		o.mu.Lock()
		o.revoked += n
		o.mu.Unlock()
	}
}

func (o *lagObserver) series() map[int]int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make(map[int]int64, len(o.lag))
	for p, l := range o.lag {
		out[p] = l
	}
	return out
}

// TestHealthy walks the health rules on the pipeline's clock: a failure
// keeps Healthy failing for FailureWindow whatever generations follow, and
// a positive lag fails it after StallTimeout without a commit.
func TestHealthy(t *testing.T) {
	p, clock, _ := healthPipeline(t)
	f := func(what string, wantErr ...string) {
		t.Helper()
		err := p.Healthy()
		if len(wantErr) == 0 {
			if err != nil {
				t.Errorf("%s: Healthy = %v, want nil", what, err)
			}
			return
		}
		if err == nil {
			t.Errorf("%s: Healthy = nil, want an error containing %q", what, wantErr)
			return
		}
		for _, s := range wantErr {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: Healthy = %q, want it to contain %q", what, err, s)
			}
		}
	}
	as := []ingest.Assignment{{Partition: 0, Offset: 100}, {Partition: 1, Offset: 50}}
	p.assign(as)
	f("assigned, nothing known")
	p.setLag(0, 100, 100)
	p.setLag(1, 50, 50)
	f("no lag")

	failedAt := clock.Now()
	p.failed(1, errFake("write refused"))
	clock.Advance(time.Second)
	f("a worker failed", "partition 1 failed 1s ago", "write refused", failedAt.UTC().Format("2006-01-02T15:04:05"))
	p.assign(as) // the rejoin that follows
	p.committed(1)
	f("after a rejoin and a commit", "partition 1 failed")
	clock.Advance(DefaultFailureWindow)
	f("after the failure window")

	p.failed(groupFailure, errFake("coordinator not available"))
	f("a join failed", "group join failed", "coordinator not available")
	clock.Advance(DefaultFailureWindow)
	f("after the join's failure window")

	// Lag that appears after a long idle time is not a stall yet.
	p.setLag(0, 180, 100)
	f("lag just appeared")
	clock.Advance(DefaultStallTimeout - time.Second)
	p.setLag(0, 200, 120) // progress of the fetch position, but no commit
	f("lag under the stall timeout")
	clock.Advance(time.Second)
	f("lag without a commit for the stall timeout", "partition 0 stalled: lag 80", "no commit for 2m0s")
	p.assign(as) // a rejoin does not reset it
	f("stalled across a rejoin", "partition 0 stalled")
	p.committed(0)
	f("a commit")
	clock.Advance(DefaultStallTimeout)
	p.setLag(0, 200, 200)
	f("lag back to zero")
}

type errFake string

func (e errFake) Error() string { return string(e) }

// TestLagAcrossGenerations checks that a partition's lag series stays from
// its assignment across generations, is measured from the committed offset
// at a new generation, and is dropped only when a generation no longer
// assigns the partition here, when the offsets it counted in but did not
// settle are counted as revoked.
func TestLagAcrossGenerations(t *testing.T) {
	p, _, obs := healthPipeline(t)
	want := func(what string, w map[int]int64) {
		t.Helper()
		got := obs.series()
		if len(got) != len(w) {
			t.Errorf("%s: lag series %v, want %v", what, got, w)
			return
		}
		for part, l := range w {
			if got[part] != l {
				t.Errorf("%s: lag series %v, want %v", what, got, w)
				return
			}
		}
	}
	p.assign([]ingest.Assignment{{Partition: 0, Offset: 10}, {Partition: 1, Offset: 20}})
	p.setLag(0, 40, 15)
	p.setLag(1, 20, 20)
	want("first generation", map[int]int64{0: 25, 1: 0})
	p.ledger(0).open[12] = struct{}{} // fetched, then the worker failed
	p.ledger(1).open[20] = struct{}{}
	p.ledger(1).open[21] = struct{}{}

	p.assign([]ingest.Assignment{{Partition: 0, Offset: 10}, {Partition: 1, Offset: 20}})
	want("second generation, before any fetch", map[int]int64{0: 30, 1: 0})
	p.assign([]ingest.Assignment{{Partition: 0, Offset: 10}})
	want("partition 1 moved away", map[int]int64{0: 30})
	if obs.revoked != 2 {
		t.Errorf("revoked %d offsets of the partition that moved away, want 2", obs.revoked)
	}
	p.unassignAll()
	want("Run ended", map[int]int64{})
	if obs.revoked != 3 {
		t.Errorf("revoked %d offsets in all, want 3", obs.revoked)
	}
}

// refusal makes writes to a topic fail with a broker-wide error,
// NOT_ENOUGH_REPLICAS, while fail is set: on kfake the broker answers every
// produce request to the topic so (a control function); a real broker
// cannot be made to (it caps min.insync.replicas at the replication
// factor, 1 here), so there the workers' writer fails the batches that
// hold a message to the topic, with the same kafka-go error, before they
// reach the broker (setup installs it).
type refusal struct {
	topic string
	fail  atomic.Bool
	real  bool
}

func refuseWrites(t *testing.T, c *kafkatest.Cluster, topic string) *refusal {
	t.Helper()
	r := &refusal{topic: topic, real: c.IsReal()}
	if r.real {
		return r
	}
	fail := &r.fail
	c.Fake().ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake().KeepControl()
		req := r.(*kmsg.ProduceRequest)
		if !fail.Load() || !writesTo(req, topic) {
			return nil, nil, false
		}
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range req.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition, sp.ErrorCode = rp.Partition, 19 // NOT_ENOUGH_REPLICAS
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	return r
}

// setup installs the refusing writer on a real broker's pipeline.
func (r *refusal) setup(p *Pipeline) {
	if r.real {
		p.wrapWriter = func(w BatchWriter) BatchWriter { return refusingWriter{w: w, r: r} }
	}
}

type refusingWriter struct {
	w BatchWriter
	r *refusal
}

func (w refusingWriter) Write(ctx context.Context, b *sink.Batch) error {
	to := false
	b.Each(func(m *sink.Message) { to = to || m.Topic == w.r.topic })
	if w.r.fail.Load() && to {
		return fmt.Errorf("test: cannot write to %s: %w", w.r.topic, kafka.NotEnoughReplicas)
	}
	return w.w.Write(ctx, b)
}
