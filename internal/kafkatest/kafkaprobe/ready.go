package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"
)

func cmdReady(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("ready", flag.ContinueOnError)
	brokers := fs.String("brokers", "", "bootstrap address host:port")
	pid := fs.Int("pid", 0, "broker process id; give up at once when it exits")
	timeout := fs.Duration("timeout", 90*time.Second, "how long to wait")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *brokers == "" {
		return errors.New("kafkaprobe: ready needs -brokers")
	}
	start := time.Now()
	if err := waitReady(*brokers, *pid, *timeout); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "kafkaprobe: broker %s ready after %s\n", *brokers, time.Since(start).Round(time.Millisecond))
	return err
}

// waitReady polls until probe succeeds, the process pid is gone, or timeout.
func waitReady(addr string, pid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if pid > 0 && !alive(pid) {
			return fmt.Errorf("kafkaprobe: broker process %d exited before it was ready (last probe error: %v)", pid, last)
		}
		if last = probe(addr); last == nil {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("kafkaprobe: broker %s not ready after %s: %w", addr, timeout, last)
}

func alive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

// probe sends ApiVersions, Metadata and FindCoordinator. A KRaft broker
// answers ApiVersions before it has registered with its controller; only a
// Metadata response that lists the broker itself and a controller means it
// serves clients. The group coordinator comes last: the first
// FindCoordinator creates __consumer_offsets, and until its partition is
// loaded group requests fail with COORDINATOR_NOT_AVAILABLE (a fresh broker)
// or COORDINATOR_LOAD_IN_PROGRESS (a restarted one), which a test's first
// consumer group would otherwise meet.
func probe(addr string) error {
	tr := &kafka.Transport{DialTimeout: 2 * time.Second}
	defer tr.CloseIdleConnections()
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 3 * time.Second, Transport: tr}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	av, err := c.ApiVersions(ctx, &kafka.ApiVersionsRequest{Addr: c.Addr})
	if err != nil {
		return fmt.Errorf("api versions: %w", err)
	}
	if av.Error != nil {
		return fmt.Errorf("api versions: %w", av.Error)
	}
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Addr: c.Addr, Topics: []string{}})
	if err != nil {
		return fmt.Errorf("metadata: %w", err)
	}
	if err := checkMetadata(addr, md); err != nil {
		return err
	}
	return checkCoordinator(ctx, c)
}

// probeGroup is the group whose coordinator the probe asks for; it never
// joins, so it leaves nothing behind.
const probeGroup = "rnncast-kafkaprobe"

func checkCoordinator(ctx context.Context, c *kafka.Client) error {
	fc, err := c.FindCoordinator(ctx, &kafka.FindCoordinatorRequest{Addr: c.Addr, Key: probeGroup, KeyType: kafka.CoordinatorKeyTypeConsumer})
	if err == nil {
		err = fc.Error
	}
	if err != nil {
		return fmt.Errorf("find coordinator: %w", err)
	}
	// The coordinator is found before its offsets partition is loaded: only
	// an answered OffsetFetch proves group requests are served. Kafka answers
	// it for an unknown group with no offsets, kfake with GROUP_ID_NOT_FOUND.
	of, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{Addr: c.Addr, GroupID: probeGroup})
	if err == nil {
		err = of.Error
	}
	if err != nil && !errors.Is(err, kafka.GroupIdNotFound) {
		return fmt.Errorf("offset fetch: %w", err)
	}
	return nil
}

func checkMetadata(addr string, md *kafka.MetadataResponse) error {
	if md.Controller.ID < 0 {
		return errors.New("metadata: no controller yet")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	for _, b := range md.Brokers {
		if b.Host == host && fmt.Sprint(b.Port) == port {
			return nil
		}
	}
	return fmt.Errorf("metadata: broker %s not registered yet (brokers %v)", addr, md.Brokers)
}
