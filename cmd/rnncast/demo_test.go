package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rnncast/rnncast/simulate"
)

// TestDemo runs the demo for a few seconds with compressed time and checks
// that readings went in, forecasts came out, the live error was scored, and
// malformed records reached the dead-letter topic.
func TestDemo(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var scraped sync.WaitGroup
	var checkpoints float64
	o := demoOptions{sensors: 8, partitions: 2, speed: 10 * time.Millisecond, every: 500 * time.Millisecond,
		http: "127.0.0.1:0", seed: 1, onHTTP: func(addr string) {
			scraped.Go(func() {
				time.Sleep(3 * time.Second) // well past warm-up (48 simulated hours, 0.5 s)
				var err error
				if checkpoints, err = scrapeValue(addr, "rnncast_checkpoint_seconds_count"); err != nil {
					t.Errorf("cannot scrape the demo's /metrics: %v", err)
				}
				if err := checkWebView(addr); err != nil {
					t.Errorf("web view: %v", err)
				}
			})
		}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	s, err := demo(ctx, o, &stdout, &stderr)
	scraped.Wait()
	if err != nil {
		t.Fatalf("demo: %v\nstderr: %s", err, stderr.String())
	}
	if checkpoints == 0 {
		t.Error("/metrics during the demo showed no state checkpoints")
	}
	t.Logf("stdout:\n%s", stdout.String())
	if s.RecordsIn == 0 || s.ForecastsOut == 0 || !s.Scored {
		t.Errorf("final totals %+v, want readings in, forecasts out and a scored live error", s)
	}
	if s.ForecastsOut > s.RecordsIn {
		t.Errorf("%d forecasts out from %d readings in, want at most one per reading", s.ForecastsOut, s.RecordsIn)
	}
	if first := firstMalformed(t, o); s.RecordsIn > first+int64(o.sensors) && s.DeadLetters == 0 {
		t.Errorf("%d records in, past the first malformed one (#%d), but no dead letters", s.RecordsIn, first)
	}
	out := stdout.String()
	for _, want := range []string{"rnncast demo: Kafka (kfake) at 127.0.0.1:", "one simulated 1h per 10ms", "final: ", "live MAE",
		"first forecast with its reading 48: 47 warm-up readings"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not contain %q", want)
		}
	}
	checkDemoAccounts(t, out, s.RecordsIn)
}

// checkDemoAccounts checks the demo's final accounting line: readings in
// (as many as the metrics counted) = forecasts + warm-ups + dead letters
// (+ skipped), every term present and the sum exact.
func checkDemoAccounts(t *testing.T, out string, recordsIn int64) {
	t.Helper()
	m := regexp.MustCompile(`final: readings in (\d+) = forecasts out (\d+) \+ warm-ups (\d+) \+ dead letters (\d+)(?: \+ skipped (\d+))?\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no final accounting line (readings in = forecasts out + warm-ups + dead letters) in:\n%s", out)
	}
	n := make([]int64, 5)
	for i, s := range m[1:] {
		if s != "" {
			n[i], _ = strconv.ParseInt(s, 10, 64)
		}
	}
	if n[0] != recordsIn || n[0] != n[1]+n[2]+n[3]+n[4] || n[2] == 0 {
		t.Errorf("final accounting %q: want readings in (%d, as counted) = the sum of the rest, with warm-ups", m[0], recordsIn)
	}
}

// firstMalformed returns the index of the demo generator's first malformed
// record.
func firstMalformed(t *testing.T, o demoOptions) int64 {
	t.Helper()
	g, err := simulate.New(simulate.DefaultConfig(o.sensors, o.seed))
	if err != nil {
		t.Fatal(err)
	}
	for i := int64(0); ; i++ {
		if g.Next().Malformed {
			return i
		}
	}
}

func TestShortDuration(t *testing.T) {
	f := func(d time.Duration, want string) {
		t.Helper()
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
	f(time.Hour, "1h")
	f(90*time.Minute, "1h30m")
	f(15*time.Minute, "15m")
	f(10*time.Second, "10s")
	f(100*time.Millisecond, "100ms")
	f(24*time.Hour, "24h")
}

// checkWebView checks that the demo serves the web view beside /metrics:
// the page, and sensors with readings and forecasts in its data API.
func checkWebView(addr string) error {
	page, err := httpGet("http://" + addr + "/")
	if err != nil {
		return err
	}
	if !strings.Contains(page, "<html") {
		return fmt.Errorf("/ is not the page: %.200q", page)
	}
	body, err := httpGet("http://" + addr + "/api/sensors?limit=100")
	if err != nil {
		return err
	}
	var list struct {
		Sensors []struct {
			ID string `json:"id"`
		} `json:"sensors"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Sensors) == 0 {
		return fmt.Errorf("/api/sensors: %v, body %.300q; want sensors", err, body)
	}
	one, err := httpGet("http://" + addr + "/api/sensor?id=" + url.QueryEscape(list.Sensors[0].ID))
	if err != nil {
		return err
	}
	var view struct {
		V        []float64       `json:"v"`
		Forecast json.RawMessage `json:"forecast"`
	}
	if err := json.Unmarshal([]byte(one), &view); err != nil {
		return fmt.Errorf("/api/sensor: %v", err)
	}
	if len(view.V) == 0 || len(view.Forecast) == 0 {
		return fmt.Errorf("/api/sensor of %s shows no forecast: %.300q", list.Sensors[0].ID, one)
	}
	return nil
}

func httpGet(u string) (string, error) {
	resp, err := http.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: status %d, %v", u, resp.StatusCode, err)
	}
	return string(b), nil
}
