package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/record"
	"github.com/segmentio/kafka-go"
)

// fixture is one pipeline's topics and group on a cluster.
type fixture struct {
	c                   *kafkatest.Cluster
	in, out, dlq, group string
	parts               int
}

func newFixture(t *testing.T, c *kafkatest.Cluster, parts int) *fixture {
	t.Helper()
	f := &fixture{c: c, in: kafkatest.Name(t, "in"), out: kafkatest.Name(t, "out"),
		dlq: kafkatest.Name(t, "dlq"), group: kafkatest.Name(t, "group"), parts: parts}
	for _, topic := range []string{f.in, f.out, f.dlq} {
		c.CreateTopic(t, topic, parts, nil)
	}
	return f
}

// config is a test configuration: fast group timings, small batches.
func (f *fixture) config() Config {
	return Config{
		Brokers: f.c.Brokers, InputTopic: f.in, OutputTopic: f.out, DeadLetterTopic: f.dlq, Group: f.group,
		Decoder:    record.DecoderConfig{MaxValueBytes: 200},
		StartFirst: true, MaxBatch: 64, MaxDelay: 5 * time.Millisecond, CommitInterval: 50 * time.Millisecond,
		SessionTimeout: 6 * time.Second, RebalanceTimeout: 6 * time.Second,
		HeartbeatInterval: 300 * time.Millisecond, JoinBackoff: 300 * time.Millisecond,
		ShutdownTimeout: 20 * time.Second,
	}
}

// running is a Pipeline running in the background of a test.
type running struct {
	p      *Pipeline
	obs    *recObserver
	clock  *testClock // the pipeline's clock: real time, which a test may move ahead
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, cfg Config, m *model.Model) *running {
	t.Helper()
	return startWith(t, cfg, m, nil)
}

// startWith is start with setup, when not nil, called before Run.
func startWith(t *testing.T, cfg Config, m *model.Model, setup func(*Pipeline)) *running {
	t.Helper()
	obs := &recObserver{dead: map[record.Reason]int{}, refused: map[string]int{}}
	p, err := New(cfg, m, obs, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if setup != nil {
		setup(p)
	}
	clock := &testClock{}
	p.now = clock.Now
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{p: p, obs: obs, clock: clock, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- p.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels Run and waits for it; it may be called more than once.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	if r.done == nil {
		return
	}
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run returned %v, want nil after cancel", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("Run did not return within 60s of cancel")
	}
	r.done = nil
}

// recObserver records what the tests check.
type recObserver struct {
	NopObserver
	mu        sync.Mutex
	in, out   int
	refetched int
	warmups   int
	scored    int
	keys      int
	stateB    int
	rebalance int
	skipped   int
	dead      map[record.Reason]int
	refused   map[string]int
	assigned  []int         // partitions, in the order their generations assigned them
	lag       map[int]int64 // the lag series an adapter would export
}

func (o *recObserver) Lag(p int, lag int64) {
	o.mu.Lock()
	if o.lag == nil {
		o.lag = map[int]int64{}
	}
	o.lag[p] = lag
	o.mu.Unlock()
}

func (o *recObserver) PartitionReleased(p int) {
	o.mu.Lock()
	delete(o.lag, p)
	o.mu.Unlock()
}

func (o *recObserver) Refused(kind string, n int) {
	o.mu.Lock()
	o.refused[kind] += n
	o.mu.Unlock()
}

func (o *recObserver) PartitionAssigned(p int) {
	o.mu.Lock()
	o.assigned = append(o.assigned, p)
	o.mu.Unlock()
}

func (o *recObserver) RecordsIn(n int)          { o.add(&o.in, n) }
func (o *recObserver) RecordsRefetched(n int)   { o.add(&o.refetched, n) }
func (o *recObserver) ForecastsOut(n int)       { o.add(&o.out, n) }
func (o *recObserver) WarmupSteps(n int)        { o.add(&o.warmups, n) }
func (o *recObserver) Keys(d int)               { o.add(&o.keys, d) }
func (o *recObserver) StateBytes(d int)         { o.add(&o.stateB, d) }
func (o *recObserver) Rebalance()               { o.add(&o.rebalance, 1) }
func (o *recObserver) Skipped(_ string, n int)  { o.add(&o.skipped, n) }
func (o *recObserver) LiveErrors(s *LiveScores) { o.add(&o.scored, s.Len()) }
func (o *recObserver) DeadLetters(r record.Reason, n int) {
	o.mu.Lock()
	o.dead[r] += n
	o.mu.Unlock()
}

func (o *recObserver) add(f *int, n int) {
	o.mu.Lock()
	*f += n
	o.mu.Unlock()
}

func (o *recObserver) get(f *int) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return *f
}

// forecastJSON is the output contract's value.
type forecastJSON struct {
	Sensor   string    `json:"sensor"`
	TS       time.Time `json:"ts"`
	Interval string    `json:"interval"`
	Horizon  int       `json:"horizon"`
	Forecast []float64 `json:"forecast"`
	Model    struct{ Name, Version string }
	Input    struct {
		Topic     string
		Partition int
		Offset    int64
	}
}

func parseForecast(t *testing.T, m kafka.Message) forecastJSON {
	t.Helper()
	var f forecastJSON
	if err := json.Unmarshal(m.Value, &f); err != nil {
		t.Fatalf("forecast %s/%d@%d is not JSON: %v: %s", m.Topic, m.Partition, m.Offset, err, m.Value)
	}
	return f
}

func header(m kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

func headerInt(t *testing.T, m kafka.Message, key string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(header(m, key), 10, 64)
	if err != nil {
		t.Fatalf("header %s of %s/%d@%d: %v", key, m.Topic, m.Partition, m.Offset, err)
	}
	return n
}

// po is a partition and offset.
type po struct {
	p int
	o int64
}

func (x po) String() string { return fmt.Sprintf("%d@%d", x.p, x.o) }
