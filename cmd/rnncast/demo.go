package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/rnncast/rnncast/checkpoint"
	"github.com/rnncast/rnncast/config"
	"github.com/rnncast/rnncast/metrics"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/models"
	"github.com/rnncast/rnncast/pipeline"
	"github.com/rnncast/rnncast/simulate"
)

func init() {
	register(command{name: "demo", summary: "run Kafka, a simulator and the forecaster in one process (no setup)", run: runDemo})
}

const demoAbout = `Runs the whole system in one process with nothing to install: an in-process
Kafka broker (kfake, on 127.0.0.1, a free port), the sensor simulator and the
pipeline serving the bundled demo model (a stateful GRU forecasting 24 hourly
values), checkpointing sensor states to a compacted state topic. A sensor's
first forecast comes with its 48th reading (its first 47 are warm-up). Time is
compressed: one simulated hour per --speed of wall time. Every --every it
prints readings in, forecasts out, dead letters and the live error (MAE over
recent forecasts, scored as their actual values arrive). Prometheus metrics
are served on --http. Stops after --duration, or on SIGINT or SIGTERM, with a
summary that accounts for every reading: readings in = forecasts out +
warm-ups + dead letters (+ skipped, records a restored state had taken).`

// demoOptions are the flags of rnncast demo.
type demoOptions struct {
	sensors, partitions int
	speed, duration     time.Duration
	every               time.Duration
	http                string
	seed                uint64
	verbose             bool
	onHTTP              func(addr string) // tests: the address the server bound
}

func demoFlags(o *demoOptions, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("demo", "demo [--sensors 40] [--speed 100ms] [--duration 30s]", demoAbout, stderr)
	fs.IntVar(&o.sensors, "sensors", 40, "number of simulated sensors")
	fs.IntVar(&o.partitions, "partitions", 4, "partitions of the sensors topic")
	fs.DurationVar(&o.speed, "speed", 100*time.Millisecond, "wall time per simulated hour")
	fs.DurationVar(&o.duration, "duration", 0, "stop by itself after this long, with a final summary (0: run until SIGINT)")
	fs.DurationVar(&o.every, "every", 3*time.Second, "time between two status lines")
	fs.StringVar(&o.http, "http", "127.0.0.1:9464", `address of /metrics, /healthz and /readyz ("" disables)`)
	fs.Uint64Var(&o.seed, "seed", 1, "simulator seed")
	fs.BoolVar(&o.verbose, "v", false, "log the pipeline's info messages to stderr (default: warnings only)")
	return fs
}

func runDemo(args []string, stdout, stderr io.Writer) int {
	var o demoOptions
	if code := parseFlags(demoFlags(&o, stderr), args); code >= 0 {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	if _, err := demo(ctx, o, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// demo runs the demo until ctx ends and returns the final totals.
func demo(ctx context.Context, o demoOptions, stdout, stderr io.Writer) (metrics.Snapshot, error) {
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	m, err := model.Decode(models.Demo)
	if err != nil {
		return metrics.Snapshot{}, fmt.Errorf("rnncast demo: cannot decode the bundled model: %w", err)
	}
	cfg := config.Default()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(int32(o.partitions),
		cfg.Kafka.InputTopic, cfg.Kafka.OutputTopic, cfg.Kafka.DeadLetterTopic))
	if err != nil {
		return metrics.Snapshot{}, fmt.Errorf("rnncast demo: cannot start kfake: %w", err)
	}
	defer cluster.Close()
	cfg.Kafka.Brokers = cluster.ListenAddrs()
	cfg.ShutdownTimeout = 10 * time.Second
	pc := pipelineConfig(cfg)
	ob, err := newObservers(m, &pc, m.Meta.Interval)
	if err != nil {
		return metrics.Snapshot{}, err
	}
	reg, obs, view := ob.reg, ob.metrics, ob.view
	store, err := checkpoint.New(ctx, checkpoint.Config{Brokers: cfg.Kafka.Brokers,
		InputTopic: cfg.Kafka.InputTopic, Topic: cfg.Kafka.StateTopic, Mode: m.Meta.Mode}, m, obs)
	if err != nil {
		return metrics.Snapshot{}, err
	}
	defer store.Close()
	pc.Checkpointer, pc.Restorer = store, store
	totals := &demoTotals{Observer: view.obs}
	p, err := pipeline.New(pc, m, totals, log)
	if err != nil {
		return metrics.Snapshot{}, err
	}
	addr := "off"
	if o.http != "" {
		srv, err := startHTTP(o.http, view.handler(metrics.Handler(reg, p)), log)
		if err != nil {
			return metrics.Snapshot{}, err
		}
		defer closeHTTP(srv, log)
		defer view.Close() // runs first: open /events streams would hold up closeHTTP
		addr = "http://" + srv.addr + "/ (metrics at /metrics)"
		if o.onHTTP != nil {
			o.onHTTP(srv.addr)
		}
	}
	warm := p.Config().Warmup
	fmt.Fprintf(stdout, "rnncast demo: Kafka (kfake) at %s; %d sensors, one simulated %s per %v; model %s v%s (%s, hidden %d, horizon %d, a sensor's first forecast with its reading %d: %d warm-up readings); web view %s\n",
		cfg.Kafka.Brokers[0], o.sensors, shortDuration(m.Meta.Interval), o.speed, m.Meta.Name, m.Meta.Version, m.Meta.Cell, m.Meta.Hidden, m.Meta.Horizon, warm, warm-1, addr)
	return runDemoLoop(ctx, o, cfg, m, p, obs, totals, stdout)
}

// runDemoLoop runs the simulator and the pipeline, prints a status line
// every o.every, and after ctx ends waits for both and prints the summary.
func runDemoLoop(ctx context.Context, o demoOptions, cfg *config.Config, m *model.Model, p *pipeline.Pipeline, obs *metrics.Observer, totals *demoTotals, stdout io.Writer) (metrics.Snapshot, error) {
	sim := simulate.DefaultConfig(o.sensors, o.seed)
	sim.Interval = m.Meta.Interval
	g, err := simulate.New(sim)
	if err != nil {
		return metrics.Snapshot{}, err
	}
	w := newProducer(nil, cfg.Kafka.Brokers, cfg.Kafka.InputTopic) // kfake: PLAINTEXT
	prodDone, runDone := make(chan error, 1), make(chan error, 1)
	var simTime atomic.Int64 // the generator belongs to the producer goroutine
	simTime.Store(g.TickTime(0).UnixMilli())
	go func() {
		_, err := produceAtRate(ctx, w, g, float64(o.sensors)/o.speed.Seconds(), &simTime)
		prodDone <- err
	}()
	go func() { runDone <- p.Run(ctx) }()
	start := time.Now()
	tick := time.NewTicker(o.every)
	defer tick.Stop()
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-tick.C:
			printStatus(stdout, time.Since(start), simTime.Load(), obs.Snapshot(), "")
		}
	}
	err = errors.Join(<-prodDone, w.Close(), <-runDone)
	s := obs.Snapshot()
	printStatus(stdout, time.Since(start), simTime.Load(), s, "final: ")
	fmt.Fprintf(stdout, "final: %s\n", totals.line())
	return s, err
}

func printStatus(w io.Writer, elapsed time.Duration, simMs int64, s metrics.Snapshot, prefix string) {
	mae := "- (sensors warming up)"
	if s.Scored {
		mae = fmt.Sprintf("%.3f", s.LiveMAE)
	}
	fmt.Fprintf(w, "%s%6.1fs  sim %s  readings in %d  forecasts out %d  dead letters %d  live MAE %s\n",
		prefix, elapsed.Seconds(), time.UnixMilli(simMs).UTC().Format("2006-01-02 15:04"), s.RecordsIn, s.ForecastsOut, s.DeadLetters, mae)
}

// shortDuration prints whole hours and minutes without the trailing zero
// units of time.Duration.String: "1h", "15m", "1h30m".
func shortDuration(d time.Duration) string {
	s := d.String()
	if d%time.Minute == 0 {
		s = strings.TrimSuffix(s, "0s")
	}
	if d%time.Hour == 0 {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
