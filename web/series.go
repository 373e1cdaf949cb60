package web

import "time"

// series is one sensor's history. Owned by the Hub and guarded by its
// mutex; no method allocates once the buffers have grown to their bounds.
type series struct {
	id string
	// ts and v are a ring of actual values: epoch ms and value. The ring
	// holds n values starting at start; it grows to cap(ts) = MaxPoints.
	ts    []int64
	v     []float64
	start int
	n     int
	// seq counts the actual values ever appended: the ring holds the
	// values numbered seq-n .. seq-1, which /events uses as a cursor.
	seq uint64

	interval time.Duration
	current  forecast
	// past is a ring of earlier forecasts, oldest first from pastStart.
	past      []forecast
	pastStart int
	// fseq counts forecasts, so that /events sends forecasts only when new.
	fseq uint64
}

// forecast is one forecast: made at event time at, values[k] for at+(k+1)·interval.
type forecast struct {
	at     int64
	values []float64
}

func newSeries(id string, maxPoints, maxPast int) *series {
	return &series{
		id:   id,
		ts:   make([]int64, 0, min(maxPoints, 16)),
		v:    make([]float64, 0, min(maxPoints, 16)),
		past: make([]forecast, 0, maxPast),
	}
}

// at returns the i-th held actual value, oldest first.
func (s *series) at(i int) (int64, float64) {
	j := (s.start + i) % len(s.ts)
	return s.ts[j], s.v[j]
}

// last returns the newest actual value's time, or 0 when there is none.
func (s *series) last() int64 {
	if s.n == 0 {
		return 0
	}
	t, _ := s.at(s.n - 1)
	return t
}

// addActual appends a reading. A reading at the newest time replaces it;
// an older one is ignored (the chart needs increasing times). It drops the
// values older than history before the newest and keeps at most maxPoints.
func (s *series) addActual(t int64, v float64, maxPoints int, history time.Duration) bool {
	if s.n > 0 {
		switch last := s.last(); {
		case t < last:
			return false
		case t == last:
			s.v[(s.start+s.n-1)%len(s.v)] = v
			s.seq++
			return true
		}
	}
	s.push(t, v, maxPoints)
	cutoff := t - history.Milliseconds()
	for s.n > 1 {
		if first, _ := s.at(0); first >= cutoff {
			break
		}
		s.start = (s.start + 1) % len(s.ts)
		s.n--
	}
	return true
}

// push appends to the ring, growing it up to maxPoints, then overwriting
// the oldest value.
func (s *series) push(t int64, v float64, maxPoints int) {
	s.seq++
	if s.n < len(s.ts) {
		j := (s.start + s.n) % len(s.ts)
		s.ts[j], s.v[j] = t, v
		s.n++
		return
	}
	if len(s.ts) < maxPoints {
		s.unwrap()
		s.ts = append(s.ts, t)
		s.v = append(s.v, v)
		s.n++
		return
	}
	s.ts[s.start], s.v[s.start] = t, v
	s.start = (s.start + 1) % len(s.ts)
}

// unwrap rotates a full ring so that its oldest value is at index 0, ready
// to be appended to.
func (s *series) unwrap() {
	if s.start == 0 {
		return
	}
	rotate(s.ts, s.start)
	rotate(s.v, s.start)
	s.start = 0
}

func rotate[T any](x []T, k int) {
	reverse(x[:k])
	reverse(x[k:])
	reverse(x)
}

func reverse[T any](x []T) {
	for i, j := 0, len(x)-1; i < j; i, j = i+1, j-1 {
		x[i], x[j] = x[j], x[i]
	}
}

// setForecast makes f the current forecast. The previous current forecast
// moves to the earlier ones when it was made at least every intervals after
// the newest kept one; buffers are recycled so that steady state does not
// allocate.
func (s *series) setForecast(at int64, interval time.Duration, values []float64, maxPast, every int) {
	if s.current.values != nil && at < s.current.at {
		return // older than the current forecast: keep the current one.
	}
	s.interval = interval
	s.fseq++
	buf := s.current.values
	if buf != nil && s.current.at < at && s.keepPast(s.current.at, every) {
		buf = s.pushPast(s.current, maxPast)
	}
	s.current = forecast{at: at, values: append(buf[:0], values...)}
}

// keepPast reports whether a forecast made at t is far enough after the
// newest kept earlier forecast.
func (s *series) keepPast(t int64, every int) bool {
	if len(s.past) == 0 {
		return true
	}
	newest := s.past[(s.pastStart+len(s.past)-1)%len(s.past)]
	if every <= 0 {
		every = max(1, len(newest.values)/2)
	}
	return t-newest.at >= int64(every)*s.interval.Milliseconds()
}

// pushPast appends f to the ring of earlier forecasts and returns a buffer
// the caller may reuse: the evicted forecast's, or nil.
func (s *series) pushPast(f forecast, maxPast int) []float64 {
	if len(s.past) < maxPast {
		s.past = append(s.past, f)
		return nil
	}
	evicted := s.past[s.pastStart].values
	s.past[s.pastStart] = f
	s.pastStart = (s.pastStart + 1) % len(s.past)
	return evicted[:0]
}

// pastAt returns the i-th earlier forecast, oldest first.
func (s *series) pastAt(i int) forecast {
	return s.past[(s.pastStart+i)%len(s.past)]
}
