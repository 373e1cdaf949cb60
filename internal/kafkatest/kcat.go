package kafkatest

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// kcatTimeout bounds one kcat run.
const kcatTimeout = time.Minute

// KcatPath returns the path of kcat (Debian package kcat). When kcat is not
// installed it skips the test, or fails it when RNNCAST_REQUIRE_REAL=1.
func KcatPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("kcat")
	if err != nil {
		skipOrFail(t, "kcat not found (apt-get install kcat)")
	}
	return p
}

// Kcat runs kcat against the cluster: "kcat -b <brokers> args..." with
// stdin as its input, and returns its standard output; it fails the test
// when kcat fails or runs longer than a minute. Examples:
//
//	c.Kcat(t, []byte("k1:v1\n"), "-P", "-t", topic, "-K:", "-X", "topic.partitioner=murmur2_random")
//	out := c.Kcat(t, nil, "-C", "-t", topic, "-o", "beginning", "-e", "-f", "%k:%s\n")
func (c *Cluster) Kcat(t testing.TB, stdin []byte, args ...string) []byte {
	t.Helper()
	path := KcatPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), kcatTimeout)
	defer cancel()
	all := append([]string{"-b", strings.Join(c.Brokers, ",")}, args...)
	cmd := exec.CommandContext(ctx, path, all...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kafkatest: kcat %s: %v\nstderr:\n%s", strings.Join(all, " "), err, stderr.String())
	}
	return stdout.Bytes()
}
