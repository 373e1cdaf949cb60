// Command kafkaprobe is the Go half of scripts/kafka: it picks free TCP ports
// on 127.0.0.1, makes a KRaft cluster id, and waits until a Kafka broker
// answers real Kafka requests. The scripts build and call it; it is not part
// of rnncast.
//
// Usage:
//
//	kafkaprobe ports N                       print N free ports on 127.0.0.1
//	kafkaprobe uuid                          print a random Kafka cluster id
//	kafkaprobe ready -brokers A [-pid P] [-timeout D]
//	                                         wait until the broker at A serves
//	                                         ApiVersions and Metadata
//	kafkaprobe offsets -brokers A -topic T [-group G]
//	                                         print the sums of T's end offsets
//	                                         and of G's committed offsets
//	kafkaprobe create -brokers A [-partitions N] [-config k=v]... TOPIC...
//	                                         create topics (the brokers'
//	                                         default replication factor)
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: kafkaprobe ports N | uuid | ready -brokers ADDR [-pid PID] [-timeout D] | offsets -brokers ADDR -topic T [-group G] | create -brokers ADDR [-partitions N] [-config k=v]... TOPIC...")
		return 2
	}
	var err error
	switch args[0] {
	case "ports":
		err = cmdPorts(args[1:], stdout)
	case "uuid":
		err = cmdUUID(stdout)
	case "ready":
		err = cmdReady(args[1:], stdout)
	case "offsets":
		err = cmdOffsets(args[1:], stdout)
	case "create":
		err = cmdCreate(args[1:])
	default:
		err = fmt.Errorf("kafkaprobe: unknown command %q", args[0])
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
