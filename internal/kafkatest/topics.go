package kafkatest

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// CreateTopic creates a topic with replication factor 1 (3 and
// min.insync.replicas 2 on a StartCluster cluster) and the given
// topic configs (e.g. "cleanup.policy": "compact"), through the controller
// as Kafka requires, and waits until every partition has a leader that
// serves it, so the topic can be used at once.
func (c *Cluster) CreateTopic(t testing.TB, name string, partitions int, configs map[string]string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := c.createTopic(ctx, name, partitions, configs); err != nil {
		t.Fatalf("kafkatest: cannot create topic %s: %v", name, err)
	}
	if err := c.waitLeaders(ctx, name, partitions); err != nil {
		t.Fatalf("kafkatest: topic %s has no leaders: %v", name, err)
	}
	if err := c.waitServed(ctx, name, partitions); err != nil {
		t.Fatalf("kafkatest: topic %s is not served: %v", name, err)
	}
}

// createTopic sends CreateTopics; kafka-go's Client routes it to the
// controller, as Kafka requires, and reports TopicAlreadyExists (which
// kafka-go's Conn.CreateTopics would swallow).
func (c *Cluster) createTopic(ctx context.Context, name string, partitions int, configs map[string]string) error {
	return c.createTopicOn(ctx, name, partitions, nil, configs)
}

// createTopicOn creates a topic whose every partition has the given
// replicas (the first is the preferred leader), or, for nil, the
// cluster's replication factor placed by Kafka. On a StartCluster cluster
// it sets min.insync.replicas 2 unless configs do.
func (c *Cluster) createTopicOn(ctx context.Context, name string, partitions int, replicas []int, configs map[string]string) error {
	tc := kafka.TopicConfig{Topic: name, NumPartitions: partitions, ReplicationFactor: c.replicationFactor()}
	if replicas != nil {
		// Kafka takes an assignment only with both counts unset.
		tc.NumPartitions, tc.ReplicationFactor = -1, -1
		for p := range partitions {
			tc.ReplicaAssignments = append(tc.ReplicaAssignments, kafka.ReplicaAssignment{Partition: p, Replicas: replicas})
		}
	}
	if c.nodes != nil && configs[clusterMinInsyncKV] == "" {
		configs = maps.Clone(configs)
		if configs == nil {
			configs = map[string]string{}
		}
		configs[clusterMinInsyncKV] = strconv.Itoa(ClusterMinInsync)
	}
	keys := make([]string, 0, len(configs))
	for k := range configs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		tc.ConfigEntries = append(tc.ConfigEntries, kafka.ConfigEntry{ConfigName: k, ConfigValue: configs[k]})
	}
	cl, done := c.client()
	defer done()
	res, err := cl.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{tc}})
	if err != nil {
		return err
	}
	return res.Errors[name]
}

// waitLeaders polls metadata until the topic has n partitions with leaders.
func (c *Cluster) waitLeaders(ctx context.Context, topic string, n int) error {
	var last error
	for {
		parts, err := c.partitions(ctx, topic)
		if err == nil && len(parts) == n && allLed(parts) {
			return nil
		}
		last = fmt.Errorf("have %d of %d partitions led (error: %v)", len(parts), n, err)
		select {
		case <-ctx.Done():
			return last
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitServed polls ListOffsets until every partition answers without
// error: a real broker lists a new partition's leader in its metadata a
// moment before that leader serves requests (NOT_LEADER_OR_FOLLOWER).
func (c *Cluster) waitServed(ctx context.Context, topic string, n int) error {
	cl, done := c.client()
	defer done()
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for p := 0; p < n; p++ {
		req.Topics[topic] = append(req.Topics[topic], kafka.FirstOffsetOf(p))
	}
	for {
		res, err := cl.ListOffsets(ctx, req)
		if err == nil {
			if err = partitionsError(res.Topics[topic], n); err == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func partitionsError(parts []kafka.PartitionOffsets, n int) error {
	if len(parts) != n {
		return fmt.Errorf("listed offsets of %d of %d partitions", len(parts), n)
	}
	for _, p := range parts {
		if p.Error != nil {
			return fmt.Errorf("partition %d: %w", p.Partition, p.Error)
		}
	}
	return nil
}

func allLed(parts []kafka.Partition) bool {
	for _, p := range parts {
		if p.Leader.Host == "" || p.Error != nil {
			return false
		}
	}
	return true
}

// partitions reads the topic's partitions over a fresh connection, so no
// cached metadata hides a new topic or a restarted broker.
// On a cluster with a node down it asks the next broker.
func (c *Cluster) partitions(ctx context.Context, topic string) ([]kafka.Partition, error) {
	d := &kafka.Dialer{Timeout: 5 * time.Second}
	var conn *kafka.Conn
	var err error
	for _, b := range c.Brokers {
		if conn, err = d.DialContext(ctx, "tcp", b); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	parts, err := conn.ReadPartitions(topic)
	sort.Slice(parts, func(i, j int) bool { return parts[i].ID < parts[j].ID })
	return parts, err
}

// Partitions returns the IDs of the topic's partitions, in order.
func (c *Cluster) Partitions(t testing.TB, topic string) []int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	parts, err := c.partitions(ctx, topic)
	if err != nil {
		t.Fatalf("kafkatest: cannot read partitions of %s: %v", topic, err)
	}
	ids := make([]int, len(parts))
	for i, p := range parts {
		ids[i] = p.ID
	}
	return ids
}

// waitReady polls until the cluster answers a metadata request.
func (c *Cluster) waitReady(t testing.TB, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		cl, done := c.client()
		_, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{}})
		done()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("kafkatest: cannot reach Kafka at %v: %v", c.Brokers, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// CompactConfigs returns topic configs that make a topic compacted within
// seconds on the test broker, whose log cleaner checks every second:
// segments roll after 100 ms (once a later message arrives) and any dirty
// data is worth cleaning. Pass them to CreateTopic for a state topic.
func CompactConfigs() map[string]string {
	return map[string]string{
		"cleanup.policy":            "compact",
		"segment.ms":                "100",
		"min.cleanable.dirty.ratio": "0.01",
		"min.compaction.lag.ms":     "0",
		"delete.retention.ms":       "100",
	}
}
