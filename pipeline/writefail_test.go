package pipeline

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// failProduce makes kfake answer every produce request that writes to
// topic with a retriable error while fail is set.
func failProduce(c *kafkatest.Cluster, topic string, fail *atomic.Bool) {
	failProduceWith(c, topic, fail, 6) // NOT_LEADER_FOR_PARTITION
}

// failProduceWith is failProduce with the error code to answer.
func failProduceWith(c *kafkatest.Cluster, topic string, fail *atomic.Bool, code int16) {
	c.Fake().ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake().KeepControl()
		req := r.(*kmsg.ProduceRequest)
		if !fail.Load() || !writesTo(req, topic) {
			return nil, nil, false
		}
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, t := range req.Topics {
			rt := kmsg.NewProduceResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewProduceResponseTopicPartition()
				rp.Partition, rp.ErrorCode = p.Partition, code
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil, true
	})
}

func writesTo(req *kmsg.ProduceRequest, topic string) bool {
	for _, t := range req.Topics {
		if t.Topic == topic {
			return true
		}
	}
	return false
}

// TestWriteFailure makes the output topic refuse writes for longer than
// the Kafka writer retries: the partition workers fail, the pipeline
// reports unhealthy and commits nothing the failed writes cover; when the
// writes succeed again it recovers on its own and forecasts every reading
// (at least once).
func TestWriteFailure(t *testing.T) {
	c := kafkatest.Kfake(t)
	f := newFixture(t, c, 2)
	m := testModel(t, ModeStateful)
	var fail atomic.Bool
	failProduce(c, f.out, &fail)
	run := start(t, f.config(), m)
	first, second := scenario(4, 24)
	c.Produce(t, f.in, messages(first)...)
	w1 := expect(m, ModeStateful, m.Meta.Window, locate(t, c.ReadAll(t, f.in, len(first), 30*time.Second), first))
	c.ReadAll(t, f.out, len(w1.forecasts), 60*time.Second)
	waitFor(t, "the first half to be committed", func() bool { return committedAll(t, f) })
	ends := c.EndOffsets(t, f.in)

	fail.Store(true)
	c.Produce(t, f.in, messages(second)...)
	waitFor(t, "a failed write to make the pipeline unhealthy", func() bool { return run.p.Healthy() != nil })
	for p, o := range c.CommittedOffsets(t, f.group, f.in) {
		if o > ends[p] {
			t.Errorf("partition %d committed %d while its writes failed, past %d", p, o, ends[p])
		}
	}
	fail.Store(false)
	waitFor(t, "every input to be committed after the failure", func() bool { return committedAll(t, f) })
	if run.p.Healthy() == nil {
		t.Error("Healthy right after the recovery = nil, want the failure reported for its window")
	}
	run.clock.Advance(DefaultFailureWindow)
	waitFor(t, "the pipeline to be healthy again", func() bool { return run.p.Healthy() == nil })
	run.stop(t)

	all := append(append([]inRec{}, first...), second...)
	in := locate(t, c.ReadAll(t, f.in, len(all), 30*time.Second), all)
	out := c.ReadAll(t, f.out, run.obs.get(&run.obs.out), 30*time.Second)
	checkRecovered(t, in, out, run.obs)
}
