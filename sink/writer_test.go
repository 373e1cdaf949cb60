package sink

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/segmentio/kafka-go"
)

func forecastFor(sensor string, partition int, offset int64, v float64) *Forecast {
	return &Forecast{Sensor: sensor, Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Interval: time.Minute,
		Horizon: 2, Values: []float64{v, v + 1}, ModelName: "m", ModelVersion: "v7",
		Topic: "in", Partition: partition, Offset: offset}
}

// TestWriterPartitions checks co-partitioning: a forecast goes to the
// partition of its input, or by key when the topic has no such partition;
// and that a reused Batch carries no bytes of an earlier, longer message.
func TestWriterPartitions(t *testing.T) {
	c := kafkatest.Kfake(t)
	three, two := kafkatest.Name(t, "three"), kafkatest.Name(t, "two")
	c.CreateTopic(t, three, 3, nil)
	c.CreateTopic(t, two, 2, nil)
	w, err := NewWriter(WriterConfig{Brokers: c.Brokers})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var b Batch
	b.AddForecast(three, forecastFor("a-long-sensor-name-to-poison-the-buffer", 0, 1, 123456.789))
	if err := w.Write(ctx, &b); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	fs := []*Forecast{forecastFor("s", 2, 10, 1), forecastFor("t", 1, 11, 2), forecastFor("u", 2, 12, 3)}
	for _, f := range fs {
		b.AddForecast(three, f)
		b.AddForecast(two, f)
	}
	if err := w.Write(ctx, &b); err != nil {
		t.Fatal(err)
	}
	bySensor := map[string]*Forecast{}
	for _, f := range fs {
		bySensor[f.Sensor] = f
	}
	for i, m := range c.ReadAll(t, three, 4, 30*time.Second) {
		f, ok := bySensor[string(m.Key)]
		if !ok {
			continue // the first batch's message
		}
		if m.Partition != f.Partition || !bytes.Equal(m.Value, AppendForecast(nil, f)) || string(m.Key) != f.Sensor {
			t.Errorf("message %d: partition %d key %q value %s; want partition %d key %q value %s",
				i, m.Partition, m.Key, m.Value, f.Partition, f.Sensor, AppendForecast(nil, f))
		}
		if hv(m, HeaderModelVersion) != "v7" || hv(m, HeaderInputOffset) != strconv.FormatInt(f.Offset, 10) {
			t.Errorf("message %d: headers %v", i, m.Headers)
		}
	}
	for _, m := range c.ReadAll(t, two, 3, 30*time.Second) {
		want := kafkatest.Partition(m.Key, 2)
		if string(m.Key) == "t" {
			want = 1 // partition 1 exists
		}
		if m.Partition != want {
			t.Errorf("two-partition topic: key %q in partition %d, want %d", m.Key, m.Partition, want)
		}
	}
}

func hv(m kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
