package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/rnncast/rnncast/model"
)

func init() {
	register(command{
		name:    "inspect",
		summary: "print a model file's architecture, metadata, parameter count and fingerprint",
		run:     runInspect,
	})
}

const inspectUsage = `Usage: rnncast inspect [--json] MODEL

Loads MODEL (a safetensors file) as serving would, validating every tensor,
and prints its architecture, its metadata, its tensors, the parameter count
and the fingerprint that carried states are stored under. A file that cannot
be served gets an error naming the problem and exit status 1.

Flags:
`

func runInspect(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	usage := func(w io.Writer) {
		fs.SetOutput(w)
		fmt.Fprint(w, inspectUsage)
		fs.PrintDefaults()
	}
	fs.Usage = func() {} // printed below, to stdout for --help
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			usage(stdout)
			return 0
		}
		usage(stderr)
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "rnncast inspect: want one model file, got %d arguments\n", fs.NArg())
		usage(stderr)
		return 2
	}
	m, err := model.Load(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "rnncast inspect: %v\n", err)
		return 1
	}
	if *asJSON {
		return printInspectJSON(stdout, stderr, fs.Arg(0), m)
	}
	printInspect(stdout, fs.Arg(0), m)
	return 0
}

// inspection is the --json output.
type inspection struct {
	File         string             `json:"file"`
	Architecture string             `json:"architecture"`
	Parameters   int                `json:"parameters"`
	Fingerprint  string             `json:"fingerprint"`
	Metadata     map[string]string  `json:"metadata"`
	Tensors      []model.TensorInfo `json:"tensors"`
}

func printInspectJSON(stdout, stderr io.Writer, path string, m *model.Model) int {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	err := enc.Encode(inspection{
		File: path, Architecture: describe(m), Parameters: m.ParamCount(),
		Fingerprint: m.Fingerprint(), Metadata: m.Metadata(), Tensors: m.Tensors(),
	})
	if err != nil {
		fmt.Fprintf(stderr, "rnncast inspect: cannot write: %v\n", err)
		return 1
	}
	return 0
}

func printInspect(w io.Writer, path string, m *model.Model) {
	fmt.Fprintf(w, "file:         %s\n", path)
	fmt.Fprintf(w, "architecture: %s\n", describe(m))
	fmt.Fprintf(w, "parameters:   %d\n", m.ParamCount())
	fmt.Fprintf(w, "fingerprint:  %s\n", m.Fingerprint())
	fmt.Fprintln(w, "metadata:")
	kv := m.Metadata()
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-15s %s\n", k, kv[k])
	}
	fmt.Fprintln(w, "tensors:")
	for _, t := range m.Tensors() {
		fmt.Fprintf(w, "  %-22s %v\n", t.Name, t.Shape)
	}
}

// describe summarizes the architecture in one line, e.g.
// "seq2vec, 2-layer rnn (tanh), hidden 32, 1 input (target 0), horizon 1".
func describe(m *model.Model) string {
	meta := &m.Meta
	cell := string(meta.Cell)
	if meta.Cell == model.CellRNN {
		cell += " (" + meta.Nonlinearity + ")"
	}
	inputs := fmt.Sprintf("%d inputs", meta.Inputs)
	if meta.Inputs == 1 {
		inputs = "1 input"
	}
	parts := []string{
		string(meta.Arch),
		fmt.Sprintf("%d-layer %s", meta.Layers, cell),
		fmt.Sprintf("hidden %d", meta.Hidden),
		fmt.Sprintf("%s (target %d)", inputs, meta.Target),
		fmt.Sprintf("window %d", meta.Window),
		fmt.Sprintf("horizon %d", meta.Horizon),
	}
	if meta.Arch == model.ArchEncDec {
		parts[1] = fmt.Sprintf("%d-layer %s encoder and decoder", meta.Layers, cell)
	}
	return strings.Join(parts, ", ")
}
