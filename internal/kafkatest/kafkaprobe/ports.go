package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net"
	"strconv"
	"strings"
)

// Ports are drawn from below Linux's ephemeral range (32768-60999), so that
// the kernel does not hand a broker's port to an outgoing connection while
// the broker is down for a restart.
const (
	portLow  = 20000
	portHigh = 32000
	tries    = 200
)

func cmdPorts(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("kafkaprobe: usage: ports N")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 || n > 16 {
		return fmt.Errorf("kafkaprobe: cannot parse port count %q", args[0])
	}
	ports, err := freePorts(n)
	if err != nil {
		return err
	}
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = strconv.Itoa(p)
	}
	_, err = fmt.Fprintln(stdout, strings.Join(s, " "))
	return err
}

// freePorts returns n distinct ports that could be bound on 127.0.0.1 just
// now. Another process may still take one before the broker binds it; the
// broker then fails to start and says so.
func freePorts(n int) ([]int, error) {
	seen := map[int]bool{}
	var ports []int
	for i := 0; i < tries && len(ports) < n; i++ {
		r, err := rand.Int(rand.Reader, big.NewInt(portHigh-portLow))
		if err != nil {
			return nil, fmt.Errorf("kafkaprobe: cannot draw a port: %w", err)
		}
		p := portLow + int(r.Int64())
		if seen[p] || !bindable(p) {
			continue
		}
		seen[p] = true
		ports = append(ports, p)
	}
	if len(ports) < n {
		return nil, fmt.Errorf("kafkaprobe: cannot find %d free ports in [%d,%d)", n, portLow, portHigh)
	}
	return ports, nil
}

func bindable(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	return l.Close() == nil
}

// cmdUUID prints a random cluster id as Kafka's Uuid.randomUuid makes one:
// 16 random bytes in URL-safe base64 without padding, never starting with
// '-' (the storage tool would read it as a flag).
func cmdUUID(stdout io.Writer) error {
	b := make([]byte, 16)
	for {
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("kafkaprobe: cannot draw a cluster id: %w", err)
		}
		s := base64.RawURLEncoding.EncodeToString(b)
		if !strings.HasPrefix(s, "-") {
			_, err := fmt.Fprintln(stdout, s)
			return err
		}
	}
}
