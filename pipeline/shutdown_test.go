package pipeline

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/segmentio/kafka-go"
)

// TestGracefulShutdown cancels a pipeline while readings keep arriving and
// checks that the committed offsets cover every forecast written, and that
// every input below them is accounted for exactly as model.Runner says.
func TestGracefulShutdown(t *testing.T) {
	for _, cl := range clusters {
		t.Run(cl.name, func(t *testing.T) { gracefulShutdown(t, cl.new(t)) })
	}
}

func gracefulShutdown(t *testing.T, c *kafkatest.Cluster) {
	const sensors, steps = 6, 400
	f := newFixture(t, c, 3)
	m := testModel(t, ModeStateful)
	_, recs := scenario(sensors, steps) // the second half, with bad records
	run := start(t, f.config(), m)
	ctx, stopProducing := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	var produced []inRec
	go func() {
		defer wg.Done()
		produced = produceSlowly(ctx, c, f.in, recs)
	}()
	c.ReadAll(t, f.out, 50, 60*time.Second) // forecasts are flowing
	run.stop(t)
	stopProducing()
	wg.Wait()
	if len(produced) == len(recs) {
		t.Fatalf("the producer finished before the shutdown; the test needs more steps")
	}

	committed := c.CommittedOffsets(t, f.group, f.in)
	in := locate(t, c.ReadAll(t, f.in, len(produced), 30*time.Second), produced)
	var below []located
	for _, r := range in {
		if r.at.o < committed[r.at.p] {
			below = append(below, r)
		}
	}
	w := expect(m, ModeStateful, m.Meta.Window, below)
	out := c.ReadAll(t, f.out, run.obs.get(&run.obs.out), 30*time.Second)
	checkForecasts(t, f, out, w) // also: no forecast of an input at or past the commit
	if got := run.obs.get(&run.obs.warmups); got != len(w.warmups) {
		t.Errorf("warm-up steps %d, want %d below the committed offsets %v", got, len(w.warmups), committed)
	}
}

// produceSlowly writes recs a few at a time until ctx ends, and returns
// the records it wrote (acknowledged). On a write error it returns the
// records before it, and locate fails if part of that write landed.
func produceSlowly(ctx context.Context, c *kafkatest.Cluster, topic string, recs []inRec) []inRec {
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	w := &kafka.Writer{Addr: c.Addr(), Topic: topic, Balancer: &kafka.Murmur2Balancer{Consistent: true},
		RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond, Transport: tr}
	defer w.Close()
	const chunk = 6
	for i := 0; i < len(recs); i += chunk {
		part := recs[i:min(i+chunk, len(recs))]
		// Not ctx: a cancelled write may or may not land, and the test
		// must know exactly what was produced.
		if err := w.WriteMessages(context.Background(), messages(part)...); err != nil {
			return recs[:i]
		}
		select {
		case <-ctx.Done():
			return recs[:i+len(part)]
		case <-time.After(2 * time.Millisecond):
		}
	}
	return recs
}
