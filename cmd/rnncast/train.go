package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/train"
)

func init() {
	register(command{name: "train", summary: "train a model on a CSV series or a Kafka topic range and save it as safetensors", run: runTrain})
}

// trainFlags are the flags of rnncast train.
type trainFlags struct {
	data, target, features, out string
	trainEnd, valEnd            int
	quiet, verbose              bool
	cfg                         train.Config
	topic                       topicFlags    // a Kafka topic range instead of -data
	sensor                      string        // the topic's sensor to train on
	interval                    time.Duration // the topic's grid step
}

func parseTrainFlags(args []string, stderr io.Writer) (*trainFlags, error) {
	f := &trainFlags{}
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.data, "data", "", "CSV file: a time column first, then feature columns (required)")
	fs.StringVar(&f.target, "target", "OT", "target column")
	fs.StringVar(&f.features, "features", "", "comma-separated input columns (default: the target alone)")
	fs.StringVar(&f.out, "out", "model.safetensors", "output model file")
	fs.IntVar(&f.trainEnd, "train-end", 0, "rows [0,train-end) are the train split (default 60% of the rows)")
	fs.IntVar(&f.valEnd, "val-end", 0, "validation targets are rows [train-end,val-end) (default 80% of the rows)")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar")
	fs.BoolVar(&f.verbose, "v", false, "print one line per epoch to stderr")
	addTrainConfigFlags(fs, &f.cfg)
	f.topic.registerRange(fs, "train on one sensor's readings from this topic's range instead of -data")
	fs.StringVar(&f.sensor, "sensor", "", "with -topic: the sensor to train on (default: the one with the most readings)")
	fs.DurationVar(&f.interval, "interval", 0, "with -topic: the grid step (default: window.interval of -config)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if (f.data == "") == (f.topic.topic == "") {
		return nil, fmt.Errorf("rnncast train: give -data or -topic")
	}
	return f, nil
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
	fs.IntVar(&c.Window, "window", 336, "L: window length (window mode) or warm-up steps per stream (stateful mode)")
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
}

func runTrain(args []string, stdout, stderr io.Writer) int {
	f, err := parseTrainFlags(args, stderr)
	if err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(stderr, err)
		}
		return 2
	}
	if err := doTrain(f, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

func doTrain(f *trainFlags, stdout, stderr io.Writer) error {
	if err := f.cfg.Validate(); err != nil {
		return err
	}
	tab, err := f.readData(stdout)
	if err != nil {
		return err
	}
	bar := newEpochBar(f.cfg.Epochs, stderr, !f.quiet && isTerminal(stderr))
	progress := bar.update
	if f.verbose {
		progress = func(e train.Epoch) {
			fmt.Fprintf(stderr, "epoch %d/%d loss %.5f val %.5f best %.5f@%d\n", e.N, e.Max, e.Loss, e.ValLoss, e.Best, e.BestN)
		}
	}
	res, err := train.Train(f.cfg, tab.Data(f.trainEnd, f.valEnd), progress)
	bar.finish()
	if err != nil {
		return err
	}
	if err := res.Model.Save(f.out); err != nil {
		return fmt.Errorf("rnncast train: cannot save model: %w", err)
	}
	last := res.History[len(res.History)-1]
	m := res.Model.Meta
	kind := ""
	if m.Arch != model.ArchSeq2Vec {
		kind = string(m.Arch) + " "
	}
	fmt.Fprintf(stdout, "trained %s%s %s hidden=%d layers=%d H=%d L=%d norm=%s: %d epochs, best validation MSE %.4f at epoch %d; wrote %s\n",
		kind, m.Mode, m.Cell, m.Hidden, m.Layers, m.Horizon, m.Window, m.Norm, last.N, last.Best, last.BestN, f.out)
	return nil
}

func readTable(path, target, features string) (*train.Table, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rnncast: cannot open data: %w", err)
	}
	defer fh.Close()
	var feats []string
	if features != "" {
		feats = strings.Split(features, ",")
	}
	return train.ReadCSV(fh, target, feats)
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
