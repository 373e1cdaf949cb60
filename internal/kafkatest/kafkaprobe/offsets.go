package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// cmdOffsets prints the sum over a topic's partitions of its end offsets
// (the records ever written to it) and, with -group, of the group's
// committed offsets: "end=N committed=M" (committed=-1 without a group; a
// partition without a commit counts 0). scripts/soak.sh accounts for
// every offset with it.
func cmdOffsets(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("offsets", flag.ContinueOnError)
	brokers := fs.String("brokers", "", "bootstrap addresses host:port,...")
	topic := fs.String("topic", "", "topic")
	group := fs.String("group", "", "consumer group whose commits to add up")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *brokers == "" || *topic == "" {
		return errors.New("kafkaprobe: offsets needs -brokers and -topic")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tr := &kafka.Transport{DialTimeout: 5 * time.Second}
	defer tr.CloseIdleConnections()
	c := &kafka.Client{Addr: kafka.TCP(strings.Split(*brokers, ",")...), Timeout: 10 * time.Second, Transport: tr}
	end, parts, err := endOffsets(ctx, c, *topic)
	if err != nil {
		return err
	}
	committed := int64(-1)
	if *group != "" {
		if committed, err = committedOffsets(ctx, c, *group, *topic, parts); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintf(stdout, "end=%d committed=%d\n", end, committed)
	return err
}

func endOffsets(ctx context.Context, c *kafka.Client, topic string) (int64, []int, error) {
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return 0, nil, fmt.Errorf("kafkaprobe: metadata of %s: %w", topic, err)
	}
	if len(md.Topics) != 1 || md.Topics[0].Error != nil {
		return 0, nil, fmt.Errorf("kafkaprobe: no topic %s: %v", topic, md.Topics)
	}
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	var parts []int
	for _, p := range md.Topics[0].Partitions {
		parts = append(parts, p.ID)
		req.Topics[topic] = append(req.Topics[topic], kafka.LastOffsetOf(p.ID))
	}
	res, err := c.ListOffsets(ctx, req)
	if err != nil {
		return 0, nil, fmt.Errorf("kafkaprobe: end offsets of %s: %w", topic, err)
	}
	var sum int64
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			return 0, nil, fmt.Errorf("kafkaprobe: end offset of %s/%d: %w", topic, p.Partition, p.Error)
		}
		sum += p.LastOffset
	}
	return sum, parts, nil
}

func committedOffsets(ctx context.Context, c *kafka.Client, group, topic string, parts []int) (int64, error) {
	res, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err == nil {
		err = res.Error
	}
	// Kafka answers an unknown group with no offsets, kfake with
	// GROUP_ID_NOT_FOUND: nothing committed either way.
	if errors.Is(err, kafka.GroupIdNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("kafkaprobe: committed offsets of %s: %w", group, err)
	}
	var sum int64
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			return 0, fmt.Errorf("kafkaprobe: committed offset of %s/%d: %w", topic, p.Partition, p.Error)
		}
		sum += max(p.CommittedOffset, 0)
	}
	return sum, nil
}

// cmdCreate creates topics with -partitions partitions, the brokers'
// default replication factor and the -config entries; one that exists
// already is not an error.
func cmdCreate(args []string) error {
	fs := flag.NewFlagSet("create", flag.ContinueOnError)
	brokers := fs.String("brokers", "", "bootstrap addresses host:port,...")
	partitions := fs.Int("partitions", 1, "partitions of each topic")
	var configs []kafka.ConfigEntry
	fs.Func("config", "a topic config name=value (repeatable)", func(v string) error {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return fmt.Errorf("want name=value, got %q", v)
		}
		configs = append(configs, kafka.ConfigEntry{ConfigName: k, ConfigValue: val})
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *brokers == "" || fs.NArg() == 0 || *partitions < 1 {
		return errors.New("kafkaprobe: usage: create -brokers A [-partitions N] [-config name=value]... TOPIC...")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tr := &kafka.Transport{DialTimeout: 5 * time.Second}
	defer tr.CloseIdleConnections()
	c := &kafka.Client{Addr: kafka.TCP(strings.Split(*brokers, ",")...), Timeout: 20 * time.Second, Transport: tr}
	req := &kafka.CreateTopicsRequest{}
	for _, t := range fs.Args() {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: t, NumPartitions: *partitions, ReplicationFactor: -1, ConfigEntries: configs})
	}
	res, err := c.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("kafkaprobe: cannot create topics: %w", err)
	}
	for t, err := range res.Errors {
		if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			return fmt.Errorf("kafkaprobe: cannot create topic %s: %w", t, err)
		}
	}
	return nil
}
