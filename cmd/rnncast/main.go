// Command rnncast is a streaming time-series forecaster: it consumes sensor
// readings from Kafka, advances a recurrent network's state per sensor, and
// writes forecasts back to Kafka.
package main

import (
	"fmt"
	"os"
)

const usage = `rnncast: streaming recurrent-network forecaster for Kafka sensor topics.

Usage:
  rnncast <command> [flags]

Commands:
  demo       run the whole pipeline on an embedded broker with simulated sensors
  run        consume readings from Kafka and write forecasts (--config pipeline.yaml)
  simulate   write simulated sensor readings to a Kafka topic
  train      train a model from a CSV or a topic range
  backtest   replay a topic range or a CSV through the model and score it
  bench      measure pipeline throughput and latency against a passthrough
  inspect    print a model file's architecture, metadata and fingerprint

Run "rnncast <command> --help" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(os.Stdout, usage)
		return 0
	}
	fmt.Fprintf(os.Stderr, "rnncast: unknown command %q\n\n%s", args[0], usage)
	return 2
}
