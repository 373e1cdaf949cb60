package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/rnncast/rnncast/backtest"
	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/train"
	"github.com/segmentio/kafka-go"
)

// TestBacktestFleetTopicMatchesCSV: the 14-sensor fleet of the fleet
// benchmark (every column of ETTh1 and ETTh2 a sensor, first rows only),
// produced to a topic and replayed by rnncast backtest -topic with a
// window-scaled fleet model, gets for every sensor exactly the forecasts
// the CSV path (backtest.Run on that column) makes, at every origin.
func TestBacktestFleetTopicMatchesCSV(t *testing.T) {
	t.Run("kfake", func(t *testing.T) { testBacktestFleet(t, kafkatest.Kfake(t)) })
	t.Run("real", func(t *testing.T) { testBacktestFleet(t, kafkatest.Real(t)) })
}

// fleetTables returns every column of ETTh1 and ETTh2's first rows rows as
// a table of its own, named FILE.COLUMN.
func fleetTables(t *testing.T, rows int) map[string]*train.Table {
	t.Helper()
	out := map[string]*train.Table{}
	for _, file := range []string{"ETTh1", "ETTh2"} {
		path := filepath.Join(pytorchETTDir, file+".csv")
		cols, err := numericColumns(path)
		if err != nil {
			t.Fatalf("ETT data missing (want testdata/ett in the repository): %v", err)
		}
		for _, c := range cols {
			fh, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			tab, err := train.ReadCSV(fh, c, nil)
			fh.Close()
			if err != nil {
				t.Fatal(err)
			}
			tab.Times, tab.Values = tab.Times[:rows], tab.Values[:rows]
			out[file+"."+c] = tab
		}
	}
	return out
}

func testBacktestFleet(t *testing.T, c *kafkatest.Cluster) {
	const rows, L, H = 300, 48, 12
	tabs := fleetTables(t, rows)
	var segs []train.Segment
	for _, name := range sortedKeys(tabs) {
		segs = append(segs, train.Segment{Name: name, Values: tabs[name].Values})
	}
	d, _, _, _, err := train.FleetData(segs, train.FleetSplit{}, L, H, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	res, err := train.Train(train.Config{Mode: train.ModeWindow, Hidden: 8, Window: L, Horizon: H, Epochs: 1, Batch: 16, Samples: 256}, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mpath := filepath.Join(dir, "fleet.safetensors")
	if err := res.Model.Save(mpath); err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(mpath)
	if err != nil {
		t.Fatal(err)
	}

	in, replayed := kafkatest.Name(t, "in"), kafkatest.Name(t, "replayed")
	c.CreateTopic(t, in, 4, nil)
	c.CreateTopic(t, replayed, 4, nil)
	now := time.Now().Truncate(time.Millisecond)
	var msgs []kafka.Message
	for r := 0; r < rows; r++ {
		for _, name := range sortedKeys(tabs) {
			tab := tabs[name]
			v := fmt.Sprintf(`{"ts":%q,"value":%s}`, tab.Times[r].Format(time.RFC3339), strconv.FormatFloat(tab.Values[r], 'g', -1, 64))
			msgs = append(msgs, kafka.Message{Key: []byte(name), Value: []byte(v), Time: now})
		}
	}
	c.Produce(t, in, msgs...)
	cfg := writeFile(t, dir, "pipeline.yaml", []byte(fmt.Sprintf("kafka:\n  brokers: [%s]\n  input_topic: %s\nwindow:\n  interval: 1h\n", c.Brokers[0], in)))
	line := runBacktestTopic(t, "-topic", in, "-config", cfg, "-model", mpath, "-to-topic", replayed)
	if n := summaryInt(t, line, "sensors"); n != len(tabs) {
		t.Errorf("summary names %d sensors, want %d: %s", n, len(tabs), line)
	}

	got := map[string][]float64{} // sensor@ts → forecast
	for _, msg := range c.ReadToEnd(t, replayed, 30*time.Second) {
		var f struct {
			Sensor   string    `json:"sensor"`
			TS       string    `json:"ts"`
			Forecast []float64 `json:"forecast"`
		}
		if err := json.Unmarshal(msg.Value, &f); err != nil {
			t.Fatalf("forecast %q: %v", msg.Value, err)
		}
		got[f.Sensor+"@"+f.TS] = f.Forecast
	}
	if want := len(tabs) * (rows - L + 1); len(got) != want {
		t.Errorf("the replay wrote %d forecasts, want %d (every sensor from its %d-th reading on)", len(got), want, L)
	}
	for _, name := range sortedKeys(tabs) {
		tab := tabs[name]
		want, err := backtest.Run(m, tab, backtest.Config{TestStart: L, Horizon: H, ScaleRows: 100})
		if err != nil {
			t.Fatal(err)
		}
		bad := 0
		for i, e := range want.Origins { // origin e: the forecast made at row e−1
			k := name + "@" + tab.Times[e-1].UTC().Format("2006-01-02T15:04:05.000Z")
			g, ok := got[k]
			if !ok {
				t.Fatalf("no forecast %s in the replay", k)
			}
			for j := 0; j < H; j++ {
				w := want.Forecasts[0][i*H+j]
				if math.Abs(g[j]-w) > 1e-6*math.Max(1, math.Abs(w)) {
					bad++
					if bad <= 3 {
						t.Errorf("%s step %d: replay %v, CSV path %v", k, j, g[j], w)
					}
				}
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d forecast values differ", name, bad)
		}
	}
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
