package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rnncast/rnncast/backtest"
	"github.com/rnncast/rnncast/config"
	"github.com/rnncast/rnncast/ingest"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/pipeline"
	"github.com/rnncast/rnncast/sink"
)

// topicFlags are rnncast backtest's flags for replaying a Kafka topic range
// (instead of -data).
type topicFlags struct {
	brokers, topic, partitions, configPath string
	fromOffset, toOffset                   int64
	fromTime, toTime                       string
	speed                                  float64
	toTopic, deadLetterTopic               string
	kafka                                  *kafkaFlags
}

func (t *topicFlags) register(fs *flag.FlagSet) {
	t.registerRange(fs, "replay this input topic instead of -data (no consumer group, no commits)")
	fs.Float64Var(&t.speed, "speed", 0, "replay at this multiple of real (event) time; 0 is as fast as possible")
	fs.StringVar(&t.toTopic, "to-topic", "", "write the forecasts to this topic, as rnncast run would (default: made and scored, written nowhere)")
	fs.StringVar(&t.deadLetterTopic, "dead-letter-topic", "", "write dead letters to this topic (default: counted, not written)")
}

// registerRange binds the flags that select a topic range (backtest and
// train).
func (t *topicFlags) registerRange(fs *flag.FlagSet, topicUsage string) {
	fs.StringVar(&t.topic, "topic", "", topicUsage)
	fs.StringVar(&t.brokers, "brokers", "", "comma-separated bootstrap brokers (default: the config's)")
	fs.StringVar(&t.partitions, "partitions", "", "comma-separated partitions to replay (default: all)")
	fs.StringVar(&t.configPath, "config", "", "pipeline.yaml whose decoder, window, model mode and batch settings are used (default: the defaults); for a backtest, use the run's for equal forecasts")
	fs.Int64Var(&t.fromOffset, "from-offset", -1, "first offset of each partition (default: the first)")
	fs.Int64Var(&t.toOffset, "to-offset", -1, "end offset, exclusive (default: the high watermark at the start)")
	fs.StringVar(&t.fromTime, "from-time", "", "start at the first record whose Kafka timestamp is at or after this RFC 3339 time")
	fs.StringVar(&t.toTime, "to-time", "", "end before the first record whose Kafka timestamp is at or after this RFC 3339 time")
	t.kafka = addKafkaFlags(fs)
}

// bounds parses the range flags.
func (t *topicFlags) bounds() (ingest.Bounds, error) {
	b := ingest.Bounds{FromOffset: t.fromOffset, ToOffset: t.toOffset}
	for _, x := range []struct {
		s   string
		dst *time.Time
	}{{t.fromTime, &b.FromTime}, {t.toTime, &b.ToTime}} {
		if x.s == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339Nano, x.s)
		if err != nil {
			return b, fmt.Errorf("bad time %q (want RFC 3339): %w", x.s, err)
		}
		*x.dst = v
	}
	return b, b.Validate()
}

// topicConfig is the pipeline configuration of the replay: the config
// file's (or the defaults), with the flags' brokers, topics, TLS and SASL.
// It runs the Kafka preflight (connect, authenticate) before returning.
func (t *topicFlags) topicConfig(ctx context.Context) (*config.Config, pipeline.Config, error) {
	c := config.Default()
	if err := c.ApplyEnv(os.LookupEnv); err != nil {
		return nil, pipeline.Config{}, err
	}
	if t.configPath != "" {
		var err error
		if c, err = config.Load(t.configPath); err != nil {
			return nil, pipeline.Config{}, err
		}
	}
	pc := pipelineConfig(c)
	pc.InputTopic, pc.OutputTopic, pc.DeadLetterTopic = t.topic, t.toTopic, t.deadLetterTopic
	if t.brokers != "" {
		pc.Brokers = strings.Split(t.brokers, ",")
	}
	t.kafka.apply(&c.Kafka)
	k := c.Kafka
	k.Brokers = pc.Brokers
	conn, err := connectKafka(ctx, k)
	if err != nil {
		return nil, pipeline.Config{}, err
	}
	pc.Kafka = conn
	return c, pc, nil
}

func doTopicBacktest(f *backtestFlags, stdout, stderr io.Writer) error {
	ctx, stop := commandContext(0)
	defer stop()
	t := &f.topic
	c, pc, err := t.topicConfig(ctx)
	if err != nil {
		return err
	}
	if f.modelPath == "" {
		f.modelPath = c.Model.Path
	}
	m, err := loadModelFile(f.modelPath)
	if err != nil {
		return err
	}
	srcs, err := t.sources(ctx, pc)
	if err != nil {
		return err
	}
	defer func() {
		for _, s := range srcs {
			s.(*ingest.RangeReader).Close()
		}
	}()
	out, closeOut, err := t.writer(ctx, pc)
	if err != nil {
		return err
	}
	defer closeOut()
	if f.cfg.Mode != "" {
		pc.Mode = f.cfg.Mode
	}
	col := backtest.NewCollector(m.Meta.Target)
	pc.OnReading, pc.OnForecast = col.Reading, col.Forecast
	st, err := pipeline.Replay(ctx, pc, m, srcs, out, pipeline.ReplayOptions{Speed: t.speed, WriteDeadLetters: t.deadLetterTopic != ""})
	if err != nil {
		return err
	}
	return reportTopic(f, m, pc, col, st, stdout, stderr)
}

// sources opens a range reader per partition to replay.
func (t *topicFlags) sources(ctx context.Context, pc pipeline.Config) ([]pipeline.Source, error) {
	b, err := t.bounds()
	if err != nil {
		return nil, err
	}
	brokers, dialer := pc.Brokers, pc.Kafka.Dialer()
	parts, err := t.partitionList(ctx, pc)
	if err != nil {
		return nil, err
	}
	var srcs []pipeline.Source
	for _, p := range parts {
		rng, err := ingest.ResolveRange(ctx, brokers, dialer, t.topic, p, b)
		if err == nil {
			var rr *ingest.RangeReader
			if rr, err = ingest.NewRangeReader(ingest.Config{Brokers: brokers, Dialer: dialer, Topic: t.topic}, rng); err == nil {
				srcs = append(srcs, rr)
				continue
			}
		}
		for _, s := range srcs {
			s.(*ingest.RangeReader).Close()
		}
		return nil, err
	}
	return srcs, nil
}

// partitionList returns the -partitions, or every partition of the topic.
func (t *topicFlags) partitionList(ctx context.Context, pc pipeline.Config) ([]int, error) {
	n, err := ingest.TopicPartitions(ctx, pc.Brokers, pc.Kafka.Dialer(), t.topic)
	if err != nil {
		return nil, err
	}
	var parts []int
	if t.partitions == "" {
		for p := 0; p < n[t.topic]; p++ {
			parts = append(parts, p)
		}
		return parts, nil
	}
	for _, s := range strings.Split(t.partitions, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || p < 0 || p >= n[t.topic] {
			return nil, fmt.Errorf("bad partition %q in -partitions (topic %s has %d)", s, t.topic, n[t.topic])
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// discard is a BatchWriter that writes nothing (no -to-topic).
type discard struct{}

func (d discard) Write(context.Context, *sink.Batch) error { return nil }

// writer returns where the replay writes: a Kafka writer when -to-topic or
// -dead-letter-topic is given (the topics must exist), else nothing. The
// replay gives it forecasts only when -to-topic names their topic
// (pipeline.Replay with an empty OutputTopic writes none).
func (t *topicFlags) writer(ctx context.Context, pc pipeline.Config) (pipeline.BatchWriter, func(), error) {
	var topics []string
	for _, s := range []string{t.toTopic, t.deadLetterTopic} {
		if s != "" {
			topics = append(topics, s)
		}
	}
	if len(topics) == 0 {
		return discard{}, func() {}, nil
	}
	if _, err := ingest.TopicPartitions(ctx, pc.Brokers, pc.Kafka.Dialer(), topics...); err != nil {
		return nil, nil, err
	}
	w, err := sink.NewWriter(sink.WriterConfig{Brokers: pc.Brokers, Dialer: pc.Kafka.Dialer(), BatchSize: pc.MaxBatch})
	if err != nil {
		return nil, nil, err
	}
	return w, func() { w.Close() }, nil
}

// reportTopic scores the replay's forecasts, writes the report and Parquet
// files asked for, and prints the one-line summary.
func reportTopic(f *backtestFlags, m *model.Model, pc pipeline.Config, col *backtest.Collector, st pipeline.ReplayStats, stdout, stderr io.Writer) error {
	mode := pc.Mode
	if mode == "" {
		mode = m.Meta.Mode
	}
	if mode == "" {
		mode = pipeline.ModeStateful
	}
	dead := 0
	for _, n := range st.DeadLetters {
		dead += n
	}
	counts := fmt.Sprintf("records=%d forecasts_made=%d warmups=%d dead_letters=%d", st.Records, st.Forecasts, st.Warmups, dead)
	interval := gridInterval(pc.Window.Interval, m)
	if !f.set["period"] {
		f.cfg.Period = dayPeriod(interval, stderr)
	}
	res, ts, err := col.Result(m, backtest.TopicConfig{Name: f.topic.topic, Interval: interval,
		Horizon: f.cfg.Horizon, Period: f.cfg.Period, Mode: mode})
	if err != nil {
		if errors.Is(err, backtest.ErrNoScored) {
			fmt.Fprintf(stdout, "backtest %s mode=%s sensors=%d scored=0 %s\n", f.topic.topic, mode, ts.Sensors, counts)
			return nil
		}
		return err
	}
	if err := f.writeOutputs(res); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s scored=%d %s\n", res.Summary(), ts.Scored, counts) // Summary says sensors= (ts.Sensors)
	return nil
}
