package web

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// sim is a small deterministic sensor stream for tests: a daily cycle plus
// noise per sensor, and a forecast of the next horizon values that knows the
// cycle but not the noise.
type sim struct {
	rng      *rand.Rand
	sensors  int
	horizon  int
	interval time.Duration
	start    time.Time
	step     int
	buf      []float64
}

func newSim(seed uint64, sensors, horizon int) *sim {
	return &sim{
		rng:      rand.New(rand.NewPCG(seed, 1)),
		sensors:  sensors,
		horizon:  horizon,
		interval: time.Hour,
		start:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		buf:      make([]float64, horizon),
	}
}

func sensorName(i int) string { return fmt.Sprintf("sensor-%04d", i) }

func (s *sim) level(sensor, step int) float64 {
	phase := 2 * math.Pi * float64(step) / 24
	return 20 + float64(sensor%7) + 6*math.Sin(phase+float64(sensor)) + 2*math.Sin(phase/7)
}

// next feeds one step of every sensor into h: a reading, then a forecast.
func (s *sim) next(h *Hub) {
	ts := s.start.Add(time.Duration(s.step) * s.interval)
	for i := 0; i < s.sensors; i++ {
		h.OnReading(sensorName(i), ts, s.level(i, s.step)+s.rng.NormFloat64()*0.6)
		for k := range s.buf {
			s.buf[k] = s.level(i, s.step+k+1) + 0.3*math.Sqrt(float64(k+1))*s.rng.NormFloat64()
		}
		h.OnForecast(sensorName(i), ts, s.interval, s.buf)
	}
	s.step++
}
