package kafkatest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// Replication of the topics CreateTopic makes on a StartCluster cluster:
// every partition on all three nodes, an acks=all write acknowledged once
// two have it, so one node may be lost without losing or refusing writes.
const (
	ClusterNodes       = 3
	ClusterMinInsync   = 2
	clusterMinInsyncKV = "min.insync.replicas"
)

// nodes is a three-node cluster managed by scripts/kafka/cluster-*.sh.
type nodes struct {
	workdir string
	addrs   map[int]string // node id -> 127.0.0.1:port
}

// StartCluster starts a private three-node Apache Kafka cluster (KRaft,
// each node broker and controller) from scripts/kafka/cluster-start.sh,
// with its own workdir and free ports, and crashes its nodes when the test
// ends. Topics that CreateTopic makes on it have replication factor 3 and
// min.insync.replicas 2 (the cluster's defaults too, also for topics that
// rnncast creates). StopNode, KillNode and StartNode stop and start single
// nodes. Starting takes three JVMs (about 20-40 s of a 2-core machine):
// share one cluster between the subtests of a test. When java is absent it
// skips the test, or fails it when RNNCAST_REQUIRE_REAL=1.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	if _, err := exec.LookPath("java"); err != nil {
		skipOrFail(t, "cannot start a Kafka cluster: java not found")
	}
	n := &nodes{workdir: t.TempDir(), addrs: map[int]string{}}
	// Registered after TempDir's removal, so it runs before it.
	t.Cleanup(func() { n.cleanup(t) })
	if err := script("cluster-start.sh", n.workdir); err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
	env, err := readEnvFile(filepath.Join(n.workdir, "cluster.env"))
	if err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
	for id := 1; id <= ClusterNodes; id++ {
		n.addrs[id] = "127.0.0.1:" + env[fmt.Sprintf("RNNCAST_KAFKA_NODE%d_PORT", id)]
	}
	return &Cluster{Brokers: strings.Split(env[EnvBrokers], ","), nodes: n}
}

// cleanup crashes every node at the end of the test (its data goes with
// the TempDir) and shows the end of each node's log when the test failed.
func (n *nodes) cleanup(t testing.TB) {
	if t.Failed() {
		for id := 1; id <= ClusterNodes; id++ {
			if log, err := os.ReadFile(filepath.Join(n.dir(id), "logs", "server.log")); err == nil {
				t.Logf("kafkatest: end of node %d's server.log:\n%s", id, tail(log, 25))
			}
		}
	}
	if _, err := os.Stat(filepath.Join(n.workdir, "cluster.env")); err != nil {
		return // never started
	}
	if err := script("cluster-stop.sh", "--kill", n.workdir); err != nil {
		t.Errorf("kafkatest: %v", err)
	}
}

func (n *nodes) dir(id int) string {
	return filepath.Join(n.workdir, "node"+strconv.Itoa(id))
}

// NodeIDs returns the node ids of a StartCluster cluster: 1, 2, 3.
func (c *Cluster) NodeIDs() []int {
	return []int{1, 2, 3}
}

// NodeAddr returns the address of node id of a StartCluster cluster.
func (c *Cluster) NodeAddr(t testing.TB, id int) string {
	t.Helper()
	return c.clusterNodes(t).addrs[id]
}

// StopNode shuts node id down cleanly (SIGTERM: a controlled shutdown that
// moves its leaderships first) and returns once its process is gone.
func (c *Cluster) StopNode(t testing.TB, id int) {
	t.Helper()
	c.node(t, "stop", id)
}

// KillNode crashes node id (SIGKILL): the controller notices when its
// heartbeats stop (broker.session.timeout.ms, 9 s by default).
func (c *Cluster) KillNode(t testing.TB, id int) {
	t.Helper()
	c.node(t, "kill", id)
}

// StartNode starts node id again after StopNode or KillNode, on the same
// ports and log dir, and waits until it serves requests (which needs two
// of the three controllers running).
func (c *Cluster) StartNode(t testing.TB, id int) {
	t.Helper()
	c.node(t, "start", id)
}

func (c *Cluster) node(t testing.TB, action string, id int) {
	t.Helper()
	n := c.clusterNodes(t)
	if _, ok := n.addrs[id]; !ok {
		t.Fatalf("kafkatest: no node %d (nodes are 1-%d)", id, ClusterNodes)
	}
	if err := script("cluster-node.sh", action, n.workdir, strconv.Itoa(id)); err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
}

func (c *Cluster) clusterNodes(t testing.TB) *nodes {
	t.Helper()
	if c.nodes == nil {
		t.Fatalf("kafkatest: this is not a StartCluster cluster")
	}
	return c.nodes
}

// replicationFactor is the replication factor of the topics CreateTopic
// makes: 3 on a StartCluster cluster, else 1.
func (c *Cluster) replicationFactor() int {
	if c.nodes != nil {
		return ClusterNodes
	}
	return 1
}

// CreateTopicLed creates a topic on a StartCluster cluster as CreateTopic
// does (RF 3, min.insync.replicas 2), with node leader as the preferred
// leader of every partition and the other two nodes as followers, so a
// test knows which node to stop to move the topic's leaders.
func (c *Cluster) CreateTopicLed(t testing.TB, name string, partitions, leader int, configs map[string]string) {
	t.Helper()
	c.clusterNodes(t)
	replicas := []int{leader}
	for _, id := range c.NodeIDs() {
		if id != leader {
			replicas = append(replicas, id)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := c.createTopicOn(ctx, name, partitions, replicas, configs); err != nil {
		t.Fatalf("kafkatest: cannot create topic %s: %v", name, err)
	}
	if err := c.waitLeaders(ctx, name, partitions); err != nil {
		t.Fatalf("kafkatest: topic %s has no leaders: %v", name, err)
	}
	if err := c.waitServed(ctx, name, partitions); err != nil {
		t.Fatalf("kafkatest: topic %s is not served: %v", name, err)
	}
}

// Leaders returns the node id that leads each partition of topic now
// (-1 for none), read from a fresh metadata request.
func (c *Cluster) Leaders(t testing.TB, topic string) map[int]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	parts, err := c.partitions(ctx, topic)
	if err != nil {
		t.Fatalf("kafkatest: cannot read partitions of %s: %v", topic, err)
	}
	out := map[int]int{}
	for _, p := range parts {
		out[p.ID] = p.Leader.ID
		if p.Leader.Host == "" {
			out[p.ID] = -1
		}
	}
	return out
}

// Replication describes a topic's replication: the number of replicas and
// in-sync replicas of each partition, and its min.insync.replicas.
type Replication struct {
	Replicas, InSync map[int]int
	MinInsync        string
}

// DescribeReplication reads topic's replicas from metadata and its
// min.insync.replicas from DescribeConfigs.
func (c *Cluster) DescribeReplication(t testing.TB, topic string) Replication {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	parts, err := c.partitions(ctx, topic)
	if err != nil {
		t.Fatalf("kafkatest: cannot read partitions of %s: %v", topic, err)
	}
	r := Replication{Replicas: map[int]int{}, InSync: map[int]int{}}
	for _, p := range parts {
		r.Replicas[p.ID], r.InSync[p.ID] = len(p.Replicas), len(p.Isr)
	}
	if r.MinInsync, err = c.topicConfig(ctx, topic, clusterMinInsyncKV); err != nil {
		t.Fatalf("kafkatest: cannot describe %s: %v", topic, err)
	}
	return r
}

// WaitInSync waits until every partition of topic has all its replicas in
// sync (after a node came back, it must catch up first).
func (c *Cluster) WaitInSync(t testing.TB, topic string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		r := c.DescribeReplication(t, topic)
		behind := 0
		for p, n := range r.Replicas {
			if r.InSync[p] < n {
				behind++
			}
		}
		if behind == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("kafkatest: %d partitions of %s not fully in sync after %s: %+v", behind, topic, timeout, r)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// script runs scripts/kafka/<name> and returns its output in the error.
func script(name string, args ...string) error {
	return (&broker{}).script(name, args...)
}

// readEnvFile parses a KEY=value file such as cluster.env.
func readEnvFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", filepath.Base(path), err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	if env[EnvBrokers] == "" {
		return nil, fmt.Errorf("%s names no brokers", filepath.Base(path))
	}
	return env, nil
}

// topicConfig returns the value of one config of topic.
func (c *Cluster) topicConfig(ctx context.Context, topic, name string) (string, error) {
	cl, done := c.client()
	defer done()
	res, err := cl.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{
		ResourceType: kafka.ResourceTypeTopic, ResourceName: topic, ConfigNames: []string{name},
	}}})
	if err != nil {
		return "", err
	}
	for _, r := range res.Resources {
		if r.Error != nil {
			return "", r.Error
		}
		for _, e := range r.ConfigEntries {
			if e.ConfigName == name {
				return e.ConfigValue, nil
			}
		}
	}
	return "", fmt.Errorf("no config %s", name)
}
