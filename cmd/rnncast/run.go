package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"time"

	"github.com/rnncast/rnncast/config"
	"github.com/rnncast/rnncast/pipeline"
)

func init() {
	register(command{name: "run", summary: "serve forecasts: consume readings, write forecasts (pipeline.yaml)", run: runRun})
}

const runAbout = `Runs the streaming forecaster: joins the consumer group, turns each reading
into a forecast on the output topic, and serves /metrics, /healthz and /readyz.
The config and the model are loaded first: an invalid config or an unloadable
model exits with status 1 before anything is consumed. SIGTERM or SIGINT stops
fetching, drains, checkpoints, commits and exits 0 within shutdown_timeout.
SIGHUP reloads the model file: a file that does not load or fit the config is
rejected (logged, rnncast_model_reloads_total{result="rejected"}) and the old
model stays; a good one is served from each partition's next micro-batch on,
each sensor's state rebuilt from its window (no second warm-up).
Before anything is consumed, a preflight connects to the brokers with the
configured TLS and SASL and authenticates; a wrong password, an unknown CA or
the wrong listener exits with status 1 and names the cause. The TLS and SASL
flags override kafka.tls and kafka.sasl of the config one by one.
Environment: RNNCAST_BROKERS=host:port,... overrides kafka.brokers;
RNNCAST_KAFKA_PASSWORD is the SASL password unless kafka.sasl.password_file
is set.`

// runOptions are the flags of rnncast run.
type runOptions struct {
	configPath, modelPath string
	kafka                 *kafkaFlags // nil: the config's kafka.tls and kafka.sasl
	onStart               func(*app)  // tests: the application before it runs
}

func runFlags(o *runOptions, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("run", "run [--config pipeline.yaml] [--model file.safetensors]", runAbout, stderr)
	fs.StringVar(&o.configPath, "config", "pipeline.yaml", "pipeline configuration file (YAML, strict: unknown keys are errors)")
	fs.StringVar(&o.modelPath, "model", "", "model file (safetensors); overrides model.path in the config")
	o.kafka = addKafkaFlags(fs)
	return fs
}

func runRun(args []string, stdout, stderr io.Writer) int {
	var o runOptions
	if code := parseFlags(runFlags(&o, stderr), args); code >= 0 {
		return code
	}
	ctx, stop := commandContext(0)
	defer stop()
	return servePipeline(ctx, o, stderr, nil)
}

// servePipeline runs the pipeline until ctx ends and returns the exit code.
// Problems are logged to stderr. onHTTP, when set, gets the address the
// HTTP server bound (tests listen on port 0).
func servePipeline(ctx context.Context, o runOptions, stderr io.Writer, onHTTP func(addr string)) int {
	cfg, err := config.Load(o.configPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if o.modelPath != "" {
		cfg.Model.Path = o.modelPath
	}
	o.kafka.apply(&cfg.Kafka)
	log, err := newLogger(cfg.Log, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := serve(ctx, cfg, log, onHTTP, o.onStart); err != nil {
		log.Error("rnncast run: stopped", "err", err)
		return 1
	}
	return 0
}

// serve loads the model and serves it with the application's wiring until
// ctx ends. An error before the pipeline runs means nothing was consumed.
func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, onHTTP func(string), onStart func(*app)) error {
	m, err := loadModelFile(cfg.Model.Path)
	if err != nil {
		return err
	}
	return serveApp(ctx, cfg, m, log, appHooks{onHTTP: onHTTP, reload: true}, func(a *app) {
		log.Info("rnncast: starting", "model", m.Meta.Name, "version", m.Meta.Version,
			"fingerprint", m.Fingerprint(), "brokers", cfg.Kafka.Brokers, "input", cfg.Kafka.InputTopic, "group", cfg.Kafka.Group)
		if onStart != nil {
			onStart(a)
		}
	})
}

// runUntilDrained runs p until ctx ends. Run drains within the shutdown
// timeout itself; the extra grace here only keeps a stuck drain from
// hanging the process forever.
func runUntilDrained(ctx context.Context, p *pipeline.Pipeline, timeout time.Duration, log *slog.Logger) error {
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	log.Info("rnncast: shutting down", "timeout", timeout)
	select {
	case err := <-done:
		if err == nil {
			log.Info("rnncast: drained and committed")
		}
		return err
	case <-time.After(timeout + 5*time.Second):
		return errors.New("rnncast: cannot drain within shutdown_timeout")
	}
}

func closeHTTP(srv *httpServer, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		log.Warn("rnncast: cannot close HTTP server", "err", err)
	}
}
