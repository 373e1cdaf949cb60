package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/models"
	"github.com/rnncast/rnncast/pipeline"
	"github.com/rnncast/rnncast/simulate"
)

// TestPipelineFeedsHub runs the real pipeline, serving the bundled demo
// model over an in-process Kafka (kfake), with the Hub wired the way
// cmd/rnncast wires it (Hooks and an Observer), and checks what the Hub
// then holds: every sensor's readings, a full-horizon forecast made at its
// last reading, and the statistics, including live error for every step.
func TestPipelineFeedsHub(t *testing.T) {
	const sensors, steps = 12, 120
	m, err := model.Decode(models.Demo)
	if err != nil {
		t.Fatal(err)
	}
	c := kafkatest.Kfake(t)
	for _, topic := range []string{"sensors", "forecasts", "dead"} {
		c.CreateTopic(t, topic, 2, nil)
	}
	obs := NewObserver(pipeline.NopObserver{}, m.Meta.Name+" v"+m.Meta.Version) // cmd wraps metrics.Observer
	h := New(Config{History: 1000 * time.Hour, Stats: obs.Stats})
	onReadings, onForecasts := h.Hooks(m.Meta.Interval)
	p, err := pipeline.New(pipeline.Config{
		Brokers: c.Brokers, InputTopic: "sensors", OutputTopic: "forecasts", DeadLetterTopic: "dead",
		Group: "web-test", StartFirst: true, ShutdownTimeout: 10 * time.Second,
		OnReadings: onReadings, OnForecasts: onForecasts,
	}, m, obs, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("pipeline: %v", err)
		}
	}()

	produced := produceSim(t, c, m, sensors, steps)
	waitFor(t, "every record read", func() bool { return obs.Stats().ReadingsIn == int64(produced) })
	if h.Len() != sensors {
		t.Errorf("got %d sensors in the hub, want %d", h.Len(), sensors)
	}
	waitFor(t, "live error for every horizon step", func() bool {
		st := obs.Stats()
		return len(st.LiveMAE) == m.Meta.Horizon && !math.IsNaN(st.LiveMAE[m.Meta.Horizon-1])
	})
	checkHubAfterPipeline(t, c, h, m, sensors)
	screenshotPipeline(t, h)
}

// produceSim writes steps rounds of the simulator's readings of n sensors
// and returns the number of records written.
func produceSim(t *testing.T, c *kafkatest.Cluster, m *model.Model, n, steps int) int {
	t.Helper()
	cfg := simulate.DefaultConfig(n, 5)
	cfg.Interval = m.Meta.Interval
	g, err := simulate.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	msgs := make([]kafka.Message, 0, n*steps)
	for range n * steps {
		r := g.Next()
		msgs = append(msgs, kafka.Message{Key: r.Key, Value: r.Value, Time: time.Now()})
	}
	c.Produce(t, "sensors", msgs...)
	return len(msgs)
}

// checkHubAfterPipeline checks that each sensor's current forecast in the
// Hub is the last forecast the pipeline wrote for it to Kafka, and the
// sensor's history and the statistics.
func checkHubAfterPipeline(t *testing.T, c *kafkatest.Cluster, h *Hub, m *model.Model, sensors int) {
	t.Helper()
	// The hook runs after Kafka acknowledges a forecast: poll until the
	// last ones have reached the Hub, or report the difference.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		diff := compareForecasts(h, lastForecasts(t, c.ReadToEnd(t, "forecasts", 30*time.Second)), sensors)
		if diff == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub's forecasts differ from the forecasts topic: %s", diff)
		}
	}
	for i := range sensors {
		v, _ := h.sensorView(sensorName(i), 0, 0)
		if len(v.T) < 100 || len(v.Forecast.Values) != m.Meta.Horizon || v.IntervalMs != m.Meta.Interval.Milliseconds() || len(v.Past) == 0 {
			t.Errorf("%s: got %d readings, forecast of %d, interval %d ms, %d earlier forecasts; want ≥ 100, %d, %d, some",
				v.ID, len(v.T), len(v.Forecast.Values), v.IntervalMs, len(v.Past), m.Meta.Horizon, m.Meta.Interval.Milliseconds())
		}
	}
	st := h.summary(time.Now()).Stats
	if st.Keys != int64(sensors) || st.ForecastsOut == 0 || st.Model != "demo v1" {
		t.Errorf("got stats %+v, want keys %d, forecasts, model demo v1", st.Stats, sensors)
	}
}

// outForecast is the part of an output record the test compares.
type outForecast struct {
	Sensor   string    `json:"sensor"`
	TS       time.Time `json:"ts"`
	Forecast []float64 `json:"forecast"`
}

// lastForecasts returns each sensor's last forecast record (a sensor's
// records share one partition, so read order is write order).
func lastForecasts(t *testing.T, msgs []kafka.Message) map[string]outForecast {
	t.Helper()
	last := map[string]outForecast{}
	for _, msg := range msgs {
		var f outForecast
		if err := json.Unmarshal(msg.Value, &f); err != nil {
			t.Fatalf("forecast record %s: %v", msg.Value, err)
		}
		last[f.Sensor] = f
	}
	return last
}

// compareForecasts returns "" when the Hub's current forecasts are want's,
// else the first difference.
func compareForecasts(h *Hub, want map[string]outForecast, sensors int) string {
	if len(want) != sensors {
		return fmt.Sprintf("%d sensors with forecasts in Kafka, want %d", len(want), sensors)
	}
	for id, w := range want {
		v, ok := h.sensorView(id, 0, 0)
		if !ok || v.Forecast == nil || v.Forecast.At != w.TS.UnixMilli() || len(v.Forecast.Values) != len(w.Forecast) {
			return fmt.Sprintf("%s: hub forecast %+v, Kafka's last at %v", id, v.Forecast, w.TS)
		}
		for k, x := range w.Forecast {
			if math.Abs(v.Forecast.Values[k]-x) > 1e-5*math.Max(1, math.Abs(x)) {
				return fmt.Sprintf("%s step %d: hub %v, Kafka %v", id, k+1, v.Forecast.Values[k], x)
			}
		}
	}
	return ""
}

// screenshotPipeline keeps a picture of the view of real pipeline output
// when chromium is installed; TestBrowserShowsLiveData is the test that
// requires it.
func screenshotPipeline(t *testing.T, h *Hub) {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		return
	}
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := startBrowser(ctx, t, path).open(t, srv.URL+"/#sensor="+sensorName(3), 1440, 940)
	p.waitState(t, "the pipeline's forecasts", func(st chartState) bool {
		return st.Forecast > 0 && st.Summaries > 1 && st.ErrorBars > 0
	})
	shot := filepath.Join(artifactDir(t), "rnncast-web-pipeline.png")
	p.screenshot(t, shot)
	t.Logf("screenshot: %s", shot)
}
