package backtest

import (
	"bytes"
	"testing"
	"time"
)

// TestCollectorMatchesRun: a topic backtest of one gap-free sensor scores
// the same origins with the same errors as the CSV backtest of its series
// (MASE aside: its in-sample rows differ).
func TestCollectorMatchesRun(t *testing.T) {
	const rows, h = 100, 3
	tab := synthetic(rows)
	m := lastValueModel(t, "stateful", h)
	want, err := Run(m, tab, Config{TestStart: 24})
	if err != nil {
		t.Fatal(err)
	}
	c := NewCollector(0)
	fc := map[int][]float64{}
	for i, e := range want.Origins {
		fc[e-1] = want.Forecasts[0][i*h : (i+1)*h]
	}
	for i, ts := range tab.Times {
		c.Reading("s-1", ts, tab.Values[i:i+1])
		if f, ok := fc[i]; ok {
			c.Forecast("s-1", ts, f)
		}
	}
	got, st, err := c.Result(m, TopicConfig{Name: "sensors", Interval: time.Hour, Mode: "stateful"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Scored != len(want.Origins) || st.Forecasts != len(want.Origins) || st.Sensors != 1 {
		t.Errorf("got stats %+v, want %d forecasts, all scored, 1 sensor", st, len(want.Origins))
	}
	for j, s := range got.Scores {
		g, w := s.Overall(), want.Scores[j].Overall()
		g.MASE, w.MASE = 0, 0
		if s.Method != want.Scores[j].Method || g != w {
			t.Errorf("%s: got %+v, want %s %+v", s.Method, g, want.Scores[j].Method, w)
		}
	}
	if got.Keys[0] != "s-1" || len(got.Keys) != len(got.Origins) {
		t.Errorf("keys %d (first %q), want %d of s-1", len(got.Keys), got.Keys[0], len(got.Origins))
	}
	var pq bytes.Buffer
	if err := got.WriteParquet(&pq); err != nil || pq.Len() == 0 {
		t.Errorf("WriteParquet: %v, %d bytes", err, pq.Len())
	}
	if f := got.schema().Fields(); f[len(f)-1].Name != "sensor" {
		t.Errorf("last parquet column %q, want sensor", f[len(f)-1].Name)
	}
}

// TestCollectorGaps: origins whose targets or seasonal inputs straddle a
// missing reading are not scored; sensors are scored together.
func TestCollectorGaps(t *testing.T) {
	const rows, h = 100, 3
	tab := synthetic(rows)
	m := lastValueModel(t, "stateful", h)
	c := NewCollector(0)
	for _, s := range []string{"a", "b"} {
		for i, ts := range tab.Times {
			if s == "b" && i == 50 {
				continue
			}
			c.Reading(s, ts, tab.Values[i:i+1])
			c.Forecast(s, ts, []float64{1, 2, 3})
		}
	}
	r, st, err := c.Result(m, TopicConfig{Name: "sensors", Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// a: origins 24..97 (74); b: segments of 50 and 49 rows, 24 + 23.
	if st.Scored != 74+47 || st.Forecasts != 199 || st.Sensors != 2 {
		t.Errorf("got stats %+v, want 121 of 199 forecasts scored, 2 sensors", st)
	}
	if n := r.Scores[0].Overall().Count; n != 121*h {
		t.Errorf("scored %d steps, want %d", n, 121*h)
	}
	empty := NewCollector(0)
	if _, _, err := empty.Result(m, TopicConfig{Interval: time.Hour}); err == nil {
		t.Error("Result of an empty collector succeeded, want an error")
	}
}
