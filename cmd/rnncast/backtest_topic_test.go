package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/models"
	"github.com/segmentio/kafka-go"
)

// topicInput is simulated readings of 6 sensors with a gap (one sensor
// misses 4 readings) and a few bad records; record i has Kafka time
// t0 + i·10ms.
func topicInput(t *testing.T, t0 time.Time) []kafka.Message {
	t.Helper()
	var msgs []kafka.Message
	gapKey, seen := "", 0
	for i, m := range simulatedMessages(t, 6, 120) {
		if i == 0 {
			gapKey = string(m.Key)
		}
		if string(m.Key) == gapKey {
			if seen++; seen > 60 && seen <= 64 {
				continue
			}
		}
		msgs = append(msgs, m)
		if i == 300 {
			msgs = append(msgs, kafka.Message{Key: m.Key, Value: []byte("not json")},
				kafka.Message{Key: m.Key, Value: []byte(`{"ts":"1999-01-01T00:00:00Z","value":1}`)},
				kafka.Message{Key: []byte{}, Value: []byte(`{"ts":"2026-01-01T00:00:00Z","value":1}`)})
		}
	}
	for i := range msgs {
		msgs[i].Time = t0.Add(time.Duration(i) * 10 * time.Millisecond)
	}
	return msgs
}

// forecastsByKey indexes forecast messages by (sensor, ts); each value is
// the partition, key and value bytes.
func forecastsByKey(t *testing.T, msgs []kafka.Message) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range msgs {
		var f struct {
			Sensor string `json:"sensor"`
			TS     string `json:"ts"`
		}
		if err := json.Unmarshal(m.Value, &f); err != nil {
			t.Fatalf("forecast %q: %v", m.Value, err)
		}
		v := fmt.Sprintf("%d|%s|%s", m.Partition, m.Key, m.Value)
		k := f.Sensor + "@" + f.TS
		if old, ok := out[k]; ok && old != v {
			t.Errorf("two forecasts for %s: %s and %s", k, old, v)
		}
		out[k] = v
	}
	return out
}

// deadLetters indexes dead letters by their bytes: partition, key, value
// and headers.
func deadLetters(msgs []kafka.Message) map[string]int {
	out := map[string]int{}
	for _, m := range msgs {
		k := fmt.Sprintf("%d|%q|%q", m.Partition, m.Key, m.Value)
		for _, h := range m.Headers {
			k += fmt.Sprintf("|%s=%q", h.Key, h.Value)
		}
		out[k]++
	}
	return out
}

// TestBacktestTopicEquivalence: rnncast run consumes a topic; rnncast
// backtest -topic ... -to-topic then writes, byte for byte, the forecasts
// the run wrote (same partition, key and value), none missing, none extra,
// and reports the scores.
func TestBacktestTopicEquivalence(t *testing.T) {
	t.Run("kfake", func(t *testing.T) { testBacktestTopic(t, kafkatest.Kfake(t)) })
	t.Run("real", func(t *testing.T) { testBacktestTopic(t, kafkatest.Real(t)) })
}

func testBacktestTopic(t *testing.T, c *kafkatest.Cluster) {
	const partitions = 3
	in, out, dead, replayed := kafkatest.Name(t, "in"), kafkatest.Name(t, "out"), kafkatest.Name(t, "dead"), kafkatest.Name(t, "replayed")
	group, stateTopic, replayedDead := kafkatest.Name(t, "group"), kafkatest.Name(t, "state"), kafkatest.Name(t, "replayed-dead")
	for _, topic := range []string{in, out, dead, replayed, replayedDead} {
		c.CreateTopic(t, topic, partitions, nil)
	}
	t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	msgs := topicInput(t, t0)
	c.Produce(t, in, msgs...)
	dir := t.TempDir()
	cfg := writeFile(t, dir, "pipeline.yaml", []byte(fmt.Sprintf("kafka:\n  brokers: [%s]\n  input_topic: %s\n  output_topic: %s\n"+
		"  dead_letter_topic: %s\n  state_topic: %s\n  group: %s\n  commit_interval: 100ms\nhttp:\n  listen: \"\"\nshutdown_timeout: 10s\n"+
		"window:\n  max_gap: 2\n",
		c.Brokers[0], in, out, dead, stateTopic, group)))
	mpath := writeFile(t, dir, "m.safetensors", models.Demo)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- servePipeline(ctx, runOptions{configPath: cfg, modelPath: mpath}, io.Discard, nil) }()
	c.ReadAll(t, out, 1, 60*time.Second)
	c.WaitCaughtUp(t, group, in, 60*time.Second)
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("rnncast run: exit %d", code)
	}
	live := forecastsByKey(t, c.ReadToEnd(t, out, 30*time.Second))

	report := filepath.Join(dir, "report")
	line := runBacktestTopic(t, "-topic", in, "-brokers", c.Brokers[0], "-config", cfg, "-model", mpath,
		"-to-topic", replayed, "-dead-letter-topic", replayedDead, "-out", report)
	got := forecastsByKey(t, c.ReadToEnd(t, replayed, 30*time.Second))
	if len(live) == 0 {
		t.Fatal("the run wrote no forecasts")
	}
	for k, v := range live {
		if g, ok := got[k]; !ok {
			t.Errorf("forecast %s missing from the replay", k)
		} else if g != v {
			t.Errorf("forecast %s: replay wrote %s, run wrote %s", k, g, v)
		}
	}
	for k := range got {
		if _, ok := live[k]; !ok {
			t.Errorf("replay wrote forecast %s, which the run did not", k)
		}
	}
	if n := summaryInt(t, line, "records"); n != len(msgs) {
		t.Errorf("summary says %d records, want %d: %s", n, len(msgs), line)
	}
	if n := summaryInt(t, line, "forecasts_made"); n != len(got) {
		t.Errorf("summary says %d forecasts made, want %d: %s", n, len(got), line)
	}
	runDead := deadLetters(c.ReadToEnd(t, dead, 30*time.Second))
	if n := summaryInt(t, line, "dead_letters"); n != len(runDead) || n < 3 {
		t.Errorf("summary says %d dead letters, the run wrote %d, want equal and ≥ 3: %s", n, len(runDead), line)
	}
	if got := deadLetters(c.ReadToEnd(t, replayedDead, 30*time.Second)); !maps.Equal(got, runDead) {
		t.Errorf("replay's dead letters %v, want the run's %v", got, runDead)
	}
	for _, f := range []string{"report.md", "forecast.png", "forecasts.parquet"} {
		if st, err := os.Stat(filepath.Join(report, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", f, err)
		}
	}
}

// TestBacktestTopicTimeRange: -from-time and -to-time select the records
// whose Kafka timestamps lie in [from, to), over the partitions asked for.
func TestBacktestTopicTimeRange(t *testing.T) {
	c := kafkatest.Kfake(t)
	in := kafkatest.Name(t, "in")
	c.CreateTopic(t, in, 2, nil)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	msgs := topicInput(t, t0)
	c.Produce(t, in, msgs...)
	mpath := writeFile(t, t.TempDir(), "m.safetensors", models.Demo)
	from, to := t0.Add(2*time.Second), t0.Add(5*time.Second) // records 200 … 499
	want := map[int]int{}
	for _, m := range msgs {
		if !m.Time.Before(from) && m.Time.Before(to) {
			want[kafkatest.Partition(m.Key, 2)]++
		}
	}
	f := func(parts string, n int) {
		t.Helper()
		line := runBacktestTopic(t, "-topic", in, "-brokers", c.Brokers[0], "-model", mpath, "-partitions", parts,
			"-from-time", from.Format(time.RFC3339Nano), "-to-time", to.Format(time.RFC3339Nano), "-speed", "0")
		if got := summaryInt(t, line, "records"); got != n {
			t.Errorf("partitions %s: %d records replayed, want %d: %s", parts, got, n, line)
		}
	}
	f("0,1", want[0]+want[1])
	f("1", want[1])
	var stderr bytes.Buffer
	if code := run([]string{"backtest", "-topic", in, "-brokers", c.Brokers[0], "-model", mpath,
		"-from-offset", "3", "-from-time", from.Format(time.RFC3339)}, io.Discard, &stderr); code == 0 {
		t.Errorf("-from-offset with -from-time: exit 0, want a failure")
	}
}

func runBacktestTopic(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"backtest"}, args...), &stdout, &stderr); code != 0 {
		t.Fatalf("rnncast backtest %q: exit %d: %s", args, code, stderr.String())
	}
	t.Logf("rnncast backtest: %s", stdout.String())
	return stdout.String()
}

func summaryInt(t *testing.T, line, name string) int {
	t.Helper()
	m := regexp.MustCompile(` ` + name + `=(\d+)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("summary %q has no %s=", line, name)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestBacktestTopicWritesNoForecasts: -dead-letter-topic without -to-topic
// writes the dead letters and no forecast: the config's output topic stays
// empty, and on kfake so does a topic named "forecasts" (the name a replay
// once filled in for an empty output topic).
func TestBacktestTopicWritesNoForecasts(t *testing.T) {
	t.Run("kfake", func(t *testing.T) { testBacktestNoForecasts(t, kafkatest.Kfake(t), true) })
	// The real broker is shared: a topic of a fixed name is not this test's.
	t.Run("real", func(t *testing.T) { testBacktestNoForecasts(t, kafkatest.Real(t), false) })
}

func testBacktestNoForecasts(t *testing.T, c *kafkatest.Cluster, fixedName bool) {
	in, out, dead := kafkatest.Name(t, "in"), kafkatest.Name(t, "out"), kafkatest.Name(t, "dead")
	watched := []string{out}
	if fixedName {
		watched = append(watched, "forecasts")
	}
	for _, topic := range append([]string{in, dead}, watched...) {
		c.CreateTopic(t, topic, 2, nil)
	}
	c.Produce(t, in, topicInput(t, time.Now().Add(-time.Hour).Truncate(time.Millisecond))...)
	dir := t.TempDir()
	cfg := writeFile(t, dir, "pipeline.yaml", []byte(fmt.Sprintf("kafka:\n  brokers: [%s]\n  output_topic: %s\n", c.Brokers[0], out)))
	mpath := writeFile(t, dir, "m.safetensors", models.Demo)
	line := runBacktestTopic(t, "-topic", in, "-config", cfg, "-model", mpath, "-dead-letter-topic", dead)
	if n := summaryInt(t, line, "forecasts_made"); n == 0 {
		t.Fatalf("the replay made no forecasts: %s", line)
	}
	for _, topic := range watched {
		for p, end := range c.EndOffsets(t, topic) {
			if end != 0 {
				t.Errorf("topic %s partition %d holds %d records after a backtest without -to-topic, want none", topic, p, end)
			}
		}
	}
	if got, want := len(c.ReadToEnd(t, dead, 30*time.Second)), summaryInt(t, line, "dead_letters"); got != want || got < 3 {
		t.Errorf("%d dead letters written, summary says %d; want equal and ≥ 3", got, want)
	}
}
