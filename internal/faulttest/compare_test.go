package faulttest

import (
	"encoding/json"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
)

// fcKey identifies a forecast: a rewritten forecast has the same key.
type fcKey struct{ sensor, ts string }

// fcVal is everything else of a forecast but the input topic's name (each
// deployment reads its own input topic, produced identically).
type fcVal struct {
	interval, forecast, model string
	horizon, partition        int
	offset                    int64
}

// readForecasts reads the whole forecast topic and deduplicates it by
// (sensor, ts); two different forecasts for one key are an error.
func readForecasts(t *testing.T, c *kafkatest.Cluster, topic string) map[fcKey]fcVal {
	t.Helper()
	out := map[fcKey]fcVal{}
	dups := 0
	var conflicts []string
	for _, m := range c.ReadToEnd(t, topic, 60*time.Second) {
		var f struct {
			Sensor, TS, Interval string
			Horizon              int
			Forecast, Model      json.RawMessage
			Input                struct {
				Partition int
				Offset    int64
			}
		}
		if err := json.Unmarshal(m.Value, &f); err != nil {
			t.Fatalf("forecast %d@%d is not JSON: %v", m.Partition, m.Offset, err)
		}
		k := fcKey{f.Sensor, f.TS}
		v := fcVal{interval: f.Interval, forecast: string(f.Forecast), model: string(f.Model),
			horizon: f.Horizon, partition: f.Input.Partition, offset: f.Input.Offset}
		if prev, ok := out[k]; ok {
			dups++
			if prev != v {
				conflicts = append(conflicts, fmt.Sprintf("%v: %+v and %+v", k, prev, v))
			}
		}
		out[k] = v
	}
	t.Logf("%s: %d forecasts, %d distinct (sensor, ts)", topic, len(out)+dups, len(out))
	report(t, "(sensor, ts) with two different forecasts", conflicts)
	return out
}

// compareForecasts checks got against the uninterrupted run's forecasts:
// the same keys, each with the same bytes.
func compareForecasts(t *testing.T, got, want map[fcKey]fcVal) {
	t.Helper()
	var missing, differ, extra []string
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			missing = append(missing, fmt.Sprint(k))
		case g != w:
			differ = append(differ, fmt.Sprintf("%v: got %+v, want %+v", k, g, w))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			extra = append(extra, fmt.Sprint(k))
		}
	}
	report(t, "missing forecasts", missing)
	report(t, "forecasts that differ from the uninterrupted run's", differ)
	report(t, "forecasts the uninterrupted run did not make", extra)
}

func report(t *testing.T, what string, items []string) {
	t.Helper()
	if len(items) == 0 {
		return
	}
	sort.Strings(items)
	t.Errorf("%d %s, e.g. %v", len(items), what, items[:min(5, len(items))])
}

// checkNoDeadLetters fails when the deployment dead-lettered anything: the
// replay has no bad record, so a dead letter means a reading was applied
// twice (the restored window calls it a duplicate) or out of order.
func checkNoDeadLetters(t *testing.T, s *setup) {
	t.Helper()
	if dl := s.c.ReadToEnd(t, s.dlq, 30*time.Second); len(dl) > 0 {
		t.Errorf("%d dead letters, want none; first: %s %q", len(dl), dl[0].Key, dl[0].Value)
	}
}
