package web

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// event is one Server-Sent Event.
type event struct {
	id, name, data string
}

// openEvents starts an /events request and returns a channel of its events,
// closed when the stream ends. The reading goroutine ends with the stream.
func openEvents(t *testing.T, ctx context.Context, srv *httptest.Server, query string) <-chan event {
	t.Helper()
	return openEventsFrom(t, ctx, srv, query, "")
}

// openEventsFrom is openEvents with a Last-Event-ID header unless lastID is "".
func openEventsFrom(t *testing.T, ctx context.Context, srv *httptest.Server, query, lastID string) <-chan event {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/events"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET /events: %v", err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("GET /events: got Content-Type %q, want text/event-stream", ct)
	}
	out := make(chan event)
	go func() {
		defer close(out)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
		var ev event
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				ev.id = line[len("id: "):]
			case strings.HasPrefix(line, "event: "):
				ev.name = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[len("data: "):]
			case line == "" && ev.name != "":
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
				ev = event{}
			}
		}
	}()
	return out
}

// next returns the next event named name, skipping others, or fails after
// a generous wait (a failure, not a timing goal).
func next(t *testing.T, events <-chan event, name string) event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("stream ended while waiting for a %q event", name)
			}
			if ev.name == name {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %q event", name)
		}
	}
}

func TestEventsStream(t *testing.T) {
	h := New(Config{SummaryEvery: 20 * time.Millisecond})
	s := newSim(3, 2, 4)
	for range 5 {
		s.next(h)
	}
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := openEvents(t, ctx, srv, "?sensor=sensor-0001")

	var sum summaryView
	decode(t, next(t, events, "summary"), &sum)
	if sum.Sensors != 2 || sum.HubReadings != 10 {
		t.Errorf("first summary: got sensors %d readings %d, want 2 10", sum.Sensors, sum.HubReadings)
	}
	var full sensorView
	decode(t, next(t, events, "sensor"), &full)
	if full.ID != "sensor-0001" || len(full.T) != 5 || full.Forecast == nil {
		t.Fatalf("first sensor event: got id %q, %d values, forecast %v; want sensor-0001, 5, a forecast", full.ID, len(full.T), full.Forecast)
	}

	later := s.start.Add(100 * time.Hour)
	h.OnReading("sensor-0000", later, 1) // another sensor: no sensor event
	h.OnReading("sensor-0001", later, 42)
	var delta sensorView
	decode(t, next(t, events, "sensor"), &delta)
	if len(delta.T) != 1 || delta.V[0] != 42 || delta.Seq != full.Seq+1 || delta.Forecast != nil || delta.Reset {
		t.Errorf("update: got %d values %v seq %d forecast %v reset %v, want [42] seq %d, no forecast",
			len(delta.T), delta.V, delta.Seq, delta.Forecast, delta.Reset, full.Seq+1)
	}
	h.SetStats(Stats{ReadingsIn: 77})
	for {
		decode(t, next(t, events, "summary"), &sum)
		if sum.Stats.ReadingsIn == 77 {
			break
		}
	}
}

func decode(t *testing.T, ev event, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(ev.data), v); err != nil {
		t.Fatalf("%s event: %v: %s", ev.name, err, ev.data)
	}
}

// TestEventsEnd checks that a stream's handler returns, and unsubscribes,
// when its request is cancelled and when the Hub is closed.
func TestEventsEnd(t *testing.T) {
	tests := []struct {
		name string
		stop func(cancel context.CancelFunc, h *Hub)
	}{
		{"request cancelled", func(cancel context.CancelFunc, _ *Hub) { cancel() }},
		{"hub closed", func(_ context.CancelFunc, h *Hub) { h.Close(); h.Close() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := New(Config{SummaryEvery: time.Hour})
			h.OnReading("a", time.Unix(1, 0), 1)
			srv := httptest.NewServer(h.Handler())
			defer srv.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			events := openEvents(t, ctx, srv, "?sensor=a")
			next(t, events, "sensor")
			if n := h.subscribers(); n != 1 {
				t.Fatalf("got %d subscribers with one stream open, want 1", n)
			}
			tc.stop(cancel, h)
			for range events { // drain until the stream ends
			}
			waitFor(t, "no subscribers", func() bool { return h.subscribers() == 0 })
		})
	}
}

// waitFor polls cond until it holds, failing after a generous wait (a
// failure, not a timing goal) with what cond describes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestEventsSlowClientDoesNotBlock feeds a watched sensor many times while
// its client reads nothing: the feeder must never wait for the client.
func TestEventsSlowClientDoesNotBlock(t *testing.T) {
	h := New(Config{SummaryEvery: time.Hour})
	sub := h.subscribe("a")
	defer h.unsubscribe(sub)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 10000 {
			h.OnReading("a", time.Unix(int64(i), 0), 1)
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("feeding a sensor with an unread subscriber blocked")
	}
	if len(sub.notify) != 1 {
		t.Errorf("got %d pending notifications, want 1 (coalesced)", len(sub.notify))
	}
}

// TestEventsResume checks that a reconnecting browser, which repeats the
// URL's old cursors but sends the last event id, gets only what it lacks.
func TestEventsResume(t *testing.T) {
	tests := []struct {
		name, query, lastID string
		wantLen             int
		wantForecast        bool
	}{
		{"url cursors", "?sensor=a&since=7", "", 3, true},
		{"last event id wins", "?sensor=a&since=0&fseq=0", "8:10", 2, false},
		{"bad id: everything", "?sensor=a&since=9", "junk", 10, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := New(Config{SummaryEvery: time.Hour})
			for i := range 10 {
				ts := time.Unix(int64(i)*3600, 0)
				h.OnReading("a", ts, float64(i))
				h.OnForecast("a", ts, time.Hour, []float64{1, 2})
			}
			srv := httptest.NewServer(h.Handler())
			defer srv.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ev := next(t, openEventsFrom(t, ctx, srv, tc.query, tc.lastID), "sensor")
			var v sensorView
			decode(t, ev, &v)
			if len(v.T) != tc.wantLen || (v.Forecast != nil) != tc.wantForecast || ev.id != "10:10" {
				t.Errorf("got %d values, forecast %v, id %q; want %d, forecast %v, id 10:10",
					len(v.T), v.Forecast != nil, ev.id, tc.wantLen, tc.wantForecast)
			}
		})
	}
}
