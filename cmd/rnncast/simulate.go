package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/rnncast/rnncast/config"
	"github.com/rnncast/rnncast/kafkaconn"
	"github.com/rnncast/rnncast/simulate"
)

func init() {
	register(command{name: "simulate", summary: "produce synthetic sensor readings to a Kafka topic", run: runSimulate})
}

const simulateAbout = `Produces synthetic readings of N sensors (daily and weekly cycles, a trend,
noise, a few gaps and a few malformed records) to a topic, at a fixed rate in
wall time. Event times advance by --interval per round of all sensors, so
time can be compressed: 100 sensors at --rate 1000 is one simulated interval
per 100 ms. The same --seed produces the same records.
The TLS and SASL flags are those of rnncast run; the brokers are checked
(connect, authenticate) before the first record.
Environment: RNNCAST_BROKERS=host:port,... is used when --brokers is not given;
RNNCAST_KAFKA_PASSWORD is the SASL password without --sasl-password-file.`

// simulateOptions are the flags of rnncast simulate.
type simulateOptions struct {
	brokers, topic string
	partitions     int
	rate           float64
	duration       time.Duration
	gen            simulate.Config
	kafka          *kafkaFlags
}

func simulateFlags(o *simulateOptions, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("simulate", "simulate [--brokers host:port,...] [--topic sensors] [--sensors N] [--rate R] [--duration D]", simulateAbout, stderr)
	o.gen = simulate.DefaultConfig(100, 1)
	fs.StringVar(&o.brokers, "brokers", "", "comma-separated bootstrap brokers (default $RNNCAST_BROKERS, else 127.0.0.1:9092)")
	fs.StringVar(&o.topic, "topic", "sensors", "topic to produce to")
	fs.IntVar(&o.partitions, "create", 0, "create the topic with this many partitions first (0: the topic must exist)")
	fs.IntVar(&o.gen.Sensors, "sensors", o.gen.Sensors, "number of sensors (keys sensor-0000, sensor-0001, ...)")
	fs.Float64Var(&o.rate, "rate", 1000, "records per second of wall time")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this long (0: until SIGINT or SIGTERM)")
	fs.DurationVar(&o.gen.Interval, "interval", time.Hour, "event-time step between two readings of a sensor")
	fs.Func("start", "event time of the first round, RFC 3339 (default 2026-01-01T00:00:00Z); a later run continues a topic from a later start", func(v string) error {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return fmt.Errorf("want an RFC 3339 time such as 2026-01-01T00:00:00Z: %w", err)
		}
		o.gen.Start = t.UTC()
		return nil
	})
	fs.Uint64Var(&o.gen.Seed, "seed", o.gen.Seed, "random seed; the same seed gives the same records")
	fs.StringVar(&o.gen.Format, "format", "json", "record format: json or csv")
	fs.Float64Var(&o.gen.GapRate, "gap-rate", o.gen.GapRate, "probability that a sensor falls silent for 1-6 intervals")
	fs.Float64Var(&o.gen.MalformedRate, "malformed-rate", o.gen.MalformedRate, "probability that a record is malformed (to exercise the dead-letter topic)")
	o.kafka = addKafkaFlags(fs)
	return fs
}

func runSimulate(args []string, stdout, stderr io.Writer) int {
	var o simulateOptions
	if code := parseFlags(simulateFlags(&o, stderr), args); code >= 0 {
		return code
	}
	ctx, stop := commandContext(o.duration)
	defer stop()
	n, err := simulateTo(ctx, o)
	fmt.Fprintf(stdout, "rnncast simulate: %d records produced to %s\n", n, o.topic)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// simulateTo produces readings until ctx ends and returns how many.
func simulateTo(ctx context.Context, o simulateOptions) (int, error) {
	brokers := brokerList(o.brokers)
	if o.rate <= 0 {
		return 0, fmt.Errorf("rnncast simulate: --rate must be positive, got %v", o.rate)
	}
	g, err := simulate.New(o.gen)
	if err != nil {
		return 0, err
	}
	conn, err := o.kafka.connect(ctx, brokers)
	if err != nil {
		return 0, err
	}
	if o.partitions > 0 {
		if err := createTopics(ctx, conn, brokers, o.partitions, o.topic); err != nil {
			return 0, err
		}
	}
	w := newProducer(conn, brokers, o.topic)
	defer w.Close()
	return produceAtRate(ctx, w, g, o.rate, nil)
}

// brokerList splits a --brokers value, falling back on RNNCAST_BROKERS and
// then on the default broker.
func brokerList(flagValue string) []string {
	if flagValue == "" {
		flagValue = os.Getenv(config.EnvBrokers)
	}
	if flagValue == "" {
		return config.Default().Kafka.Brokers
	}
	var out []string
	for _, b := range strings.Split(flagValue, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// producer is a kafka-go Writer with a transport of its own, so that Close
// also closes the connections (the shared default transport keeps them).
type producer struct {
	*kafka.Writer
	tr *kafka.Transport
}

// newProducer returns a writer that partitions by key (the same hash as the
// Java client's default partitioner) and waits for all in-sync replicas.
func newProducer(conn *kafkaconn.Conn, brokers []string, topic string) *producer {
	tr := conn.Transport()
	return &producer{tr: tr, Writer: &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, Transport: tr,
		Balancer: &kafka.Murmur2Balancer{}, RequiredAcks: kafka.RequireAll, BatchTimeout: 2 * time.Millisecond, BatchSize: 1000}}
}

// Close flushes and closes the writer and its connections.
func (p *producer) Close() error {
	err := p.Writer.Close()
	p.tr.CloseIdleConnections()
	return err
}

// paceStep is how often produceAtRate wakes to catch up with its rate.
const paceStep = 10 * time.Millisecond

// produceAtRate writes g's records at rate records per second of wall time
// until ctx ends; each record's timestamp is the time it was generated. It
// returns the records acknowledged. A write in flight when ctx ends is
// finished (within writeTimeout), so the count is exact. When simTime is
// not nil, it is set to the event time (Unix ms) of the newest record
// acknowledged, for other goroutines to read.
func produceAtRate(ctx context.Context, w messageWriter, g *simulate.Generator, rate float64, simTime *atomic.Int64) (int, error) {
	start := time.Now()
	tick := time.NewTicker(paceStep)
	defer tick.Stop()
	sent := 0
	chunk := max(1000, int(rate*maxWrite.Seconds()))
	var msgs []kafka.Message
	for {
		due := int(rate * time.Since(start).Seconds())
		msgs = msgs[:0]
		now := time.Now()
		for sent+len(msgs) < due && len(msgs) < chunk {
			msgs = append(msgs, message(g.Next(), now))
		}
		if err := writeAll(ctx, w, msgs); err != nil {
			return sent, err
		}
		sent += len(msgs)
		if simTime != nil && len(msgs) > 0 {
			simTime.Store(g.TickTime(g.Tick()).UnixMilli())
		}
		if ctx.Err() != nil {
			return sent, nil
		}
		if sent < due {
			continue // behind the rate: write the next chunk at once
		}
		select {
		case <-ctx.Done():
			return sent, nil
		case <-tick.C:
		}
	}
}

// maxWrite bounds one write to this much of the rate's records. A producer
// that cannot keep up (the broker or the machine is the limit) then writes
// bounded batches back to back and reports the rate it reached, instead of
// gathering the whole deficit into one write that outlasts writeTimeout.
const maxWrite = 100 * time.Millisecond

// writeTimeout bounds one paced write, which ctx does not interrupt.
const writeTimeout = 30 * time.Second

// messageWriter is what produceAtRate writes with (a *producer).
type messageWriter interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

func writeAll(ctx context.Context, w messageWriter, msgs []kafka.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	if err := w.WriteMessages(wctx, msgs...); err != nil {
		return fmt.Errorf("rnncast: cannot produce: %w", err)
	}
	return nil
}

func message(r simulate.Record, now time.Time) kafka.Message {
	return kafka.Message{Key: r.Key, Value: r.Value, Time: now}
}
