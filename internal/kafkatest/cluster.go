package kafkatest

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Environment variables that scripts/test.sh sets for the real tier.
const (
	// EnvBrokers holds the real broker's bootstrap addresses, comma-separated.
	EnvBrokers = "RNNCAST_KAFKA_BROKERS"
	// EnvWorkdir is the real broker's scripts/kafka workdir (for Restart).
	EnvWorkdir = "RNNCAST_KAFKA_WORKDIR"
	// EnvRequireReal, when "1", turns every skip for want of a real broker
	// or of kcat into a failure.
	EnvRequireReal = "RNNCAST_REQUIRE_REAL"
)

// opTimeout bounds each single Kafka request a helper makes.
const opTimeout = 30 * time.Second

// Cluster is a Kafka cluster that a test talks to.
type Cluster struct {
	// Brokers are the bootstrap addresses, host:port on 127.0.0.1.
	Brokers []string

	fake   *kfake.Cluster
	broker *broker // nil for kfake and for a real broker without workdir
	nodes  *nodes  // StartCluster's three nodes; nil otherwise
}

// Kfake starts an in-process kfake cluster listening on 127.0.0.1 and closes
// it when the test ends. Like the real test broker it has one broker, no
// automatic topic creation and a 1 s minimum group session timeout, unless
// opts say otherwise (later options win).
func Kfake(t testing.TB, opts ...kfake.Opt) *Cluster {
	t.Helper()
	all := append([]kfake.Opt{kfake.NumBrokers(1), kfake.GroupMinSessionTimeout(time.Second)}, opts...)
	fc, err := kfake.NewCluster(all...)
	if err != nil {
		t.Fatalf("kafkatest: cannot start kfake cluster: %v", err)
	}
	t.Cleanup(fc.Close)
	return &Cluster{Brokers: fc.ListenAddrs(), fake: fc}
}

// Real returns the real Apache Kafka broker named by RNNCAST_KAFKA_BROKERS.
// When that is unset it skips the test, or fails it when
// RNNCAST_REQUIRE_REAL=1. It holds the broker's shared lock until the test
// ends (see the package doc); call it once per test.
func Real(t testing.TB) *Cluster {
	t.Helper()
	addrs := os.Getenv(EnvBrokers)
	if addrs == "" {
		skipOrFail(t, "no real Kafka broker: "+EnvBrokers+" is unset (scripts/test.sh starts one)")
	}
	c := &Cluster{Brokers: strings.Split(addrs, ",")}
	if dir := os.Getenv(EnvWorkdir); dir != "" {
		c.broker = sharedBroker(t, dir)
	}
	c.waitReady(t, time.Minute)
	return c
}

// skipOrFail skips the test, or fails it when the real tier is required.
func skipOrFail(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(EnvRequireReal) == "1" {
		t.Fatalf("kafkatest: %s, and %s=1 forbids skipping", why, EnvRequireReal)
	}
	t.Skipf("kafkatest: %s", why)
}

// Addr is the cluster's bootstrap address for kafka-go's Writer and Client.
func (c *Cluster) Addr() net.Addr {
	return kafka.TCP(c.Brokers...)
}

// Fake is the kfake cluster behind c, for fault injection (Control, ...);
// nil for a real broker.
func (c *Cluster) Fake() *kfake.Cluster {
	return c.fake
}

// IsReal reports whether c is a real Apache Kafka broker.
func (c *Cluster) IsReal() bool {
	return c.fake == nil
}

// client returns a kafka-go Client with a transport of its own, and the
// function that closes that transport's connections. A fresh transport has
// no cached metadata, which would hide a topic created a moment ago or send
// requests to a broker that has just restarted.
func (c *Cluster) client() (*kafka.Client, func()) {
	tr := &kafka.Transport{DialTimeout: 5 * time.Second, IdleTimeout: time.Minute}
	return &kafka.Client{Addr: c.Addr(), Timeout: opTimeout, Transport: tr}, tr.CloseIdleConnections
}
