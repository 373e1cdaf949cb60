package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/record"
	"github.com/rnncast/rnncast/window"
	"github.com/segmentio/kafka-go"
)

// nopEmitter discards the stage's results.
type nopEmitter struct{ n int }

func (*nopEmitter) Reading(string, time.Time, []float32)           {}
func (e *nopEmitter) Forecast(string, time.Time, int64, []float32) { e.n++ }
func (*nopEmitter) Warmup(int64)                                   {}

// BenchmarkStage measures the model stage alone (window.Add of one reading
// per key, Flush, one batched Step per round, scoring, emit) for 512 keys
// per micro-batch; ns/op is per micro-batch.
func BenchmarkStage(b *testing.B) {
	for _, mode := range []string{ModeStateful, ModeWindow} {
		b.Run(mode, func(b *testing.B) {
			const keys = 512
			m := testModel(b, mode)
			cfg := Config{MaxBatch: keys, Mode: mode, Warmup: 4,
				Window: window.Config{Interval: time.Minute, Window: 4, Features: 1, MaxBatch: keys}}
			win, err := window.New[keyState](cfg.Window, memory.NewGoAllocator())
			if err != nil {
				b.Fatal(err)
			}
			defer win.Release()
			s := newStage(cfg, m, NopObserver{}, win)
			names := make([]string, keys)
			for k := range names {
				names[k] = fmt.Sprintf("sensor-%d", k)
			}
			r := record.Reading{Values: []float64{0}}
			e := &nopEmitter{}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				for k, name := range names {
					r.Key, r.Time, r.Values[0], r.Offset = name, base.Add(time.Duration(i)*time.Minute), 20+float64(k%7), int64(i*keys+k)
					if err := win.Add(&r); err != nil {
						b.Fatal(err)
					}
				}
				batch, err := win.Flush()
				if err != nil {
					b.Fatal(err)
				}
				s.Apply(batch, e)
				batch.Release()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*keys), "ns/reading")
		})
	}
}

// BenchmarkPipeline measures throughput through Kafka: b.N readings of 100
// sensors over 3 partitions, produced before the pipeline starts (so the
// group join is inside the timing), until every reading is acknowledged.
func BenchmarkPipeline(b *testing.B) {
	for _, cl := range clusters {
		b.Run(cl.name, func(b *testing.B) {
			benchPipeline(b, cl.new(b))
		})
	}
}

func benchPipeline(b *testing.B, c *kafkatest.Cluster) {
	const sensors = 100
	steps := max(b.N/sensors, 1)
	in, out, dlq := kafkatest.Name(b, "in"), kafkatest.Name(b, "out"), kafkatest.Name(b, "dlq")
	for _, topic := range []string{in, out, dlq} {
		c.CreateTopic(b, topic, 3, nil)
	}
	var msgs []kafka.Message
	for i := 0; i < steps; i++ {
		for k := 0; k < sensors; k++ {
			r := good(fmt.Sprintf("s-%d", k), i, 20+float64(k%5))
			msgs = append(msgs, kafka.Message{Key: r.key, Value: r.value})
		}
	}
	c.Produce(b, in, msgs...)
	m := testModel(b, ModeStateful)
	obs := &recObserver{dead: map[record.Reason]int{}}
	cfg := Config{Brokers: c.Brokers, InputTopic: in, OutputTopic: out, DeadLetterTopic: dlq,
		Group: kafkatest.Name(b, "group"), StartFirst: true, HeartbeatInterval: 300 * time.Millisecond}
	p, err := New(cfg, m, obs, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	stop := runInBackground(p)
	for obs.get(&obs.out)+obs.get(&obs.warmups) < len(msgs) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(len(msgs))/b.Elapsed().Seconds(), "readings/s")
	if err := stop(); err != nil {
		b.Fatal(err)
	}
}

// runInBackground runs p until the returned stop is called; stop returns
// Run's result.
func runInBackground(p *Pipeline) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return func() error { cancel(); return <-done }
}

// latencyObserver keeps every end-to-end latency.
type latencyObserver struct {
	recObserver
	lat []time.Duration
}

func (o *latencyObserver) EndToEnd(d time.Duration) {
	o.mu.Lock()
	o.lat = append(o.lat, d)
	o.mu.Unlock()
}

// BenchmarkLatency measures end-to-end latency (forecast acknowledged
// minus the reading's Kafka timestamp) of b.N live readings of 10 sensors,
// produced 10 at a time every 10ms, and reports its median and 99th
// percentile.
func BenchmarkLatency(b *testing.B) {
	for _, cl := range clusters {
		b.Run(cl.name, func(b *testing.B) {
			c := cl.new(b)
			in, out, dlq := kafkatest.Name(b, "in"), kafkatest.Name(b, "out"), kafkatest.Name(b, "dlq")
			for _, topic := range []string{in, out, dlq} {
				c.CreateTopic(b, topic, 3, nil)
			}
			obs := &latencyObserver{recObserver: recObserver{dead: map[record.Reason]int{}}}
			cfg := Config{Brokers: c.Brokers, InputTopic: in, OutputTopic: out, DeadLetterTopic: dlq,
				Group: kafkatest.Name(b, "group"), HeartbeatInterval: 300 * time.Millisecond, Warmup: 1}
			p, err := New(cfg, testModel(b, ModeStateful), obs, slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			stop := runInBackground(p)
			for !p.Ready() {
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond) // fetchers start at the newest offset
			steps := max(b.N/10, 1)
			b.ResetTimer()
			for i := 0; i < steps; i++ {
				var msgs []kafka.Message
				for k := 0; k < 10; k++ {
					r := good(fmt.Sprintf("s-%d", k), i, 20)
					msgs = append(msgs, kafka.Message{Key: r.key, Value: r.value})
				}
				c.Produce(b, in, msgs...)
				time.Sleep(10 * time.Millisecond)
			}
			for obs.get(&obs.out) < steps*10 {
				time.Sleep(time.Millisecond)
			}
			b.StopTimer()
			if err := stop(); err != nil {
				b.Fatal(err)
			}
			slices.Sort(obs.lat)
			b.ReportMetric(float64(obs.lat[len(obs.lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(obs.lat[len(obs.lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
