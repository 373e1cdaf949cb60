package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/models"
	"github.com/rnncast/rnncast/simulate"
)

func init() {
	register(command{name: "bench", summary: "measure pipeline throughput and latency against a bare kafka-go passthrough", run: runBench})
}

const benchAbout = `Measures, in one run against the same broker and the same records:
 (a) passthrough: bare kafka-go, one Reader per partition, micro-batches of
     --batch records (or --max-delay after the first) written with acks=all;
 (b) pipeline: the full rnncast pipeline (consumer group, decode, window,
     model, forecast encoding, acked writes, state checkpoints, commits)
     serving --model, in the shipped configuration: observed as rnncast run
     observes it (the Prometheus adapter, live scoring, the web view's hub,
     from the same wiring function). --hooks=off runs it with no-op
     observers and no hub instead, to show what they cost.
Throughput: --records preloaded records, from the first fetch to the last
one handled, and the process CPU time (user+system) per record of each.
Latency: records offered at a fixed rate (default half the slower system's
throughput) for --duration; end-to-end is the output's acknowledgement
minus the input record's timestamp. Prints p50 and p99, then the
pipeline/passthrough ratios of CPU per record and, last, of throughput.
Scratch topics are created and deleted. The broker is an in-process kfake
(whose CPU then counts too) unless --brokers is given; the TLS and SASL
flags (those of rnncast run) need --brokers and apply to both systems.`

// Values of --hooks.
const (
	hooksShipped = "shipped"
	hooksOff     = "off"
)

// benchOptions are the flags of rnncast bench.
type benchOptions struct {
	brokers                     string
	records, sensors, partition int
	batch                       int
	maxDelay, duration, timeout time.Duration
	rate                        float64
	modelPath                   string
	state                       bool
	cpuProfile                  string
	hooks                       string // hooksShipped or hooksOff
	kafka                       *kafkaFlags
}

func benchFlags(o *benchOptions, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("bench", "bench [--brokers host:port,...] [--records N] [--sensors N] [--duration D]", benchAbout, stderr)
	fs.StringVar(&o.brokers, "brokers", "", "comma-separated brokers of a running Kafka (default: an in-process kfake broker)")
	fs.IntVar(&o.records, "records", 200000, "records preloaded for the throughput measurement")
	fs.IntVar(&o.sensors, "sensors", 1000, "simulated sensors (keys)")
	fs.IntVar(&o.partition, "partitions", 4, "partitions of the scratch input and output topics")
	fs.IntVar(&o.batch, "batch", 512, "records per micro-batch, both systems")
	fs.DurationVar(&o.maxDelay, "max-delay", 20*time.Millisecond, "longest a micro-batch waits after its first record, both systems")
	fs.Float64Var(&o.rate, "rate", 0, "offered rate of the latency measurement, records/s (0: half the slower system's throughput)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "length of each latency measurement")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "give up on a measurement after this long")
	fs.StringVar(&o.modelPath, "model", "", "model file for the pipeline (default: the bundled demo model)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the pipeline's throughput phase to this file (go tool pprof)")
	fs.StringVar(&o.hooks, "hooks", hooksShipped, `the pipeline's observers: "shipped" (as rnncast run: Prometheus adapter, live scoring, web view hub) or "off" (no-op, to show their cost)`)
	fs.BoolVar(&o.state, "state", true, "the pipeline checkpoints sensor states to a (scratch) state topic, as rnncast run does by default")
	o.kafka = addKafkaFlags(fs)
	return fs
}

func runBench(args []string, stdout, stderr io.Writer) int {
	var o benchOptions
	if code := parseFlags(benchFlags(&o, stderr), args); code >= 0 {
		return code
	}
	ctx, stop := commandContext(0)
	defer stop()
	if _, err := bench(ctx, o, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// benchResult holds the figures bench prints.
type benchResult struct {
	pass, pipe throughput
	rate       float64
	passLat    latencies
	pipeLat    latencies
}

// Ratio is the pipeline's throughput over the passthrough's.
func (r benchResult) Ratio() float64 { return r.pipe.perSecond() / r.pass.perSecond() }

// bench runs both measurements and prints them.
func bench(ctx context.Context, o benchOptions, stdout, stderr io.Writer) (benchResult, error) {
	if o.records < 1 || o.sensors < 1 || o.partition < 1 || o.batch < 1 || o.duration <= 0 || o.maxDelay <= 0 {
		return benchResult{}, errors.New("rnncast bench: --records, --sensors, --partitions, --batch, --duration and --max-delay must be positive")
	}
	if o.hooks != hooksShipped && o.hooks != hooksOff {
		return benchResult{}, fmt.Errorf("rnncast bench: --hooks is %q, want %q or %q", o.hooks, hooksShipped, hooksOff)
	}
	m, err := benchModel(o.modelPath)
	if err != nil {
		return benchResult{}, err
	}
	if o.brokers == "" && o.kafka.set() {
		return benchResult{}, errors.New("rnncast bench: the TLS and SASL flags need --brokers (the in-process kfake broker speaks PLAINTEXT)")
	}
	brokers, where, closeBroker, err := benchBroker(o.brokers)
	if err != nil {
		return benchResult{}, err
	}
	defer closeBroker()
	conn, err := o.kafka.connect(ctx, brokers)
	if err != nil {
		return benchResult{}, err
	}
	fmt.Fprintf(stdout, "rnncast bench: broker %s; %d records from %d sensors over %d partitions; batch %d, max delay %v; model %s v%s (%s, hidden %d, horizon %d); state checkpoints %v\n",
		where, o.records, o.sensors, o.partition, o.batch, o.maxDelay, m.Meta.Name, m.Meta.Version, m.Meta.Cell, m.Meta.Hidden, m.Meta.Horizon, o.state)
	if o.hooks == hooksShipped {
		fmt.Fprintln(stdout, "pipeline: shipped configuration (observed as rnncast run wires it: Prometheus adapter, live scoring, web view hub)")
	} else {
		fmt.Fprintln(stdout, "pipeline: hooks off (no-op observers, no web view hub: not the shipped configuration)")
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b := &benchRun{o: o, m: m, brokers: brokers, conn: conn, log: log, scratch: fmt.Sprintf("rnncast-bench-%d", time.Now().UnixNano())}
	defer b.deleteTopics()
	return b.run(ctx, stdout)
}

func benchModel(path string) (*model.Model, error) {
	if path == "" {
		m, err := model.Decode(models.Demo)
		if err != nil {
			return nil, fmt.Errorf("rnncast bench: cannot decode the bundled model: %w", err)
		}
		return m, nil
	}
	return loadModelFile(path)
}

// benchBroker returns the brokers to use, a description, and a function
// that stops the embedded broker if one was started.
func benchBroker(flagValue string) ([]string, string, func(), error) {
	if flagValue != "" {
		brokers := brokerList(flagValue)
		return brokers, fmt.Sprintf("%v", brokers), func() {}, nil
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		return nil, "", nil, fmt.Errorf("rnncast bench: cannot start kfake: %w", err)
	}
	return c.ListenAddrs(), "kfake (in process) " + c.ListenAddrs()[0], c.Close, nil
}

// simConfig is the records both systems see: well-formed, no gaps.
func (b *benchRun) simConfig() simulate.Config {
	c := simulate.DefaultConfig(b.o.sensors, 1)
	c.GapRate, c.MalformedRate, c.Interval = 0, 0, b.m.Meta.Interval
	return c
}
