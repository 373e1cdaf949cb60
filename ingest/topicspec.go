package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rnncast/rnncast/kafkaconn"
	"github.com/segmentio/kafka-go"
)

// TopicSpec is what one of rnncast's topics must be (rnncast topics create
// and check).
type TopicSpec struct {
	// Name is the topic.
	Name string
	// Partitions is the partition count the topic must have, and is
	// created with.
	Partitions int
	// CoPartitioned names the input topic whose partition count Partitions
	// is (for the error message); "" for the input itself.
	CoPartitioned string
	// ReplicationFactor is the replicas per partition the topic is created
	// with; -1 is the broker's default.replication.factor. CheckReplication
	// also requires it of an existing topic.
	ReplicationFactor int
	CheckReplication  bool
	// Compacted: cleanup.policy must include compact (a state topic);
	// otherwise it must include delete and not compact (a compacted topic
	// of readings, forecasts or dead letters would lose records of a key).
	Compacted bool
	// RetentionMs, when set, is the retention.ms the topic must have and is
	// created with (-1: kept forever). Nil: any, the broker's default on
	// creation.
	RetentionMs *int64
	// MinMessageBytes, when positive, is the least max.message.bytes the
	// topic must take (the largest record rnncast writes to it).
	MinMessageBytes int
}

// TopicInfo is what a topic is.
type TopicInfo struct {
	Name       string
	Partitions int
	// Replication is the fewest replicas of any partition.
	Replication int
	// Configs holds cleanup.policy, retention.ms and max.message.bytes as
	// the broker reports them (its defaults included).
	Configs map[string]string
}

// topicConfigNames are the configs DescribeTopics reads.
var topicConfigNames = []string{"cleanup.policy", "retention.ms", "max.message.bytes"}

// configEntries are the configs a topic is created with.
func (s TopicSpec) configEntries() []kafka.ConfigEntry {
	policy := "delete"
	if s.Compacted {
		policy = "compact"
	}
	e := []kafka.ConfigEntry{{ConfigName: "cleanup.policy", ConfigValue: policy}}
	if s.RetentionMs != nil {
		e = append(e, kafka.ConfigEntry{ConfigName: "retention.ms", ConfigValue: strconv.FormatInt(*s.RetentionMs, 10)})
	}
	if s.MinMessageBytes > 0 {
		e = append(e, kafka.ConfigEntry{ConfigName: "max.message.bytes", ConfigValue: strconv.Itoa(s.MinMessageBytes)})
	}
	return e
}

// Problems returns what keeps the topic described by info from meeting s,
// one sentence each; none when it does.
func (s TopicSpec) Problems(info TopicInfo) []string {
	var p []string
	if info.Partitions != s.Partitions {
		why := ""
		if s.CoPartitioned != "" {
			why = fmt.Sprintf(", as many as input topic %q (co-partitioned)", s.CoPartitioned)
		}
		p = append(p, fmt.Sprintf("has %d partitions, want %d%s", info.Partitions, s.Partitions, why))
	}
	if s.CheckReplication && s.ReplicationFactor > 0 && info.Replication != s.ReplicationFactor {
		p = append(p, fmt.Sprintf("has replication factor %d, want %d", info.Replication, s.ReplicationFactor))
	}
	policies := strings.Split(info.Configs["cleanup.policy"], ",")
	switch {
	case s.Compacted && !slices.Contains(policies, "compact"):
		p = append(p, fmt.Sprintf("has cleanup.policy=%s, want compact", info.Configs["cleanup.policy"]))
	case !s.Compacted && (slices.Contains(policies, "compact") || !slices.Contains(policies, "delete")):
		p = append(p, fmt.Sprintf("has cleanup.policy=%s, want delete (compaction would drop records of a key)", info.Configs["cleanup.policy"]))
	}
	if s.RetentionMs != nil && info.Configs["retention.ms"] != strconv.FormatInt(*s.RetentionMs, 10) {
		p = append(p, fmt.Sprintf("has retention.ms=%s, want %d", info.Configs["retention.ms"], *s.RetentionMs))
	}
	if s.MinMessageBytes > 0 {
		if n, err := strconv.Atoi(info.Configs["max.message.bytes"]); err != nil || n < s.MinMessageBytes {
			p = append(p, fmt.Sprintf("has max.message.bytes=%s, want at least %d (the largest record rnncast writes to it)",
				info.Configs["max.message.bytes"], s.MinMessageBytes))
		}
	}
	return p
}

// DescribeTopics returns the partitions, replication and configs of each
// of topics that exists (absent ones are not in the map). It creates no
// topic. dialer may be nil; its TLS and SASL settings are used when set.
func DescribeTopics(ctx context.Context, brokers []string, dialer *kafka.Dialer, topics ...string) (map[string]TopicInfo, error) {
	cl, done := adminClient(brokers, dialer)
	defer done()
	res, err := metadata(ctx, cl, topics)
	if err != nil {
		return nil, err
	}
	out := map[string]TopicInfo{}
	for _, t := range res.Topics {
		if t.Error != nil {
			if errors.Is(t.Error, kafka.UnknownTopicOrPartition) {
				continue
			}
			return nil, fmt.Errorf("ingest: cannot read metadata of topic %q: %w", t.Name, t.Error)
		}
		info := TopicInfo{Name: t.Name, Partitions: len(t.Partitions)}
		for i, p := range t.Partitions {
			if i == 0 || len(p.Replicas) < info.Replication {
				info.Replication = len(p.Replicas)
			}
		}
		if info.Configs, err = topicConfigs(ctx, cl, t.Name, topicConfigNames...); err != nil {
			return nil, err
		}
		out[t.Name] = info
	}
	return out, nil
}

// metadata reads the topics' metadata, retrying for a few seconds while a
// topic just created has no leader yet.
func metadata(ctx context.Context, cl *kafka.Client, topics []string) (*kafka.MetadataResponse, error) {
	for try := 0; ; try++ {
		res, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
		if err != nil {
			return nil, fmt.Errorf("ingest: cannot read metadata of %v: %w", topics, err)
		}
		if try == 20 || !slices.ContainsFunc(res.Topics, func(t kafka.Topic) bool { return errors.Is(t.Error, kafka.LeaderNotAvailable) }) {
			return res, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// CreateTopics creates the topics of specs; one that exists already is
// not an error (it is left as it is: check it with DescribeTopics).
func CreateTopics(ctx context.Context, brokers []string, dialer *kafka.Dialer, specs ...TopicSpec) error {
	cl, done := adminClient(brokers, dialer)
	defer done()
	req := &kafka.CreateTopicsRequest{}
	for _, s := range specs {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: s.Name, NumPartitions: s.Partitions,
			ReplicationFactor: s.ReplicationFactor, ConfigEntries: s.configEntries()})
	}
	res, err := cl.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("ingest: cannot create topics: %w", err)
	}
	var errs []error
	names := make([]string, 0, len(res.Errors))
	for name := range res.Errors {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if e := res.Errors[name]; e != nil && !errors.Is(e, kafka.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("ingest: cannot create topic %q: %w", name, e))
		}
	}
	return errors.Join(errs...)
}

// topicConfigs returns the named configs of topic as the broker reports
// them, its defaults included.
func topicConfigs(ctx context.Context, cl *kafka.Client, topic string, names ...string) (map[string]string, error) {
	res, err := cl.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{
		ResourceType: kafka.ResourceTypeTopic, ResourceName: topic, ConfigNames: names,
	}}})
	if err != nil {
		return nil, fmt.Errorf("ingest: cannot describe topic %q: %w", topic, err)
	}
	out := map[string]string{}
	for _, r := range res.Resources {
		if r.Error != nil {
			return nil, fmt.Errorf("ingest: cannot describe topic %q: %w", topic, r.Error)
		}
		for _, e := range r.ConfigEntries {
			out[e.ConfigName] = e.ConfigValue
		}
	}
	return out, nil
}

// adminClient returns a kafka.Client on a Transport of its own, closed by
// done: the default one is shared process-wide and would keep idle
// connections open after the call.
func adminClient(brokers []string, d *kafka.Dialer) (*kafka.Client, func()) {
	tr := kafkaconn.TransportOf(d)
	return &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second, Transport: tr}, tr.CloseIdleConnections
}
