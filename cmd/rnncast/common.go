package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/rnncast/rnncast/config"
	"github.com/rnncast/rnncast/ingest"
	"github.com/rnncast/rnncast/kafkaconn"
	"github.com/rnncast/rnncast/metrics"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/pipeline"
	"github.com/rnncast/rnncast/record"
	"github.com/rnncast/rnncast/sink"
	"github.com/rnncast/rnncast/window"
)

// pipelineConfig converts pipeline.yaml's Config into the pipeline's own.
// Zero values (model-derived window, interval, warm-up, mode) stay zero:
// pipeline.New fills them in from the model.
func pipelineConfig(c *config.Config) pipeline.Config {
	minTime, maxTime := c.Input.TimeBounds()
	return pipeline.Config{
		Brokers:         c.Kafka.Brokers,
		InputTopic:      c.Kafka.InputTopic,
		OutputTopic:     c.Kafka.OutputTopic,
		DeadLetterTopic: c.Kafka.DeadLetterTopic,
		DeadLetter:      sink.DeadLetterLimits{MaxBytes: c.DeadLetter.MaxBytes, ValuePrefix: c.DeadLetter.ValuePrefixBytes},
		Group:           c.Kafka.Group,
		StartFirst:      c.Kafka.StartOffset == "earliest",
		CommitInterval:  c.Kafka.CommitInterval,
		SessionTimeout:  c.Kafka.SessionTimeout,
		// A tenth of the session, as Kafka's Java client advises (the
		// pipeline's 3s default would exceed a short session timeout).
		HeartbeatInterval: c.Kafka.SessionTimeout / 10,
		Decoder: record.DecoderConfig{Format: c.Input.Format, UseRecordTime: c.Input.UseRecordTime,
			MaxKeyBytes: c.Input.MaxKeyBytes, MaxValueBytes: c.Input.MaxValueBytes,
			TimeUnit: c.Input.TimeUnit, MinTime: minTime, MaxTime: maxTime},
		Window: window.Config{Interval: c.Window.Interval, Window: c.Window.Window,
			AllowedLateness: c.Window.AllowedLateness, MaxGap: c.Window.MaxGap, Fill: c.Window.Fill},
		Mode:            c.Model.Mode,
		Warmup:          c.Model.Warmup,
		MaxBatch:        c.Batch.MaxRecords,
		MaxDelay:        c.Batch.MaxDelay,
		ShutdownTimeout: c.ShutdownTimeout,
		FailureWindow:   c.Health.FailureWindow,
		StallTimeout:    c.Health.StallTimeout,
	}
}

// newLogger returns a log/slog logger writing to w at the configured level
// and format.
func newLogger(c config.Log, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		return nil, fmt.Errorf("rnncast: cannot use log level %q: %w", c.Level, err)
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return slog.New(slog.NewJSONHandler(w, opts)), nil
}

// newMetrics returns a fresh registry with the Go and process collectors and
// rnncast's metrics, with model_info set for m.
func newMetrics(m *model.Model) (*prometheus.Registry, *metrics.Observer, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	obs, err := metrics.New(reg)
	if err != nil {
		return nil, nil, err
	}
	obs.SetModel(m.Meta.Name, m.Meta.Version, string(m.Meta.Cell), m.Fingerprint())
	return reg, obs, nil
}

// httpServer serves one handler on a listener bound at start, so that a
// busy address fails the start rather than a background goroutine.
type httpServer struct {
	srv  *http.Server
	addr string
	done chan error
}

// startHTTP binds addr and serves h until Close.
func startHTTP(addr string, h http.Handler, log *slog.Logger) (*httpServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("rnncast: cannot listen for HTTP on %s: %w", addr, err)
	}
	s := &httpServer{srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}, addr: ln.Addr().String(), done: make(chan error, 1)}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server, letting requests in flight finish until ctx ends,
// and waits for its goroutine.
func (s *httpServer) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// loadModelFile loads a model file, naming the path in the error.
func loadModelFile(path string) (*model.Model, error) {
	if path == "" {
		return nil, errors.New("rnncast: no model: set model.path in the config or pass --model")
	}
	m, err := model.Load(path)
	if err != nil {
		return nil, fmt.Errorf("rnncast: cannot load model %s: %w", path, err)
	}
	return m, nil
}

// createTopics creates the scratch topics of bench and simulate
// (replication factor 1) over conn's TLS and SASL settings; a topic that
// already exists is not an error. Production topics are rnncast topics
// create's (topics.go).
func createTopics(ctx context.Context, conn *kafkaconn.Conn, brokers []string, partitions int, topics ...string) error {
	specs := make([]ingest.TopicSpec, len(topics))
	for i, t := range topics {
		specs[i] = ingest.TopicSpec{Name: t, Partitions: partitions, ReplicationFactor: 1}
	}
	return ingest.CreateTopics(ctx, brokers, conn.Dialer(), specs...)
}

// parseFlags parses args into fs, printing fs's usage for --help. It returns
// the exit code to use when the command must stop (0 after --help, 2 on a
// bad flag), or -1 to go on.
func parseFlags(fs *flag.FlagSet, args []string) int {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "rnncast %s: unexpected arguments %q\n", fs.Name(), fs.Args())
		return 2
	}
	return -1
}

// newFlagSet returns a flag set whose usage starts with the command's
// synopsis and description.
func newFlagSet(name, synopsis, about string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: rnncast %s\n\n%s\n\nFlags:\n", synopsis, strings.TrimSpace(about))
		fs.PrintDefaults()
	}
	return fs
}

// commandContext is the context a command runs in: it ends on SIGTERM or
// SIGINT and, when limit is positive, after limit (a --duration flag).
// stop releases the signal handler and the timer.
func commandContext(limit time.Duration) (ctx context.Context, stop context.CancelFunc) {
	ctx, stopSignals := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	if limit <= 0 {
		return ctx, stopSignals
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	return ctx, func() { cancel(); stopSignals() }
}
