package kafkatest

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// kcatPartitioner makes kcat (librdkafka) partition keys as Java's default
// partitioner and Produce do.
const kcatPartitioner = "topic.partitioner=murmur2_random"

// TestKcatInterop checks that a client no one here wrote agrees with the
// helpers: what kcat produces, ReadAll reads back in the partitions
// Partition predicts; what Produce writes, kcat consumes unchanged.
func TestKcatInterop(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			KcatPath(t)
			c := k.new(t)
			topic := Name(t, "in")
			const partitions = 3
			c.CreateTopic(t, topic, partitions, nil)

			lines := kcatLines(20)
			c.Kcat(t, []byte(strings.Join(lines, "\n")+"\n"), "-P", "-t", topic, "-K", ":", "-X", kcatPartitioner)
			got := c.ReadAll(t, topic, len(lines), 30*time.Second)
			checkPartitioned(t, got, partitions)
			if g := messageLines(got); fmt.Sprint(g) != fmt.Sprint(sorted(lines)) {
				t.Errorf("ReadAll of kcat's messages: %v, want %v", g, sorted(lines))
			}

			sent := testMessages(11, 15)
			c.Produce(t, topic, sent...)
			out := c.Kcat(t, nil, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k:%s\n")
			want := sorted(append(messageLines(sent), lines...))
			if g := sorted(strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")); fmt.Sprint(g) != fmt.Sprint(want) {
				t.Errorf("kcat consumed %v, want %v", g, want)
			}
		})
	}
}

// kcatLines makes key:value lines in the input contract's CSV shape.
func kcatLines(n int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("sensor-%d:%d,%d.5", i%7, 1_700_000_000_000+int64(i)*60_000, i)
	}
	return lines
}

func messageLines(ms []kafka.Message) []string {
	var b bytes.Buffer
	lines := make([]string, len(ms))
	for i, m := range ms {
		b.Reset()
		fmt.Fprintf(&b, "%s:%s", m.Key, m.Value)
		lines[i] = b.String()
	}
	return sorted(lines)
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func TestKcatPathSkipsOrFails(t *testing.T) {
	tests := []struct {
		require  string
		wantSkip bool
	}{
		{require: "", wantSkip: true},
		{require: "1", wantSkip: false},
	}
	for _, tt := range tests {
		t.Run("require="+tt.require, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			t.Setenv(EnvRequireReal, tt.require)
			r := record(t, func(tb testing.TB) { KcatPath(tb) })
			if r.skipped != tt.wantSkip || r.failed == tt.wantSkip {
				t.Errorf("KcatPath without kcat: skipped %v failed %v (%q), want skipped %v", r.skipped, r.failed, r.msg, tt.wantSkip)
			}
		})
	}
}
