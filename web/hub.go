package web

import (
	"container/list"
	"math"
	"sync"
	"time"

	"github.com/rnncast/rnncast/pipeline"
)

// Hub holds the recent history of every sensor the pipeline reports and
// serves it (see Handler). Create it with New; it is safe for concurrent
// use.
type Hub struct {
	cfg  Config
	done chan struct{} // closed by Close: ends every /events stream
	once sync.Once

	mu      sync.Mutex
	sensors map[string]*list.Element // of *series
	lru     list.List                // front: most recently updated
	subs    map[string]map[*subscriber]struct{}
	stats   Stats
	// readings and forecasts count what the Hub was fed, so that the page
	// shows throughput even when no one calls SetStats.
	readings, forecasts int64
}

// subscriber is one /events stream, watching one sensor.
type subscriber struct {
	sensor string
	notify chan struct{} // one slot: an update is pending
}

// New returns a Hub with cfg's bounds; zero or negative fields take their
// defaults, so every Config is valid.
func New(cfg Config) *Hub {
	return &Hub{
		cfg:     cfg.withDefaults(),
		done:    make(chan struct{}),
		sensors: map[string]*list.Element{},
		subs:    map[string]map[*subscriber]struct{}{},
	}
}

// Close ends every /events stream now and makes new ones end at once. The
// Hub still accepts updates and serves the JSON endpoints. Call it before
// http.Server.Shutdown, which waits for streaming handlers to return.
func (h *Hub) Close() {
	h.once.Do(func() { close(h.done) })
}

// OnReading records a sensor's actual value at event time ts. Non-finite
// values are ignored. It never blocks on a client.
func (h *Hub) OnReading(sensor string, ts time.Time, value float64) {
	if sensor == "" || math.IsNaN(value) || math.IsInf(value, 0) {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.addReading(sensor, ts, value)
}

// addReading is OnReading with h.mu held.
func (h *Hub) addReading(sensor string, ts time.Time, value float64) {
	h.readings++
	s := h.touch(sensor)
	if s.addActual(ts.UnixMilli(), value, h.cfg.MaxPoints, h.cfg.History) {
		h.notify(sensor)
	}
}

// OnForecast records the forecast made at event time ts: forecast[k] is
// the value expected at ts+(k+1)·interval. A forecast without a sensor,
// values or a positive interval is ignored. The Hub copies forecast; the
// caller may reuse it after the call. It never blocks on a client.
func (h *Hub) OnForecast(sensor string, ts time.Time, interval time.Duration, forecast []float64) {
	if sensor == "" || len(forecast) == 0 || interval <= 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.addForecast(sensor, ts, interval, forecast)
}

// addForecast is OnForecast with h.mu held.
func (h *Hub) addForecast(sensor string, ts time.Time, interval time.Duration, forecast []float64) {
	h.forecasts++
	s := h.touch(sensor)
	s.setForecast(ts.UnixMilli(), interval, forecast, h.cfg.PastForecasts, h.cfg.PastEvery)
	h.notify(sensor)
}

// SetStats replaces the pipeline statistics the page shows. The Hub copies
// st.LiveMAE.
func (h *Hub) SetStats(st Stats) {
	st.LiveMAE = append([]float64(nil), st.LiveMAE...)
	h.mu.Lock()
	h.stats = st
	h.mu.Unlock()
}

// Len returns the number of sensors held.
func (h *Hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.sensors)
}

// touch returns the sensor's series, creating it (and forgetting the least
// recently updated sensor past MaxSensors), and marks it most recent.
// h.mu must be held.
func (h *Hub) touch(sensor string) *series {
	if e, ok := h.sensors[sensor]; ok {
		h.lru.MoveToFront(e)
		return e.Value.(*series)
	}
	if len(h.sensors) >= h.cfg.MaxSensors {
		oldest := h.lru.Back()
		delete(h.sensors, oldest.Value.(*series).id)
		h.lru.Remove(oldest)
	}
	s := newSeries(sensor, h.cfg.MaxPoints, h.cfg.PastForecasts)
	h.sensors[sensor] = h.lru.PushFront(s)
	return s
}

// notify tells the sensor's subscribers, without blocking, that it
// changed. h.mu must be held.
func (h *Hub) notify(sensor string) {
	if len(h.subs) == 0 {
		return // no stream open: spare the lookup (the hooks call this per sample)
	}
	for sub := range h.subs[sensor] {
		select {
		case sub.notify <- struct{}{}:
		default: // an update is already pending: the stream will send both.
		}
	}
}

// subscribe registers a stream watching sensor ("" watches none).
func (h *Hub) subscribe(sensor string) *subscriber {
	sub := &subscriber{sensor: sensor, notify: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.subs[sensor]
	if m == nil {
		m = map[*subscriber]struct{}{}
		h.subs[sensor] = m
	}
	m[sub] = struct{}{}
	return sub
}

func (h *Hub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs[sub.sensor], sub)
	if len(h.subs[sub.sensor]) == 0 {
		delete(h.subs, sub.sensor)
	}
}

// subscribers returns the number of open /events streams.
func (h *Hub) subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.subs {
		n += len(m)
	}
	return n
}

// Hooks returns the pipeline's OnReadings and OnForecasts callbacks
// (pipeline.Config) feeding this Hub, one lock per micro-batch: the first
// value of each reading is charted, and every forecast is taken to step by
// interval (the model's). Each sample is taken as OnReading and OnForecast
// take it.
func (h *Hub) Hooks(interval time.Duration) (onReadings, onForecasts func([]pipeline.Sample)) {
	onReadings = func(samples []pipeline.Sample) {
		h.mu.Lock()
		defer h.mu.Unlock()
		for i := range samples {
			r := &samples[i]
			if len(r.Values) > 0 && r.Sensor != "" && !math.IsNaN(r.Values[0]) && !math.IsInf(r.Values[0], 0) {
				h.addReading(r.Sensor, r.Time, r.Values[0])
			}
		}
	}
	onForecasts = func(samples []pipeline.Sample) {
		if interval <= 0 {
			return
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		for i := range samples {
			if f := &samples[i]; f.Sensor != "" && len(f.Values) > 0 {
				h.addForecast(f.Sensor, f.Time, interval, f.Values)
			}
		}
	}
	return onReadings, onForecasts
}
