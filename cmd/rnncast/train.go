package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/scale"
	"github.com/rnncast/rnncast/train"
)

func init() {
	register(command{name: "train", summary: "train a model on a CSV series or a Kafka topic range and save it as safetensors", run: runTrain})
}

const trainSynopsis = `train (-data series.csv[,more.csv] | -topic T) [-target column] [-features a,b] [-series a,b|all] [-out model.safetensors] [flags]`

const trainAbout = `Trains a recurrent forecaster (seq2vec by default; -arch for the others) on a
CSV series (-data: a time column first, then feature columns, evenly spaced)
or on one sensor of a Kafka topic range (-topic), and saves it as safetensors
with the metadata serving needs (window, interval, scaler, mode, target name).
-mode stateful trains with truncated back-propagation over the series (served
one step per reading); -mode window trains on windows from a zero state.
The target defaults to the CSV's only numeric column, else its last one (with
-features: the last feature); the choice is printed on stderr. Rows [0,60%)
train, [60%,80%) validate, unless -train-end and -val-end say otherwise.

A fleet: one model for many sensors of different kinds and units. -series
(columns of the CSV, or "all"), several -data files, or -topic without
-sensor (every sensor -sensors selects, each gap-free run its own series)
train one channel-independent model with shared weights on all of them,
every series on its own scale: -mode window with -scaling window (each
window standardized by its own mean and std, as serving does; the loss is
each series' error on its own train-standardized scale). The model forecasts
sensors it never saw. Runs too short for one window are dropped and named;
-train-until/-val-until split every series by time.

Examples:
  rnncast train -data ETTh1.csv -target OT -mode stateful -horizon 24 -window 336 -out m.safetensors
  rnncast train -data load.csv -features load,temp -target load -mode window -epochs 20
  rnncast train -topic sensors -config pipeline.yaml -sensor s-0001 -from-time 2026-01-01T00:00:00Z
  rnncast train -data ETTh1.csv,ETTh2.csv -series all -horizon 96 -out fleet.safetensors
  rnncast train -topic sensors -config pipeline.yaml -sensors 'weather-*' -train-until 2026-06-01T00:00:00Z -val-until 2026-07-01T00:00:00Z`

// trainFlags are the flags of rnncast train.
type trainFlags struct {
	data, target, features, out string
	trainEnd, valEnd            int
	quiet, verbose              bool
	cfg                         train.Config
	topic                       topicFlags      // a Kafka topic range instead of -data
	sensor                      string          // the topic's sensor to train on
	interval                    time.Duration   // the topic's grid step
	fleet                       fleetFlags      // one model on many series (train_fleet.go)
	set                         map[string]bool // the flags given on the command line
}

// trainTopicOnly flags apply to -topic training only.
var trainTopicOnly = []string{"brokers", "partitions", "config", "from-offset", "to-offset", "from-time", "to-time", "sensor", "sensors", "interval"}

// trainCSVOnly flags apply to -data training only.
var trainCSVOnly = []string{"series"}

func trainFlagSet(f *trainFlags, stderr io.Writer) *flag.FlagSet {
	fs := newFlagSet("train", trainSynopsis, trainAbout, stderr)
	fs.StringVar(&f.data, "data", "", "CSV file: a time column first, then feature columns (this or -topic)")
	fs.StringVar(&f.target, "target", "", `target column (default: the only numeric column, else the last; with -features the last feature; with -topic "value")`)
	fs.StringVar(&f.features, "features", "", "comma-separated input columns (default: the target alone)")
	fs.StringVar(&f.out, "out", "model.safetensors", "output model file")
	fs.IntVar(&f.trainEnd, "train-end", 0, "rows [0,train-end) are the train split (default 60% of the rows)")
	fs.IntVar(&f.valEnd, "val-end", 0, "validation targets are rows [train-end,val-end) (default 80% of the rows)")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar")
	fs.BoolVar(&f.verbose, "v", false, "print one line per epoch to stderr")
	addTrainConfigFlags(fs, &f.cfg)
	f.topic.registerRange(fs, "train on this topic's range instead of -data: every sensor (-sensors), or one (-sensor)")
	fs.StringVar(&f.sensor, "sensor", "", "with -topic: train on this one sensor (its longest gap-free run) instead of a fleet of every sensor")
	fs.DurationVar(&f.interval, "interval", 0, "with -topic: the grid step (default: window.interval of -config)")
	f.fleet.register(fs)
	return fs
}

func parseTrainFlags(args []string, stderr io.Writer) (*trainFlags, int) {
	f := &trainFlags{}
	fs := trainFlagSet(f, stderr)
	if code := parseFlags(fs, args); code >= 0 {
		return nil, code
	}
	f.set = setFlags(fs)
	if err := checkSource("train", f.set, trainCSVOnly, trainTopicOnly); err != nil {
		fmt.Fprintln(stderr, err)
		return nil, 2
	}
	return f, -1
}

// addTrainConfigFlags binds train.Config's fields. Zero means the default,
// which is the ETT benchmark's setting and may depend on the mode
// (stateful / window); see train.Config.
func addTrainConfigFlags(fs *flag.FlagSet, c *train.Config) {
	fs.Func("arch", "architecture: seq2vec (default), seq2seq, encdec or vec2seq",
		func(s string) error { c.Arch = model.Arch(s); return nil })
	fs.StringVar(&c.Mode, "mode", "stateful", "regime: stateful (TBPTT over the series) or window (zero state per window)")
	fs.Func("cell", "cell: rnn, gru or lstm (default gru)", func(s string) error { c.Cell = model.Cell(s); return nil })
	fs.StringVar(&c.Nonlinearity, "nonlinearity", "tanh", "rnn cell's nonlinearity: tanh or relu")
	fs.IntVar(&c.Hidden, "hidden", 0, "hidden units per layer (default 64 stateful / 32 window)")
	fs.IntVar(&c.Layers, "layers", 1, "recurrent layers")
	fs.IntVar(&c.Horizon, "horizon", 24, "H: values forecast per step")
	fs.IntVar(&c.Window, "window", 336, "L: window length (window mode) or warm-up steps per stream (stateful mode); served, a sensor's first forecast comes with its L-th reading")
	fs.Func("norm", "input normalization: last (default) or none", func(s string) error { c.Norm = model.Norm(s); return nil })
	fs.IntVar(&c.Epochs, "epochs", 0, "maximum epochs (default 100 stateful / 20 window)")
	fs.IntVar(&c.Patience, "patience", 0, "epochs without a better validation loss before stopping; the LR halves every patience/2 (default 10 / 4)")
	fs.IntVar(&c.Batch, "batch", 0, "parallel streams (stateful, default 8) or windows per minibatch (window, default 64)")
	fs.IntVar(&c.Samples, "samples", 2048, "training windows drawn per epoch (window mode)")
	fs.IntVar(&c.Chunk, "chunk", 32, "truncated back-propagation length (stateful mode)")
	fs.Float64Var(&c.Shift, "shift", 1, "stateful mode: random level shift of the target per stream, ± this many std (negative: none)")
	fs.Float64Var(&c.LR, "lr", 3e-3, "Adam learning rate")
	fs.Float64Var(&c.Clip, "clip", 1, "gradient norm bound")
	fs.Uint64Var(&c.Seed, "seed", 1, "random seed")
	fs.StringVar(&c.Name, "name", "rnncast", "model name (metadata)")
	fs.StringVar(&c.Version, "version", "1", "model version (metadata)")
	fs.IntVar(&c.Highway, "highway", 0, "window mode, seq2vec: a linear highway from the window's last N scaled target values to the forecast, added to the recurrent head (LSTNet); 0: none, -1: the whole window")
	fs.StringVar(&c.Scaling, "scaling", "", "input scaling, part of the model: global (one mean and std from the train split; default for one series) or window (each window by its own mean and std; window mode; default for a fleet)")
}

func runTrain(args []string, stdout, stderr io.Writer) int {
	f, code := parseTrainFlags(args, stderr)
	if code >= 0 {
		return code
	}
	if err := doTrain(f, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, errorLine("train", err))
		return 1
	}
	return 0
}

func doTrain(f *trainFlags, stdout, stderr io.Writer) error {
	fleet := f.isFleet()
	if fleet && !f.set["mode"] {
		f.cfg.Mode = train.ModeWindow
		fmt.Fprintln(stderr, "rnncast train: one model for several series: -mode window (each window scaled by its own statistics)")
	}
	if fleet && f.cfg.Mode == train.ModeWindow && !f.set["highway"] && (f.cfg.Arch == "" || f.cfg.Arch == model.ArchSeq2Vec) {
		f.cfg.Highway = -1
		fmt.Fprintln(stderr, "rnncast train: a fleet's window model gets a linear highway over the whole window (-highway -1; -highway 0 for none)")
	}
	if err := f.cfg.Validate(); err != nil {
		return err
	}
	if !fleet || f.topic.topic != "" {
		if err := f.chooseTarget(stderr); err != nil {
			return err
		}
	}
	var d *train.Data
	targetName := ""
	if fleet {
		var err error
		if d, _, err = f.fleetData(stdout); err != nil {
			return err
		}
	} else {
		tab, err := f.readData(stdout)
		if err != nil {
			return err
		}
		d, targetName = tab.Data(f.trainEnd, f.valEnd), tab.Names[tab.Target]
	}
	bar := newEpochBar(f.cfg.Epochs, stderr, !f.quiet && isTerminal(stderr))
	progress := bar.update
	if f.verbose {
		progress = func(e train.Epoch) {
			fmt.Fprintf(stderr, "epoch %d/%d loss %.5f val %.5f best %.5f@%d\n", e.N, e.Max, e.Loss, e.ValLoss, e.Best, e.BestN)
		}
	}
	res, err := train.Train(f.cfg, d, progress)
	bar.finish()
	if err != nil {
		return err
	}
	res.Model.Meta.TargetName = targetName // "" for a fleet: its series have many names.
	if err := res.Model.Save(f.out); err != nil {
		return fmt.Errorf("cannot save model: %w", err)
	}
	last := res.History[len(res.History)-1]
	m := res.Model.Meta
	kind := ""
	if m.Arch != model.ArchSeq2Vec {
		kind = string(m.Arch) + " "
	}
	on := ""
	if fleet {
		on = fmt.Sprintf(" on %d series", len(d.Series))
	}
	fmt.Fprintf(stdout, "trained %s%s %s hidden=%d layers=%d H=%d L=%d norm=%s scaling=%s%s: %d epochs, best validation MSE %.4f at epoch %d (%s); wrote %s\n",
		kind, m.Mode, m.Cell, m.Hidden, m.Layers, m.Horizon, m.Window, m.Norm, scalingName(m.Scaling), on, last.N, last.Best, last.BestN,
		stopReason(last), f.out)
	return nil
}

// readTable reads a CSV for the command cmd, keeping the target and the
// features (comma-separated; "" is the target alone).
func readTable(cmd, path, target, features string) (*train.Table, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open data: %w", err)
	}
	defer fh.Close()
	var feats []string
	if features != "" {
		feats = strings.Split(features, ",")
	}
	tab, err := train.ReadCSV(fh, target, feats)
	if err != nil {
		// train.ReadCSV's errors name its package; the user ran cmd.
		return nil, fmt.Errorf("rnncast %s: cannot read %s: %s", cmd, path, strings.TrimPrefix(err.Error(), "train: "))
	}
	return tab, nil
}

// chooseTarget fills in -target when it was not given: the last of
// -features; with -topic "value" (the JSON reading's field); else the CSV's
// only numeric column, or its last. The choice is said on stderr.
func (f *trainFlags) chooseTarget(stderr io.Writer) error {
	if f.set["target"] {
		return nil
	}
	why := ""
	switch {
	case f.features != "":
		feats := strings.Split(f.features, ",")
		f.target, why = feats[len(feats)-1], "the last of -features"
	case f.topic.topic != "":
		f.target, why = "value", "the reading's value"
	default:
		numeric, err := numericColumns(f.data)
		if err != nil {
			return err
		}
		f.target, why = numeric[len(numeric)-1], "the only numeric column"
		if len(numeric) > 1 {
			why = fmt.Sprintf("the last of the numeric columns %s", strings.Join(numeric, ", "))
		}
	}
	fmt.Fprintf(stderr, "rnncast train: no -target given: training on %q, %s\n", f.target, why)
	return nil
}

// csvHead returns a CSV's header and first row.
func csvHead(path string) (head, row []string, err error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open data: %w", err)
	}
	defer fh.Close()
	cr := csv.NewReader(fh)
	if head, err = cr.Read(); err != nil {
		return nil, nil, fmt.Errorf("cannot read the header of %s: %w", path, err)
	}
	if row, err = cr.Read(); err != nil {
		return nil, nil, fmt.Errorf("cannot read the first row of %s: %w", path, err)
	}
	return head, row, nil
}

// numericColumns returns the CSV's columns after the first (the time) whose
// first row holds a number.
func numericColumns(path string) ([]string, error) {
	head, row, err := csvHead(path)
	if err != nil {
		return nil, err
	}
	var cols []string
	for i := 1; i < len(head) && i < len(row); i++ {
		if _, err := strconv.ParseFloat(strings.TrimSpace(row[i]), 64); err == nil {
			cols = append(cols, head[i])
		}
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("%s has no numeric column after its time column %v: pass -target", path, head)
	}
	return cols, nil
}

// epochBar shows training progress on a terminal: epoch, losses and the
// time left.
type epochBar struct{ bar *progressbar.ProgressBar }

func newEpochBar(epochs int, w io.Writer, visible bool) *epochBar {
	return &epochBar{bar: progressbar.NewOptions(epochs,
		progressbar.OptionSetWriter(w), progressbar.OptionSetVisibility(visible),
		progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true), progressbar.OptionSetDescription("epoch"),
		progressbar.OptionSetWidth(30), progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))}
}

func (b *epochBar) update(e train.Epoch) {
	b.bar.Describe(fmt.Sprintf("epoch %d loss %.4f val %.4f best %.4f@%d", e.N, e.Loss, e.ValLoss, e.Best, e.BestN))
	if e.Stopping {
		b.bar.Finish()
		return
	}
	b.bar.Add(1)
}

func (b *epochBar) finish() { b.bar.Exit() }

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// scalingName spells a model's scaling, "" being global.
func scalingName(m scale.Mode) string {
	if m == "" {
		return string(scale.Global)
	}
	return string(m)
}

// stopReason says what ended training after its last epoch e: early
// stopping (patience ran out) or the epoch cap, and whether the model was
// still improving then (its best epoch within the last patience).
func stopReason(e train.Epoch) string {
	switch {
	case e.N < e.Max:
		return "early stopping"
	case e.BestN == e.N:
		return "the epoch cap ended it while still improving: raise -epochs"
	}
	return fmt.Sprintf("the epoch cap ended it; no better epoch in the last %d", e.N-e.BestN)
}
