// Command rnncast is a streaming time-series forecaster: it consumes sensor
// readings from Kafka, advances a recurrent network's state per sensor, and
// writes forecasts back to Kafka.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand. run gets the arguments after the command name
// and returns the process exit code.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

// register adds a subcommand; each subcommand's file calls it from init.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("rnncast: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "rnncast: unknown command %q\n\n", args[0])
		printUsage(stderr)
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, "rnncast: streaming recurrent-network forecaster for Kafka sensor topics.\n\n")
	fmt.Fprint(w, "Usage:\n  rnncast <command> [flags]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, "\nRun \"rnncast <command> --help\" for a command's flags.\n")
}
