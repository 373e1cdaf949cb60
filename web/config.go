package web

import "time"

// Config sets the bounds of a Hub. The zero value is usable: every field
// has a default.
type Config struct {
	// Title is shown at the top of the page. Default "rnncast".
	Title string
	// MaxSensors bounds the sensors held; past it, the least recently
	// updated sensor is forgotten. Default 10000.
	MaxSensors int
	// MaxPoints bounds the actual values held per sensor. Default 240.
	MaxPoints int
	// History bounds the age of the actual values held, measured back from
	// a sensor's newest reading (event time). Default 72h.
	History time.Duration
	// PastForecasts is how many earlier forecasts per sensor are kept to
	// compare with the actuals that followed. Default 4.
	PastForecasts int
	// PastEvery keeps an earlier forecast only when it was made at least
	// this many intervals after the previous one kept, so that the kept
	// forecasts spread over the chart. 0 means half the horizon.
	PastEvery int
	// SummaryEvery is how often /events sends the summary. Default 1s.
	SummaryEvery time.Duration
	// ListLimit bounds the sensors /api/sensors returns. Default 200.
	ListLimit int
	// Stats, when set, is called for every summary (once per SummaryEvery
	// per open page) and replaces what SetStats stored: pass an Observer's
	// Stats method. It must be safe for concurrent use. Default: none.
	Stats func() Stats
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.Title == "" {
		c.Title = "rnncast"
	}
	def(&c.MaxSensors, 10000)
	def(&c.MaxPoints, 240)
	def(&c.PastForecasts, 4)
	def(&c.ListLimit, 200)
	if c.PastEvery < 0 {
		c.PastEvery = 0
	}
	if c.History <= 0 {
		c.History = 72 * time.Hour
	}
	if c.SummaryEvery <= 0 {
		c.SummaryEvery = time.Second
	}
	return c
}

// Stats is the pipeline's state as the page shows it: counters since the
// start (the page derives rates from successive values) and gauges.
type Stats struct {
	// ReadingsIn counts records read from the input topic.
	ReadingsIn int64 `json:"readingsIn"`
	// ForecastsOut counts forecasts written.
	ForecastsOut int64 `json:"forecastsOut"`
	// DeadLetters counts records sent to the dead-letter topic.
	DeadLetters int64 `json:"deadLetters"`
	// Lag is the consumer lag summed over the owned partitions.
	Lag int64 `json:"lag"`
	// Keys is the number of sensors whose state the pipeline holds.
	Keys int64 `json:"keys"`
	// LiveMAE is the recent mean absolute error per horizon step (index 0
	// is step 1), NaN or absent where nothing was scored yet.
	LiveMAE []float64 `json:"liveMAE"`
	// Model names the model served, e.g. "ett-gru v3".
	Model string `json:"model"`
}
