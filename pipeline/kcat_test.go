package pipeline

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
)

// TestKcatInterop runs the pipeline on the real broker between two clients
// no one here wrote: kcat (librdkafka) produces the readings, keyed by
// sensor with Java's partitioner, and kcat consumes the forecasts. The
// forecasts must equal model.Runner's, bit for bit, and kcat must read
// exactly the records kafka-go reads from the output topic.
func TestKcatInterop(t *testing.T) {
	c := kafkatest.Real(t)
	const sensors, steps = 5, 14
	f := newFixture(t, c, 3)
	m := testModel(t, ModeStateful)
	backlog, live := scenario(sensors, steps)
	all := append(append([]inRec{}, backlog...), live...)
	var lines bytes.Buffer
	for _, r := range all {
		if len(r.key) == 0 || bytes.ContainsAny(r.value, "\t\n") || bytes.ContainsAny(r.key, "\t\n") {
			continue // kcat's line format cannot carry an empty key or a tab
		}
		lines.Write(r.key)
		lines.WriteByte('\t')
		lines.Write(r.value)
		lines.WriteByte('\n')
	}
	c.Kcat(t, lines.Bytes(), "-P", "-t", f.in, "-K\t", "-X", "topic.partitioner=murmur2_random")
	sent := slices.DeleteFunc(all, func(r inRec) bool { return len(r.key) == 0 })

	run := start(t, f.config(), m)
	in := locate(t, c.ReadAll(t, f.in, len(sent), 30*time.Second), sent)
	w := expect(m, ModeStateful, m.Meta.Window, in)
	out := c.ReadAll(t, f.out, len(w.forecasts), 60*time.Second)
	run.stop(t)
	checkForecasts(t, f, out, w)
	checkAccounting(t, in, w)

	got := strings.Split(strings.TrimSpace(string(c.Kcat(t, nil,
		"-C", "-t", f.out, "-o", "beginning", "-e", "-q", "-f", "%p\t%k\t%s\n"))), "\n")
	var want []string
	for _, msg := range out {
		want = append(want, strings.Join([]string{strconv.Itoa(msg.Partition), string(msg.Key), string(msg.Value)}, "\t"))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("kcat read %d forecasts, kafka-go %d; first difference:\n%s", len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return "kcat:     " + got[i] + "\nkafka-go: " + want[i]
		}
	}
	return "(one is a prefix of the other)"
}
