package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/model"
	"github.com/segmentio/kafka-go"
)

// TestTrainTopic trains from a topic range: the busiest sensor's readings
// on the grid (a two-slot gap filled linearly, a ten-slot gap resetting),
// the longest run after the reset kept; bad records and another sensor
// ignored; the records serving dead-letters (not JSON, a duplicate) counted as
// rejected.
func TestTrainTopic(t *testing.T) {
	t.Run("kfake", func(t *testing.T) { testTrainTopic(t, kafkatest.Kfake(t)) })
	t.Run("real", func(t *testing.T) { testTrainTopic(t, kafkatest.Real(t)) })
}

func testTrainTopic(t *testing.T, c *kafkatest.Cluster) {
	in := kafkatest.Name(t, "in")
	c.CreateTopic(t, in, 2, nil)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	val := func(i int) float64 { return 20 + 5*math.Sin(2*math.Pi*float64(i)/24) }
	var msgs []kafka.Message
	for i := 0; i < 300; i++ {
		if i >= 30 && i < 40 || i == 100 || i == 101 {
			continue
		}
		v := fmt.Sprintf(`{"ts":%q,"value":%g}`, t0.Add(time.Duration(i)*time.Hour).Format(time.RFC3339), val(i))
		msgs = append(msgs, kafka.Message{Key: []byte("a"), Value: []byte(v)})
		if i < 50 {
			msgs = append(msgs, kafka.Message{Key: []byte("b"), Value: []byte(v)})
		}
		if i == 200 {
			msgs = append(msgs, kafka.Message{Key: []byte("a"), Value: []byte("not json")})
		}
		if i == 150 { // serving dead-letters the repeat as a duplicate; so does the replay training reads
			msgs = append(msgs, kafka.Message{Key: []byte("a"), Value: []byte(v)})
		}
	}
	c.Produce(t, in, msgs...)
	dir := t.TempDir()
	cfg := writeFile(t, dir, "pipeline.yaml", []byte(fmt.Sprintf(
		"kafka:\n  brokers: [%s]\nwindow:\n  interval: 1h\n  max_gap: 2\n  fill: linear\n", c.Brokers[0])))
	args := []string{"train", "-topic", in, "-brokers", c.Brokers[0], "-config", cfg, "-target", "v",
		"-hidden", "4", "-horizon", "6", "-window", "24", "-epochs", "1", "-quiet"}

	f, code := parseTrainFlags(args[1:], io.Discard)
	if code >= 0 {
		t.Fatalf("parseTrainFlags: exit %d", code)
	}
	tab, st, err := f.topicTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.sensor != "a" || st.records != len(msgs) || st.rejected != 2 || st.sensors != 2 || st.readings != 288 || st.filled != 2 {
		t.Errorf("got stats %+v, want sensor a, %d records, 2 rejected (not JSON, duplicate), 2 sensors, 288 readings, 2 fills", st, len(msgs))
	}
	if len(tab.Times) != 260 || !tab.Times[0].Equal(t0.Add(40*time.Hour)) || tab.Interval != time.Hour {
		t.Fatalf("got %d rows from %v every %v, want 260 from %v every 1h", len(tab.Times), tab.Times[0], tab.Interval, t0.Add(40*time.Hour))
	}
	for r, ts := range tab.Times {
		i := 40 + r
		want := val(i)
		if i == 100 || i == 101 { // linear between 99 and 102
			want = float64(float32(val(99))) + float64(i-99)/3*(float64(float32(val(102)))-float64(float32(val(99))))
		}
		if !ts.Equal(t0.Add(time.Duration(i)*time.Hour)) || math.Abs(tab.Values[r]-want) > 1e-4 {
			t.Errorf("row %d: got %v %v, want %v %v", r, ts, tab.Values[r], t0.Add(time.Duration(i)*time.Hour), want)
		}
	}

	out := filepath.Join(dir, "m.safetensors")
	var stdout, stderr bytes.Buffer
	if code := run(append(args, "-sensor", "a", "-out", out), &stdout, &stderr); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "sensor a: 288 readings, 2 gap fills, 260 rows kept") {
		t.Errorf("got stdout %q, want the topic's summary", stdout.String())
	}
	m, err := model.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Meta.Interval != time.Hour || m.Meta.Inputs != 1 || m.Meta.Horizon != 6 {
		t.Errorf("got meta %+v", m.Meta)
	}
	// Without -sensor, every sensor's every gap-free run is a series of
	// one fleet model; runs too short for a window are dropped and named.
	stdout.Reset()
	fleetOut := filepath.Join(dir, "fleet.safetensors")
	if code := run(append(args, "-out", fleetOut), &stdout, &stderr); code != 0 {
		t.Fatalf("train fleet: exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"2 of 2 sensors", "4 gap-free runs", "1 series, 208 rows kept for training and validation, 70 rows dropped",
		"a#1 (30 rows), b#1 (30 rows), b#2 (10 rows)", "scaling=window on 1 series"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("fleet stdout %q lacks %q", stdout.String(), want)
		}
	}
	for _, bad := range [][]string{
		{"train", "-topic", in, "-brokers", c.Brokers[0], "-target", "v"},                                  // no interval
		{"train", "-topic", in, "-brokers", c.Brokers[0], "-config", cfg, "-target", "v", "-sensor", "zz"}, // no such sensor
		{"train", "-topic", in, "-data", "x.csv"},
	} {
		if code := run(bad, io.Discard, io.Discard); code == 0 {
			t.Errorf("%q: exit 0, want a failure", bad)
		}
	}
}
