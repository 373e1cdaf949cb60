package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// minSensorGap bounds how often one stream sends a sensor's updates: a
// sensor fed a thousand times a second costs the browser ten events.
const minSensorGap = 100 * time.Millisecond

// stream is the state of one /events response.
type stream struct {
	w           io.Writer
	rc          *http.ResponseController
	since, fseq uint64
}

// serveEvents streams Server-Sent Events until the request's context ends
// or the Hub is closed: "summary" at once and every SummaryEvery, and
// "sensor" with the watched sensor's new values whenever it changes.
func (h *Hub) serveEvents(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	st := &stream{w: w, rc: http.NewResponseController(w)}
	st.since, st.fseq = cursors(r)
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		// A browser reconnecting repeats the URL's first cursors; the id of
		// the last sensor event it got says where it really is.
		if _, err := fmt.Sscanf(id, "%d:%d", &st.since, &st.fseq); err != nil {
			st.since, st.fseq = 0, 0
		}
	}
	sub := h.subscribe(r.FormValue("sensor"))
	defer h.unsubscribe(sub)
	tick := time.NewTicker(h.cfg.SummaryEvery)
	defer tick.Stop()

	if _, err := io.WriteString(w, "retry: 2000\n\n"); err != nil {
		return
	}
	if h.sendSummary(st) != nil || h.sendSensor(st, sub.sensor) != nil {
		return
	}
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case <-h.done:
			return
		case <-tick.C:
			err = h.sendSummary(st)
		case <-sub.notify:
			err = h.sendSensor(st, sub.sensor)
			if err == nil {
				err = h.pause(r, minSensorGap)
			}
		}
		if err != nil {
			return
		}
	}
}

// pause waits d unless the request or the Hub ends first.
func (h *Hub) pause(r *http.Request, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.Context().Done():
		return r.Context().Err()
	case <-h.done:
		return http.ErrServerClosed
	case <-t.C:
		return nil
	}
}

func (h *Hub) sendSummary(st *stream) error {
	return st.send("summary", h.summary(time.Now()), "")
}

// sendSensor sends what the client lacks of the sensor: nothing when it is
// up to date or the sensor is not held.
func (h *Hub) sendSensor(st *stream, sensor string) error {
	if sensor == "" {
		return nil
	}
	v, ok := h.sensorView(sensor, st.since, st.fseq)
	if !ok || len(v.T) == 0 && v.Forecast == nil && !v.Reset {
		return nil
	}
	st.since, st.fseq = v.Seq, v.FSeq
	return st.send("sensor", v, fmt.Sprintf("%d:%d", v.Seq, v.FSeq))
}

// send writes one event, with an id unless id is "", and flushes it to the
// client.
func (st *stream) send(event string, v any, id string) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("web: cannot encode %s event: %w", event, err)
	}
	if id != "" {
		if _, err := fmt.Fprintf(st.w, "id: %s\n", id); err != nil {
			return err
		}
	}
	if _, err := fmt.Fprintf(st.w, "event: %s\ndata: %s\n\n", event, data); err != nil {
		return err
	}
	return st.rc.Flush()
}
