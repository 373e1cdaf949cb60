package web

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, srv *httptest.Server, path string) (int, string, string) {
	t.Helper()
	res, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), string(body)
}

func getJSON(t *testing.T, srv *httptest.Server, path string, v any) {
	t.Helper()
	code, ctype, body := get(t, srv, path)
	if code != http.StatusOK || ctype != "application/json" {
		t.Fatalf("GET %s: got %d %s, want 200 application/json: %s", path, code, ctype, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, body)
	}
}

func fedHub(t *testing.T, sensors, steps int) *Hub {
	t.Helper()
	h := New(Config{MaxPoints: 100})
	s := newSim(1, sensors, 6)
	for range steps {
		s.next(h)
	}
	return h
}

func TestHandlerAssets(t *testing.T) {
	srv := httptest.NewServer(New(Config{}).Handler())
	defer srv.Close()
	tests := []struct {
		path, ctype, contains string
		code                  int
	}{
		{"/", "text/html", `src="static/app.js"`, 200},
		{"/static/app.js", "text/javascript", "EventSource", 200},
		{"/static/style.css", "text/css", "--actual", 200},
		{"/static/missing.js", "text/plain", "404", 404},
		{"/nope", "text/plain", "404", 404},
	}
	for _, tc := range tests {
		code, ctype, body := get(t, srv, tc.path)
		if code != tc.code || !strings.HasPrefix(ctype, tc.ctype) || !strings.Contains(body, tc.contains) {
			t.Errorf("GET %s: got %d %q (%d bytes), want %d %q containing %q", tc.path, code, ctype, len(body), tc.code, tc.ctype, tc.contains)
		}
	}
}

// TestPageIsSelfContained checks that the page loads nothing from another
// host: no absolute URL in the embedded assets.
func TestPageIsSelfContained(t *testing.T) {
	for _, name := range []string{"assets/index.html", "assets/app.js", "assets/style.css"} {
		data, err := assets.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(data), "http://www.w3.org/2000/svg", "")
		for _, bad := range []string{"http://", "https://", "//cdn", "@import"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s contains %q: the page must not fetch from the network", name, bad)
			}
		}
	}
}

func TestHandlerSensors(t *testing.T) {
	srv := httptest.NewServer(fedHub(t, 30, 3).Handler())
	defer srv.Close()
	tests := []struct {
		query            string
		wantMatched      int
		wantFirst        string
		wantLen, wantTot int
	}{
		{"", 30, "sensor-0000", 30, 30},
		{"?q=SENSOR-001", 10, "sensor-0010", 10, 30},
		{"?q=0025", 1, "sensor-0025", 1, 30},
		{"?q=zzz", 0, "", 0, 30},
		{"?limit=5", 30, "sensor-0000", 5, 30},
	}
	for _, tc := range tests {
		var got listView
		getJSON(t, srv, "/api/sensors"+tc.query, &got)
		first := ""
		if len(got.Sensors) > 0 {
			first = got.Sensors[0].ID
		}
		if got.Matched != tc.wantMatched || len(got.Sensors) != tc.wantLen || got.Total != tc.wantTot || first != tc.wantFirst {
			t.Errorf("%s: got matched %d len %d total %d first %q, want %d %d %d %q",
				tc.query, got.Matched, len(got.Sensors), got.Total, first, tc.wantMatched, tc.wantLen, tc.wantTot, tc.wantFirst)
		}
		if len(got.Sensors) > 0 && got.Sensors[0].Last == 0 {
			t.Errorf("%s: sensor %s has no last reading time", tc.query, first)
		}
	}
}

func TestHandlerSensor(t *testing.T) {
	h := fedHub(t, 2, 20)
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	var got sensorView
	getJSON(t, srv, "/api/sensor?id=sensor-0001", &got)
	if got.ID != "sensor-0001" || len(got.T) != 20 || len(got.V) != 20 || got.Seq != 20 || got.IntervalMs != 3600000 {
		t.Fatalf("got id %q, %d times, %d values, seq %d, interval %d ms; want sensor-0001, 20, 20, 20, 3600000",
			got.ID, len(got.T), len(got.V), got.Seq, got.IntervalMs)
	}
	if got.Forecast == nil || len(got.Forecast.Values) != 6 || got.Forecast.At != got.T[19] {
		t.Fatalf("got forecast %+v, want 6 values made at the last reading %d", got.Forecast, got.T[19])
	}
	if len(got.Past) == 0 {
		t.Errorf("got no earlier forecasts after 20 steps")
	}
	var delta sensorView
	getJSON(t, srv, "/api/sensor?id=sensor-0001&since=18&fseq="+itoa(got.FSeq), &delta)
	if len(delta.T) != 2 || delta.T[1] != got.T[19] || delta.Forecast != nil {
		t.Errorf("since=18 with current fseq: got %d times and forecast %v, want the 2 newest and no forecast", len(delta.T), delta.Forecast)
	}
	if code, _, _ := get(t, srv, "/api/sensor?id=nope"); code != http.StatusNotFound {
		t.Errorf("unknown sensor: got status %d, want 404", code)
	}
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestHandlerSummary(t *testing.T) {
	h := fedHub(t, 3, 4)
	h.SetStats(Stats{ReadingsIn: 12, ForecastsOut: 9, DeadLetters: 2, Lag: 40, Keys: 3,
		LiveMAE: []float64{0.5, math.NaN(), 1.5}, Model: "m v1"})
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	var got struct {
		Sensors      int   `json:"sensors"`
		HubReadings  int64 `json:"hubReadings"`
		HubForecasts int64 `json:"hubForecasts"`
		Stats        struct {
			ReadingsIn, ForecastsOut, DeadLetters, Lag, Keys int64
			LiveMAE                                          []*float64
			Model                                            string
		} `json:"stats"`
	}
	getJSON(t, srv, "/api/summary", &got)
	st := got.Stats
	if got.Sensors != 3 || got.HubReadings != 12 || got.HubForecasts != 12 {
		t.Errorf("got sensors %d hub readings %d forecasts %d, want 3 12 12", got.Sensors, got.HubReadings, got.HubForecasts)
	}
	if st.ReadingsIn != 12 || st.ForecastsOut != 9 || st.DeadLetters != 2 || st.Lag != 40 || st.Keys != 3 || st.Model != "m v1" {
		t.Errorf("got stats %+v, want the ones set", st)
	}
	if len(st.LiveMAE) != 3 || st.LiveMAE[0] == nil || *st.LiveMAE[0] != 0.5 || st.LiveMAE[1] != nil || *st.LiveMAE[2] != 1.5 {
		t.Errorf("got liveMAE %v, want [0.5 null 1.5]", st.LiveMAE)
	}
}

func TestFloatsJSON(t *testing.T) {
	f := func(in floats, want string) {
		t.Helper()
		got, err := json.Marshal(in)
		if err != nil || string(got) != want {
			t.Errorf("marshal %v: got %s (%v), want %s", []float64(in), got, err, want)
		}
	}
	f(nil, "[]")
	f(floats{1, 2.5, -3e-7}, "[1,2.5,-3e-07]")
	f(floats{math.NaN(), math.Inf(1), math.Inf(-1), 0}, "[null,null,null,0]")
}
