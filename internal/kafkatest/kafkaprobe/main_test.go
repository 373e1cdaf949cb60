package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

func TestRunUsage(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{args: nil, wantCode: 2, wantErr: "usage"},
		{args: []string{"nope"}, wantCode: 1, wantErr: `unknown command "nope"`},
		{args: []string{"ports"}, wantCode: 1, wantErr: "usage: ports N"},
		{args: []string{"ports", "x"}, wantCode: 1, wantErr: "cannot parse port count"},
		{args: []string{"ports", "0"}, wantCode: 1, wantErr: "cannot parse port count"},
		{args: []string{"ready"}, wantCode: 1, wantErr: "ready needs -brokers"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(tt.args, &stdout, &stderr)
		if code != tt.wantCode || !strings.Contains(stderr.String(), tt.wantErr) {
			t.Errorf("run(%q) = %d, stderr %q; want %d and %q", tt.args, code, stderr.String(), tt.wantCode, tt.wantErr)
		}
	}
}

func TestPorts(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"ports", "3"}, &stdout, &stderr); code != 0 {
		t.Fatalf("ports 3: exit %d, %s", code, stderr.String())
	}
	fields := strings.Fields(stdout.String())
	if len(fields) != 3 {
		t.Fatalf("ports 3 printed %q, want 3 ports", stdout.String())
	}
	seen := map[int]bool{}
	for _, f := range fields {
		p, err := strconv.Atoi(f)
		if err != nil || p < portLow || p >= portHigh || seen[p] {
			t.Errorf("port %q: want distinct ports in [%d,%d)", f, portLow, portHigh)
		}
		seen[p] = true
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", f))
		if err != nil {
			t.Errorf("port %s is not free: %v", f, err)
			continue
		}
		l.Close()
	}
}

func TestUUID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		var stdout bytes.Buffer
		if err := cmdUUID(&stdout); err != nil {
			t.Fatal(err)
		}
		id := strings.TrimSpace(stdout.String())
		raw, err := base64.RawURLEncoding.DecodeString(id)
		if err != nil || len(raw) != 16 || strings.HasPrefix(id, "-") || seen[id] {
			t.Fatalf("uuid %q: want a new 16-byte URL-safe base64 id not starting with '-' (err %v)", id, err)
		}
		seen[id] = true
	}
}

func TestCheckMetadata(t *testing.T) {
	self := kafka.Broker{Host: "127.0.0.1", Port: 9092, ID: 1}
	tests := []struct {
		name    string
		md      kafka.MetadataResponse
		wantErr string
	}{
		{"ready", kafka.MetadataResponse{Controller: self, Brokers: []kafka.Broker{self}}, ""},
		{"no controller", kafka.MetadataResponse{Controller: kafka.Broker{ID: -1}, Brokers: []kafka.Broker{self}}, "no controller"},
		{"not registered", kafka.MetadataResponse{Controller: self}, "not registered"},
		{"other port", kafka.MetadataResponse{Controller: self, Brokers: []kafka.Broker{{Host: "127.0.0.1", Port: 9093}}}, "not registered"},
	}
	for _, tt := range tests {
		err := checkMetadata("127.0.0.1:9092", &tt.md)
		if (tt.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: checkMetadata = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestReadyGivesUpWhenProcessExits(t *testing.T) {
	// Nothing listens on a fresh free port, and pid 2^22+1 does not exist.
	ports, err := freePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	err = waitReady(addr, 1<<22+1, 30e9)
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") {
		t.Errorf("waitReady with a dead pid = %v, want an error saying the process exited", err)
	}
}

func TestReadyOnKfake(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"ready", "-brokers", c.ListenAddrs()[0], "-timeout", "30s"}, &stdout, &stderr); code != 0 {
		t.Fatalf("ready on kfake: exit %d, %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "ready after") {
		t.Errorf("ready printed %q, want it to say when the broker was ready", stdout.String())
	}
}

func TestCreateAndOffsetsOnKfake(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	var stdout, stderr bytes.Buffer
	if code := run([]string{"create", "-brokers", addr, "-partitions", "3", "-config", "retention.bytes=1048576", "in", "out"}, &stdout, &stderr); code != 0 {
		t.Fatalf("create: exit %d, %s", code, stderr.String())
	}
	// A second create of the same topics is not an error.
	if code := run([]string{"create", "-brokers", addr, "-partitions", "3", "in"}, &stdout, &stderr); code != 0 {
		t.Fatalf("create again: exit %d, %s", code, stderr.String())
	}
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: "in", Balancer: &kafka.RoundRobin{}, Transport: tr}
	msgs := make([]kafka.Message, 10)
	for i := range msgs {
		msgs[i].Value = []byte{byte(i)}
	}
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	w.Close()
	f := func(args []string, want string) {
		t.Helper()
		stdout.Reset()
		stderr.Reset()
		if code := run(append([]string{"offsets", "-brokers", addr}, args...), &stdout, &stderr); code != 0 || stdout.String() != want {
			t.Errorf("offsets %q: exit %d, %q (stderr %q), want %q", args, code, stdout.String(), stderr.String(), want)
		}
	}
	f([]string{"-topic", "in"}, "end=10 committed=-1\n")
	f([]string{"-topic", "out"}, "end=0 committed=-1\n")
	f([]string{"-topic", "in", "-group", "nobody"}, "end=10 committed=0\n")
	if code := run([]string{"offsets", "-brokers", addr, "-topic", "missing"}, &stdout, &stderr); code != 1 {
		t.Errorf("offsets of a missing topic: exit %d, want 1", code)
	}
	if code := run([]string{"create", "-brokers", addr, "-config", "nonsense", "x"}, &stdout, &stderr); code != 1 {
		t.Errorf("create with -config nonsense: exit %d, want 1", code)
	}
}
