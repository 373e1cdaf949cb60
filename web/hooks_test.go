package web

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/rnncast/rnncast/pipeline"
)

// TestHooksMatchSingleCalls feeds one Hub through Hooks a micro-batch at a
// time and another through OnReading and OnForecast one sample at a time,
// bad samples included, and checks that both hold the same views.
func TestHooksMatchSingleCalls(t *testing.T) {
	const iv = time.Hour
	batched, single := New(Config{MaxSensors: 10, MaxPoints: 50}), New(Config{MaxSensors: 10, MaxPoints: 50})
	onReadings, onForecasts := batched.Hooks(iv)
	base := time.Unix(1_700_000_000, 0).UTC()
	for batch := range 30 {
		var reads, fcs []pipeline.Sample
		for i := range 12 { // 8 sensors a batch, rotating over 12: the LRU forgets some
			id := fmt.Sprintf("s%d", (batch*3+i%8)%12)
			ts := base.Add(time.Duration(batch*12+i) * iv)
			v := float64(batch) + float64(i)/8
			switch i {
			case 3:
				v = math.NaN()
			case 7:
				id = ""
			}
			reads = append(reads, pipeline.Sample{Sensor: id, Time: ts, Values: []float64{v, -v}})
			fcs = append(fcs, pipeline.Sample{Sensor: id, Time: ts, Values: []float64{v + 1, v + 2, v + 3}})
		}
		reads = append(reads, pipeline.Sample{Sensor: "s1", Time: base}) // no values
		onReadings(reads)
		onForecasts(fcs)
		for _, r := range reads {
			if len(r.Values) > 0 {
				single.OnReading(r.Sensor, r.Time, r.Values[0])
			}
		}
		for _, f := range fcs {
			single.OnForecast(f.Sensor, f.Time, iv, f.Values)
		}
	}
	if batched.Len() != single.Len() || batched.readings != single.readings || batched.forecasts != single.forecasts {
		t.Fatalf("batched hub: %d sensors, %d readings, %d forecasts; single: %d, %d, %d",
			batched.Len(), batched.readings, batched.forecasts, single.Len(), single.readings, single.forecasts)
	}
	withReadings := 0
	for i := range 12 {
		id := fmt.Sprintf("s%d", i)
		got, gok := batched.sensorView(id, 0, 0)
		if len(got.T) > 0 && got.Forecast != nil {
			withReadings++
		}
		want, wok := single.sensorView(id, 0, 0)
		gj, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		wj, _ := json.Marshal(want)
		if gok != wok || string(gj) != string(wj) {
			t.Errorf("%s: batched view %s (%v), single %s (%v)", id, gj, gok, wj, wok)
		}
	}
	if withReadings == 0 {
		t.Error("no sensor holds readings and a forecast: the test compares nothing")
	}
}
