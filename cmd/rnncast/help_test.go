package main

import (
	"bytes"
	"flag"
	"io"
	"strings"
	"testing"
)

// TestHelpExplainsEveryFlag runs each of this file's commands with --help:
// it must exit 0 and print every flag with a description.
func TestHelpExplainsEveryFlag(t *testing.T) {
	f := func(name string, flags func(io.Writer) *flag.FlagSet) {
		t.Helper()
		var out bytes.Buffer
		if code := run([]string{name, "--help"}, io.Discard, &out); code != 0 {
			t.Errorf("%s --help: exit %d, want 0", name, code)
		}
		help := out.String()
		if !strings.Contains(help, "Usage: rnncast "+name) {
			t.Errorf("%s --help does not start with its usage: %q", name, help)
		}
		flags(io.Discard).VisitAll(func(fl *flag.Flag) {
			if !strings.Contains(help, "-"+fl.Name) || len(fl.Usage) < 10 {
				t.Errorf("%s --help: flag -%s missing or undocumented", name, fl.Name)
			}
		})
	}
	f("run", func(w io.Writer) *flag.FlagSet { return runFlags(&runOptions{}, w) })
	f("demo", func(w io.Writer) *flag.FlagSet { return demoFlags(&demoOptions{}, w) })
	f("simulate", func(w io.Writer) *flag.FlagSet { return simulateFlags(&simulateOptions{}, w) })
	f("bench", func(w io.Writer) *flag.FlagSet { return benchFlags(&benchOptions{}, w) })
	f("train", func(w io.Writer) *flag.FlagSet { return trainFlagSet(&trainFlags{}, w) })
	f("backtest", func(w io.Writer) *flag.FlagSet { return backtestFlagSet(&backtestFlags{}, w) })
	f("topics", func(w io.Writer) *flag.FlagSet { return topicsFlagSet(&topicsOptions{}, w) })
}

// TestHelpExamples: train, backtest and topics --help start with the
// synopsis and show examples before the flags.
func TestHelpExamples(t *testing.T) {
	for _, name := range []string{"train", "backtest", "topics", "demo"} {
		var out bytes.Buffer
		if code := run([]string{name, "--help"}, io.Discard, &out); code != 0 {
			t.Errorf("%s --help: exit %d, want 0", name, code)
		}
		help := out.String()
		ex, fl := strings.Index(help, "\nExamples:\n  rnncast "+name), strings.Index(help, "\nFlags:\n")
		if !strings.HasPrefix(help, "Usage: rnncast "+name+" ") || ex < 0 && name != "demo" || fl < ex {
			t.Errorf("%s --help does not start with its synopsis, then examples, then the flags:\n%s", name, help)
		}
	}
}

func TestBadFlagsExit2(t *testing.T) {
	f := func(args ...string) {
		t.Helper()
		if code := run(args, io.Discard, io.Discard); code != 2 {
			t.Errorf("rnncast %q: exit %d, want 2", args, code)
		}
	}
	f("run", "--no-such-flag")
	f("demo", "--sensors", "many")
	f("simulate", "extra-argument")
	f("train", "-data", "x.csv", "-sensor", "s")
	f("backtest", "-data", "x.csv", "-speed", "2")
	f("topics", "delete")
}
