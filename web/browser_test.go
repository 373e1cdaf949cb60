package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// chromium returns the browser's path, skipping the test when there is none
// unless RNNCAST_REQUIRE_REAL=1 (CI), where a missing browser fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("RNNCAST_REQUIRE_REAL") == "1" {
		t.Fatal("chromium not found and RNNCAST_REQUIRE_REAL=1: run scripts/install-test-deps.sh")
	}
	t.Skip("chromium not found (Debian package chromium); set RNNCAST_REQUIRE_REAL=1 to fail instead")
	return ""
}

// artifactDir is where the browser test keeps its screenshot: env
// RNNCAST_ARTIFACTS, or the system's temporary directory.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("RNNCAST_ARTIFACTS")
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("cannot create artefact directory: %v", err)
	}
	return dir
}

// cdp drives one headless chromium through the DevTools protocol on a pipe
// (--remote-debugging-pipe: the browser reads requests on its fd 3 and
// writes replies on fd 4, each a JSON message ended by a NUL byte). Calls
// are sequential, so a call reads messages until its own reply arrives and
// skips the events in between; no goroutine is needed.
type cdp struct {
	cmd    *exec.Cmd
	in     *os.File      // requests to the browser
	out    *bufio.Reader // replies and events from it
	id     int
	stderr bytes.Buffer
}

// startBrowser starts chromium in its own process group (its helper
// processes join it) with an empty profile; ctx bounds its life: when ctx
// ends, the group is killed, which also unblocks any pending read.
func startBrowser(ctx context.Context, t *testing.T, path string) *cdp {
	t.Helper()
	toBrowser, in, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	out, fromBrowser, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &cdp{in: in, out: bufio.NewReader(out)}
	c.cmd = exec.CommandContext(ctx, path,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--remote-debugging-pipe",
		"--user-data-dir="+t.TempDir(), "about:blank")
	c.cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser}
	c.cmd.Stderr = &c.stderr
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.cmd.Cancel = func() error { return syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL) }
	c.cmd.WaitDelay = 5 * time.Second
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("cannot start chromium: %v", err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	t.Cleanup(func() { c.close(); out.Close() })
	return c
}

// close asks the browser to exit, then kills its process group if it has
// not, and waits for it.
func (c *cdp) close() {
	_ = c.send("", "Browser.close", nil)
	c.in.Close()
	done := make(chan struct{})
	go func() { // ends when Wait returns: at once, or after the kill below
		defer close(done)
		_ = c.cmd.Wait()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

type cdpMessage struct {
	ID     int             `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

func (c *cdp) send(session, method string, params any) error {
	c.id++
	req := map[string]any{"id": c.id, "method": method}
	if params != nil {
		req["params"] = params
	}
	if session != "" {
		req["sessionId"] = session
	}
	data, err := json.Marshal(req)
	if err != nil {
		return err
	}
	_, err = c.in.Write(append(data, 0))
	return err
}

// call sends a request and decodes its reply's result into result.
func (c *cdp) call(session, method string, params, result any) error {
	if err := c.send(session, method, params); err != nil {
		return fmt.Errorf("cdp %s: %w", method, err)
	}
	for {
		line, err := c.out.ReadBytes(0)
		if err != nil {
			return fmt.Errorf("cdp %s: %w\n%s", method, err, tail(c.stderr.Bytes(), 2000))
		}
		var m cdpMessage
		if err := json.Unmarshal(line[:len(line)-1], &m); err != nil {
			return fmt.Errorf("cdp %s: %w", method, err)
		}
		if m.ID != c.id {
			continue // an event, or a reply to a request sent without waiting
		}
		if m.Error != nil {
			return fmt.Errorf("cdp %s: %s", method, m.Error.Message)
		}
		if result == nil {
			return nil
		}
		return json.Unmarshal(m.Result, result)
	}
}

// page is one browser tab attached through a flat session.
type page struct {
	c       *cdp
	session string
}

func (c *cdp) open(t *testing.T, url string, width, height int) *page {
	t.Helper()
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := c.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		t.Fatal(err)
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	if err := c.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att); err != nil {
		t.Fatal(err)
	}
	p := &page{c: c, session: att.SessionID}
	p.do(t, "Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}, nil)
	p.do(t, "Page.navigate", map[string]any{"url": url}, nil)
	return p
}

func (p *page) do(t *testing.T, method string, params, result any) {
	t.Helper()
	if err := p.c.call(p.session, method, params, result); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression and decodes its value into v.
func (p *page) eval(t *testing.T, expr string, v any) {
	t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	p.do(t, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res)
	if res.ExceptionDetails != nil {
		t.Fatalf("evaluating %q: %s", expr, res.ExceptionDetails.Text)
	}
	if err := json.Unmarshal(res.Result.Value, v); err != nil {
		t.Fatalf("evaluating %q: %v: %s", expr, err, res.Result.Value)
	}
}

// screenshot saves a PNG of the page.
func (p *page) screenshot(t *testing.T, path string) {
	t.Helper()
	var shot struct {
		Data []byte `json:"data"` // base64 in JSON: decoded by encoding/json
	}
	p.do(t, "Page.captureScreenshot", map[string]any{"format": "png"}, &shot)
	if err := os.WriteFile(path, shot.Data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// feeder streams the simulation into the hub every period until stopped,
// and advances the pipeline statistics st as a pipeline would.
type feeder struct {
	stop chan struct{}
	wg   sync.WaitGroup
}

func startFeeder(h *Hub, s *sim, st Stats, period time.Duration) *feeder {
	f := &feeder{stop: make(chan struct{})}
	f.wg.Go(func() {
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-f.stop:
				return
			case <-tick.C:
				s.next(h)
				st.ReadingsIn += int64(s.sensors)
				st.ForecastsOut += int64(s.sensors)
				st.Lag = int64(10 + s.step%7)
				h.SetStats(st)
			}
		}
	})
	return f
}

func (f *feeder) Close() {
	close(f.stop)
	f.wg.Wait()
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// chartState is what the page wrote on its chart element and body.
type chartState struct {
	Points, Actuals, Forecast, Updates, Summaries, ErrorBars int
	Sensor                                                   string
}

// chartStateJS reads the state; before the page has loaded it returns
// zeros rather than throwing.
const chartStateJS = `(() => {
  const el = document.getElementById("chart");
  if (!el || !document.body) return {};
  const c = el.dataset;
  return {Points: +c.points, Actuals: +c.actuals, Forecast: +c.forecast, Updates: +c.updates,
    Sensor: c.sensor, Summaries: +document.body.dataset.summaries,
    ErrorBars: document.querySelectorAll("#errors rect.bar").length};
})()`

// waitState polls the page until ok accepts its chart state, failing after
// a generous wait (a failure, not a timing goal).
func (p *page) waitState(t *testing.T, what string, ok func(chartState) bool) chartState {
	t.Helper()
	var st chartState
	for range 300 {
		p.eval(t, chartStateJS, &st)
		if ok(st) {
			return st
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("page never showed %s; last state %+v", what, st)
	return st
}

// TestBrowserShowsLiveData loads the page in headless chromium, served by
// httptest on 127.0.0.1 and fed by a simulated stream, and checks that the
// chart shows the selected sensor's actual values and forecast, that they
// grow through the event stream without a reload, and that searching and
// picking another sensor (by click, or Enter in the search box) charts it. A screenshot is kept under
// RNNCAST_ARTIFACTS.
func TestBrowserShowsLiveData(t *testing.T) {
	path := chromium(t)
	const horizon = 24
	h := New(Config{Title: "rnncast", SummaryEvery: 300 * time.Millisecond})
	s := newSim(11, 60, horizon)
	for range 96 {
		s.next(h)
	}
	stats := Stats{ReadingsIn: 5760, ForecastsOut: 5700, DeadLetters: 3, Lag: 17, Keys: 60,
		LiveMAE: liveMAE(horizon), Model: "sim-gru v1"}
	h.SetStats(stats)
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	defer h.Close() // before srv.Close, which waits for the page's event stream
	feed := startFeeder(h, s, stats, 250*time.Millisecond)
	defer feed.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := startBrowser(ctx, t, path).open(t, srv.URL+"/#sensor="+sensorName(7), 1440, 940)

	first := p.waitState(t, "the sensor's data", func(st chartState) bool {
		return st.Actuals > 0 && st.Forecast == horizon && st.Summaries > 1 && st.ErrorBars == horizon
	})
	if first.Sensor != sensorName(7) || first.Points != first.Actuals+first.Forecast {
		t.Errorf("got %+v, want sensor %s with points = actuals + forecast", first, sensorName(7))
	}
	second := p.waitState(t, "new values from the event stream", func(st chartState) bool {
		return st.Actuals > first.Actuals+2 && st.Updates > first.Updates && st.Summaries >= 12
	})
	t.Logf("chart before %+v, after %+v", first, second)
	shot := filepath.Join(artifactDir(t), "rnncast-web.png")
	p.screenshot(t, shot)
	t.Logf("screenshot: %s", shot)

	var ok bool
	p.eval(t, `(() => { const s = document.getElementById("search"); s.value = "0042";
		s.dispatchEvent(new Event("input")); return true; })()`, &ok)
	var items []string
	for range 100 {
		p.eval(t, `[...document.querySelectorAll("#list li")].map((li) => li.dataset.id)`, &items)
		if len(items) == 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(items) != 1 || items[0] != sensorName(42) {
		t.Fatalf("search 0042: got list %v, want [%s]", items, sensorName(42))
	}
	p.eval(t, `(() => { document.querySelector("#list li").click(); return true; })()`, &ok)
	p.waitState(t, sensorName(42)+" after picking it", func(st chartState) bool {
		return st.Sensor == sensorName(42) && st.Actuals > 0 && st.Forecast == horizon
	})

	p.eval(t, `(() => { const s = document.getElementById("search"); s.value = "sensor-0005";
		s.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter"})); return true; })()`, &ok)
	p.waitState(t, sensorName(5)+" after Enter in the search box", func(st chartState) bool {
		return st.Sensor == sensorName(5) && st.Actuals > 0 && st.Forecast == horizon
	})
}

// liveMAE is a plausible error profile: growing with the horizon step.
func liveMAE(h int) []float64 {
	out := make([]float64, h)
	for k := range out {
		out[k] = 0.55 + 0.08*float64(k)
	}
	return out
}
