package web

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// floats marshals as a JSON array with null for NaN and ±Inf, which JSON
// cannot spell.
type floats []float64

// MarshalJSON implements json.Marshaler.
func (f floats) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+len(f)*8)
	b = append(b, '[')
	for i, x := range f {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			b = append(b, "null"...)
			continue
		}
		b = strconv.AppendFloat(b, x, 'g', -1, 64)
	}
	return append(b, ']'), nil
}

// forecastView is a forecast as JSON: made at At (epoch ms), Values[k] for
// At+(k+1)·interval.
type forecastView struct {
	At     int64  `json:"at"`
	Values floats `json:"values"`
}

// sensorView is one sensor's history as /api/sensor and /events send it.
type sensorView struct {
	ID         string `json:"id"`
	IntervalMs int64  `json:"intervalMs"`
	// Seq is the cursor after the last actual value sent: pass it back as
	// since to get only newer values.
	Seq uint64 `json:"seq"`
	// Reset is true when T and V replace what the client holds rather than
	// extend it (the client's cursor fell out of the ring).
	Reset bool    `json:"reset"`
	T     []int64 `json:"t"`
	V     floats  `json:"v"`
	// Forecast and Past are set when they changed since the client's
	// forecast cursor (always on a full fetch).
	Forecast *forecastView  `json:"forecast,omitempty"`
	Past     []forecastView `json:"past,omitempty"`
	FSeq     uint64         `json:"fseq"`
}

// view copies the series' actual values numbered since and later, and the
// forecasts when fseq is behind. A since outside the ring sends everything.
func (s *series) view(since, fseq uint64) sensorView {
	out := sensorView{ID: s.id, IntervalMs: s.interval.Milliseconds(), Seq: s.seq, FSeq: s.fseq}
	first := s.seq - uint64(s.n)
	if since < first || since > s.seq {
		since, out.Reset = first, true
	}
	k := int(s.seq - since)
	out.T, out.V = make([]int64, 0, k), make(floats, 0, k)
	for i := s.n - k; i < s.n; i++ {
		t, v := s.at(i)
		out.T, out.V = append(out.T, t), append(out.V, v)
	}
	if fseq != s.fseq && s.current.values != nil {
		out.Forecast = &forecastView{At: s.current.at, Values: append(floats(nil), s.current.values...)}
		out.Past = make([]forecastView, len(s.past))
		for i := range s.past {
			f := s.pastAt(i)
			out.Past[i] = forecastView{At: f.at, Values: append(floats(nil), f.values...)}
		}
	}
	return out
}

// sensorView returns the named sensor's view, or false when it is not held.
func (h *Hub) sensorView(id string, since, fseq uint64) (sensorView, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.sensors[id]
	if !ok {
		return sensorView{}, false
	}
	return e.Value.(*series).view(since, fseq), true
}

// summaryView is the page's header: the statistics, once a second.
type summaryView struct {
	Time         int64     `json:"time"`
	Title        string    `json:"title"`
	Sensors      int       `json:"sensors"`
	HubReadings  int64     `json:"hubReadings"`
	HubForecasts int64     `json:"hubForecasts"`
	Stats        statsView `json:"stats"`
}

// statsView is Stats with a JSON-safe LiveMAE.
type statsView struct {
	Stats
	LiveMAE floats `json:"liveMAE"`
}

// summary returns the statistics; Config.Stats, when set, is called
// outside the Hub's lock.
func (h *Hub) summary(now time.Time) summaryView {
	var st Stats
	pulled := h.cfg.Stats != nil
	if pulled {
		st = h.cfg.Stats()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !pulled {
		st = h.stats
		st.LiveMAE = append([]float64(nil), st.LiveMAE...)
	}
	return summaryView{
		Time: now.UnixMilli(), Title: h.cfg.Title, Sensors: len(h.sensors),
		HubReadings: h.readings, HubForecasts: h.forecasts,
		Stats: statsView{Stats: st, LiveMAE: floats(st.LiveMAE)},
	}
}

// listEntry is one sensor of /api/sensors.
type listEntry struct {
	ID    string  `json:"id"`
	Last  int64   `json:"last"`  // newest actual value's time, epoch ms; 0 = none yet
	Value float64 `json:"value"` // newest actual value
}

// listView is /api/sensors: the sensors whose id contains the query.
type listView struct {
	Total   int         `json:"total"`
	Matched int         `json:"matched"`
	Sensors []listEntry `json:"sensors"`
}

// list returns up to limit sensors whose id contains q (case-insensitive),
// sorted by id. The ids are copied under the lock and sorted outside it.
func (h *Hub) list(q string, limit int) listView {
	q = strings.ToLower(q)
	h.mu.Lock()
	out := listView{Total: len(h.sensors)}
	for id, e := range h.sensors {
		if q != "" && !strings.Contains(strings.ToLower(id), q) {
			continue
		}
		s := e.Value.(*series)
		entry := listEntry{ID: id, Last: s.last()}
		if s.n > 0 {
			_, entry.Value = s.at(s.n - 1)
		}
		out.Sensors = append(out.Sensors, entry)
	}
	h.mu.Unlock()
	out.Matched = len(out.Sensors)
	sort.Slice(out.Sensors, func(i, j int) bool { return out.Sensors[i].ID < out.Sensors[j].ID })
	if len(out.Sensors) > limit {
		out.Sensors = out.Sensors[:limit]
	}
	if out.Sensors == nil {
		out.Sensors = []listEntry{}
	}
	return out
}
