package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/rnncast/rnncast/backtest"
	"github.com/rnncast/rnncast/model"
)

func init() {
	register(command{name: "backtest", summary: "replay a CSV series or a Kafka topic range through a model and score its forecasts", run: runBacktest})
}

// backtestFlags are the flags of rnncast backtest.
type backtestFlags struct {
	modelPath, data, target, features string
	report, parquet                   string
	ett                               bool
	cfg                               backtest.Config
	topic                             topicFlags // a Kafka topic range instead of -data
}

func parseBacktestFlags(args []string, stderr io.Writer) (*backtestFlags, error) {
	f := &backtestFlags{}
	fs := flag.NewFlagSet("backtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.modelPath, "model", "", "model file (safetensors); empty scores the baselines alone")
	fs.StringVar(&f.data, "data", "", "CSV file: a time column first, then feature columns (required)")
	fs.StringVar(&f.target, "target", "OT", "target column")
	fs.StringVar(&f.features, "features", "", "comma-separated input columns in the model's order (default: the target alone)")
	fs.StringVar(&f.report, "report", "", "directory for report.md and its PNG plots (none when empty)")
	fs.StringVar(&f.parquet, "parquet", "", "file for the forecasts as Parquet (none when empty)")
	fs.BoolVar(&f.ett, "ett", false, "the ETT split: test rows [11520,14400), scaler on rows [0,8640)")
	fs.IntVar(&f.cfg.Horizon, "horizon", 0, "H (default: the model's)")
	fs.IntVar(&f.cfg.Period, "period", 24, "seasonal-naive period in rows")
	fs.IntVar(&f.cfg.TestStart, "test-start", 0, "first target row of the test split (default 80% of the rows)")
	fs.IntVar(&f.cfg.TestEnd, "test-end", 0, "end of the test split's target rows (default: all rows)")
	fs.IntVar(&f.cfg.ScaleRows, "scale-rows", 0, "fit the standardized scale on rows [0,scale-rows) (default: the model's scaler)")
	fs.StringVar(&f.cfg.Mode, "mode", "", "serving mode: window or stateful (default: the model's)")
	f.topic.register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if (f.data == "") == (f.topic.topic == "") {
		return nil, fmt.Errorf("rnncast backtest: give -data or -topic")
	}
	if f.ett {
		f.cfg.TestStart, f.cfg.TestEnd, f.cfg.ScaleRows = 11520, 14400, 8640
	}
	return f, nil
}

func runBacktest(args []string, stdout, stderr io.Writer) int {
	f, err := parseBacktestFlags(args, stderr)
	if err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(stderr, err)
		}
		return 2
	}
	if err := doBacktest(f, stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

func doBacktest(f *backtestFlags, stdout io.Writer) error {
	if f.topic.topic != "" {
		return doTopicBacktest(f, stdout)
	}
	tab, err := readTable(f.data, f.target, f.features)
	if err != nil {
		return err
	}
	var m *model.Model
	if f.modelPath != "" {
		if m, err = model.Load(f.modelPath); err != nil {
			return fmt.Errorf("rnncast backtest: cannot load model: %w", err)
		}
	}
	if f.cfg.TestStart == 0 {
		f.cfg.TestStart = len(tab.Times) * 8 / 10
	}
	res, err := backtest.Run(m, tab, f.cfg)
	if err != nil {
		return err
	}
	if err := writeOutputs(res, f.report, f.parquet); err != nil {
		return err
	}
	fmt.Fprintln(stdout, res.Summary())
	return nil
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
	fh, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("rnncast backtest: cannot create parquet file: %w", err)
	}
	if err := res.WriteParquet(fh); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}
