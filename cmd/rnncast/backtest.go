package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rnncast/rnncast/backtest"
	"github.com/rnncast/rnncast/model"
)

func init() {
	register(command{name: "backtest", summary: "replay a CSV series or a Kafka topic range through a model and score its forecasts", run: runBacktest})
}

const backtestSynopsis = `backtest (-data series.csv | -topic T) [-model m.safetensors] [-out dir] [flags]`

const backtestAbout = `Scores a model's forecasts, and the Repeat and seasonal-naive baselines, on
history: a CSV series (-data: a time column first, then feature columns) or a
range of a Kafka topic (-topic), replayed without a consumer group through the
same code as rnncast run, so its forecasts are the run's, byte for byte. Prints
a one-line summary (MSE, MAE, MASE per method); -out writes report.md, its
plots and forecasts.parquet. A backtest writes no forecast to Kafka unless
-to-topic names the topic, and no dead letter unless -dead-letter-topic does.
Flags of the other source are an error (e.g. -speed with -data, -ett with
-topic).

Examples:
  rnncast backtest -data ETTh1.csv -model m.safetensors -ett -out report/
  rnncast backtest -data ETTh1.csv,ETTh2.csv -series all -model fleet.safetensors -ett -out report/
  rnncast backtest -topic sensors -config pipeline.yaml -model m.safetensors \
      -from-time 2026-01-01T00:00:00Z -out report/
  rnncast backtest -topic sensors -config pipeline.yaml -to-topic forecasts-replayed -speed 60`

// backtestFlags are the flags of rnncast backtest.
type backtestFlags struct {
	modelPath, data, target, features string
	series                            string // -series: each column a sensor of its own (backtest_fleet.go)
	report, parquet, out              string
	ett                               bool
	cfg                               backtest.Config
	topic                             topicFlags      // a Kafka topic range instead of -data
	set                               map[string]bool // the flags given on the command line
}

// backtestCSVOnly flags apply to -data backtests, backtestTopicOnly flags
// to -topic ones.
var (
	backtestCSVOnly   = []string{"target", "features", "series", "ett", "test-start", "test-end", "scale-rows", "inject", "inject-k", "inject-rate", "inject-seed"}
	backtestTopicOnly = []string{"brokers", "partitions", "config", "from-offset", "to-offset", "from-time", "to-time",
		"speed", "to-topic", "dead-letter-topic"}
)

func backtestFlagSet(f *backtestFlags, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("backtest", backtestSynopsis, backtestAbout, stderr)
	fs.StringVar(&f.modelPath, "model", "", "model file (safetensors); empty scores the baselines alone (-data) or uses model.path of -config (-topic)")
	fs.StringVar(&f.data, "data", "", "CSV file: a time column first, then feature columns (this or -topic)")
	fs.StringVar(&f.target, "target", "", `-data: target column (default: the model's recorded target name, else "OT")`)
	fs.StringVar(&f.features, "features", "", "-data: comma-separated input columns in the model's order (default: the target alone)")
	fs.StringVar(&f.series, "series", "", `-data: comma-separated columns, or "all" numeric ones, each scored as a sensor of its own (per-sensor report, mean over sensors); -data may name several files`)
	fs.StringVar(&f.out, "out", "", "directory for report.md, its PNG plots and forecasts.parquet (none when empty)")
	fs.StringVar(&f.report, "report", "", "directory for report.md and its PNG plots alone (none when empty)")
	fs.StringVar(&f.parquet, "parquet", "", "file for the forecasts as Parquet alone (none when empty)")
	fs.BoolVar(&f.ett, "ett", false, "-data: the ETT split: test rows [11520,14400), scaler on rows [0,8640)")
	fs.IntVar(&f.cfg.Horizon, "horizon", 0, "H (default: the model's)")
	fs.IntVar(&f.cfg.Period, "period", 0, "seasonal-naive period in rows (default: one day of the data's interval, 24 for 1h, 96 for 15m)")
	fs.IntVar(&f.cfg.TestStart, "test-start", 0, "-data: first target row of the test split (default 80% of the rows)")
	fs.IntVar(&f.cfg.TestEnd, "test-end", 0, "-data: end of the test split's target rows (default: all rows)")
	fs.IntVar(&f.cfg.ScaleRows, "scale-rows", 0, "-data: fit the standardized scale on rows [0,scale-rows) (default: the model's scaler)")
	fs.StringVar(&f.cfg.Mode, "mode", "", "serving mode: window or stateful (default: the model's)")
	fs.Float64Var(&f.cfg.AnomalyLevel, "anomaly-level", backtest.DefaultAnomalyLevel, "a reading outside this level's calibrated interval of the forecast made one step earlier is an anomaly event")
	fs.StringVar(&f.cfg.Inject, "inject", "", "-data: add seeded anomalies to the scored rows and score the events against them: spikes (one reading off), shifts (the level moves) or both")
	fs.Float64Var(&f.cfg.InjectK, "inject-k", 5, "-inject: the anomalies' size in the target's train std")
	fs.Float64Var(&f.cfg.InjectRate, "inject-rate", 0.005, "-inject: the share of scored rows injected (keep it below 1 − anomaly-level: the calibration keeps that share of readings outside)")
	fs.Uint64Var(&f.cfg.InjectSeed, "inject-seed", 1, "-inject: the seed of the positions, signs and kinds")
	f.topic.register(fs)
	return fs
}

func parseBacktestFlags(args []string, stderr io.Writer) (*backtestFlags, int) {
	f := &backtestFlags{}
	fs := backtestFlagSet(f, stderr)
	if code := parseFlags(fs, args); code >= 0 {
		return nil, code
	}
	f.set = setFlags(fs)
	err := checkSource("backtest", f.set, backtestCSVOnly, backtestTopicOnly)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, 2
	}
	if f.ett {
		f.cfg.TestStart, f.cfg.TestEnd, f.cfg.ScaleRows = 11520, 14400, 8640
	}
	return f, -1
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	return set
}

// checkSource checks that exactly one of -data and -topic is given and that
// no flag of the other source is: csvOnly flags apply to -data, topicOnly
// flags to -topic. The error names the flag.
func checkSource(cmd string, set map[string]bool, csvOnly, topicOnly []string) error {
	if set["data"] == set["topic"] {
		return fmt.Errorf("rnncast %s: give -data (a CSV file) or -topic (a Kafka topic range), one of them", cmd)
	}
	source, other, wrong := "-data", "-topic", topicOnly
	if set["topic"] {
		source, other, wrong = "-topic", "-data", csvOnly
	}
	for _, name := range wrong {
		if set[name] {
			return fmt.Errorf("rnncast %s: -%s applies to %s only, not with %s", cmd, name, other, source)
		}
	}
	return nil
}

func runBacktest(args []string, stdout, stderr io.Writer) int {
	f, code := parseBacktestFlags(args, stderr)
	if code >= 0 {
		return code
	}
	if err := doBacktest(f, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, errorLine("backtest", err))
		return 1
	}
	return 0
}

func doBacktest(f *backtestFlags, stdout, stderr io.Writer) error {
	if f.topic.topic != "" {
		return doTopicBacktest(f, stdout, stderr)
	}
	if f.series != "" {
		return doFleetBacktest(f, stdout, stderr)
	}
	var m *model.Model
	if f.modelPath != "" {
		var err error
		if m, err = loadModelFile(f.modelPath); err != nil {
			return err
		}
	}
	target, why := f.backtestTarget(m)
	if why != "" {
		head, _, err := csvHead(f.data)
		if err != nil {
			return err
		}
		if !slices.Contains(head[min(1, len(head)):], target) {
			return fmt.Errorf("%s has no column %q (columns %v): -target %s; pass -target", f.data, target, head, why)
		}
	}
	tab, err := readTable("backtest", f.data, target, f.features)
	if err != nil {
		return err
	}
	if f.cfg.TestStart == 0 {
		f.cfg.TestStart = len(tab.Times) * 8 / 10
	}
	if !f.set["period"] {
		f.cfg.Period = dayPeriod(tab.Interval, stderr)
	}
	res, err := backtest.Run(m, tab, f.cfg)
	if err != nil {
		return err
	}
	if err := f.writeOutputs(res); err != nil {
		return err
	}
	fmt.Fprintln(stdout, res.Summary())
	return nil
}

// backtestTarget is the -data target column: -target, else the model's
// recorded target name, else "OT" (the ETT files' column). why says where a
// default came from.
func (f *backtestFlags) backtestTarget(m *model.Model) (target, why string) {
	switch {
	case f.set["target"]:
		return f.target, ""
	case m == nil:
		return "OT", `defaults to "OT" when there is no -model`
	case m.Meta.TargetName != "":
		return m.Meta.TargetName, fmt.Sprintf("defaults to the model's target %q", m.Meta.TargetName)
	default:
		return "OT", `defaults to "OT": the model records no target name`
	}
}

// dayPeriod returns the rows of one day at interval: 24 for 1h, 96 for
// 15m. An interval that does not divide a day falls back to 24 rows, said
// on w.
func dayPeriod(interval time.Duration, w io.Writer) int {
	const day = 24 * time.Hour
	if interval > 0 && interval <= day && day%interval == 0 {
		return int(day / interval)
	}
	fmt.Fprintf(w, "rnncast backtest: the interval %v does not divide a day; -period falls back to 24 rows (pass -period to choose)\n", interval)
	return 24
}

// writeOutputs writes what -out, -report and -parquet ask for.
func (f *backtestFlags) writeOutputs(res *backtest.Result) error {
	if dir := f.out; dir != "" {
		if err := writeOutputs(res, dir, filepath.Join(dir, "forecasts.parquet")); err != nil {
			return err
		}
	}
	return writeOutputs(res, f.report, f.parquet)
}

// writeOutputs writes res's report (Markdown and plots) into the directory
// report and its forecasts as Parquet to the file parquet; "" skips either.
func writeOutputs(res *backtest.Result, report, parquet string) error {
	if report != "" {
		if err := res.WriteReport(report); err != nil {
			return err
		}
	}
	if parquet != "" {
		return writeParquetFile(res, parquet)
	}
	return nil
}

func writeParquetFile(res *backtest.Result, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot create the parquet file's directory: %w", err)
	}
	fh, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cannot create parquet file: %w", err)
	}
	if err := res.WriteParquet(fh); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// errorLine is err's message for the command cmd: it starts with
// "rnncast <cmd>: ", so that the failing command is named, once.
func errorLine(cmd string, err error) string {
	prefix := "rnncast " + cmd + ": "
	msg := err.Error()
	if strings.HasPrefix(msg, prefix) {
		return msg
	}
	return prefix + strings.TrimPrefix(msg, "rnncast: ")
}
