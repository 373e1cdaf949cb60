package backtest

import (
	"errors"
	"fmt"
	"time"

	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/train"
)

// Config is a backtest's settings.
type Config struct {
	// Horizon is H; default the model's (required without a model).
	Horizon int
	// Period is the seasonal-naive baseline's period in rows; default 24.
	Period int
	// TestStart is the first target row of the test split (required).
	TestStart int
	// TestEnd ends the test split's target rows (exclusive); default all rows.
	TestEnd int
	// ScaleRows fits the standardization on rows [0, ScaleRows) (the train
	// split); 0 uses the model's scaler (required without a model).
	ScaleRows int
	// Mode overrides the model's Meta.Mode ("window" or "stateful").
	Mode string
	// Batch is the windows per Runner call in window mode; default 256.
	Batch int
	// CalibrateFrom is the first origin of the intervals' burn-in: the
	// forecasts of origins [CalibrateFrom, TestStart) are made and scored
	// against their actuals only to calibrate the intervals (as a running
	// system would have), never counted. Default ScaleRows when given (the
	// rows after the train split: the validation split), else TestStart
	// (none); -1: none.
	CalibrateFrom int
	// AnomalyLevel is the interval level outside which a reading is an
	// anomaly event (AnomalyScore); default DefaultAnomalyLevel.
	AnomalyLevel float64
	// Inject, when set (InjectSpikes, InjectShifts, InjectBoth), adds
	// deterministic, seeded anomalies of InjectK (default 5) std to the
	// scored rows at the share InjectRate of them (default 0.005, half the
	// false-alarm rate of the default level: the calibration keeps 1% of
	// readings outside its 0.99 interval, so anomalies more frequent than
	// that widen it until it covers some of them), and
	// scores the anomaly events against them.
	Inject     string
	InjectK    float64
	InjectRate float64
	InjectSeed uint64
}

// calibrateFrom returns the first burn-in origin.
func (c Config) calibrateFrom() int {
	switch {
	case c.CalibrateFrom < 0:
		return c.TestStart
	case c.CalibrateFrom > 0:
		return min(c.CalibrateFrom, c.TestStart)
	case c.ScaleRows > 0:
		return min(c.ScaleRows, c.TestStart)
	}
	return c.TestStart
}

// burnIn is the forecasts of the intervals' burn-in origins, in Result's
// layout (see Config.CalibrateFrom).
type burnIn struct {
	origins   []int
	keys      []string // nil for a CSV
	actual    []float64
	forecasts [][]float64 // per method
}

// The methods of a Result, in Scores' order (Model only with a model).
const (
	MethodModel    = "rnncast"
	MethodRepeat   = "repeat"
	MethodSeasonal = "seasonal-naive"
)

// Result holds every forecast of a backtest and its scores.
type Result struct {
	Config
	Target    string
	Mean, Std float64     // the target's scaler (original units).
	Origins   []int       // per forecast: its origin row e (it forecasts rows [e, e+H)).
	Keys      []string    // per forecast: its sensor (topic backtests, Collector.Result); nil for a CSV.
	Times     []time.Time // per row of the series.
	Actual    []float64   // forecasts × H.
	Forecasts [][]float64 // per method (Scores' order): forecasts × H, original units.
	Scores    []*Score
	// Intervals are the calibrated intervals of the first method (the
	// model's, else Repeat's) and of seasonal naive (intervals.go).
	Intervals []*IntervalScore
	// Anomalies scores the first method's anomaly events (against the
	// injections of Config.Inject; without them every event is a false
	// alarm).
	Anomalies  *AnomalyScore
	ModelLabel string // name, version, mode and cell of the model; empty without one.
	// SensorsSeen is the sensors a topic replay read, scored or not (0 for
	// a CSV: its one sensor).
	SensorsSeen int

	fleet      bool              // RunFleet's: every figure on each sensor's own scale
	burn       burnIn            // the intervals' burn-in forecasts (Config.CalibrateFrom)
	labels     []bool            // per row of values: an injected anomaly there
	values     []float64         // per row: the target (original units)
	sensorRows map[string][2]int // per sensor: its rows [lo, hi) in Times and values
}

// Run backtests m (nil for the baselines alone) over the table's target.
func Run(m *model.Model, t *train.Table, c Config) (*Result, error) {
	c, err := c.resolve(m, len(t.Times))
	if err != nil {
		return nil, err
	}
	var labels []bool
	if c.Inject != "" {
		scaleRows := c.ScaleRows
		if scaleRows == 0 {
			scaleRows = c.TestStart
		}
		if t, labels, err = inject(t, c, scaleRows); err != nil {
			return nil, err
		}
	}
	r := newResult(t, c, m)
	r.labels = labels
	if m != nil {
		if err := r.checkModel(m, t); err != nil {
			return nil, err
		}
		r.Forecasts = append(r.Forecasts, forecast(m, t, r))
	}
	r.baselines(column(t, t.Target))
	r.splitBurnIn()
	r.score(t)
	if err := r.calibrate(); err != nil {
		return nil, err
	}
	return r, nil
}

func (c Config) resolve(m *model.Model, rows int) (Config, error) {
	if m != nil {
		if c.Horizon == 0 {
			c.Horizon = m.Meta.Horizon
		}
		if c.Mode == "" {
			c.Mode = m.Meta.Mode
		}
	}
	if c.Period == 0 {
		c.Period = 24
	}
	if c.TestEnd == 0 {
		c.TestEnd = rows
	}
	if c.Batch == 0 {
		c.Batch = 256
	}
	if c.AnomalyLevel == 0 {
		c.AnomalyLevel = DefaultAnomalyLevel
	}
	if c.InjectK == 0 {
		c.InjectK = 5
	}
	if c.InjectRate == 0 {
		c.InjectRate = 0.005
	}
	if c.InjectSeed == 0 {
		c.InjectSeed = 1
	}
	switch {
	case c.Horizon < 1:
		return c, errors.New("backtest: horizon must be positive")
	case m == nil && c.ScaleRows == 0:
		return c, errors.New("backtest: without a model the scaler rows must be given")
	case c.TestStart < c.Period || c.TestEnd > rows || c.TestEnd-c.TestStart < c.Horizon:
		return c, fmt.Errorf("backtest: test rows [%d,%d) do not fit %d rows, period %d and horizon %d",
			c.TestStart, c.TestEnd, rows, c.Period, c.Horizon)
	case c.ScaleRows < 0 || c.ScaleRows > rows:
		return c, fmt.Errorf("backtest: scaler rows %d out of range", c.ScaleRows)
	case !(c.AnomalyLevel > 0 && c.AnomalyLevel < 1):
		return c, fmt.Errorf("backtest: anomaly level %v is not in (0, 1)", c.AnomalyLevel)
	case !(c.InjectRate > 0 && c.InjectRate <= 1) || !(c.InjectK > 0):
		return c, fmt.Errorf("backtest: injection rate %v (want (0, 1]) or size %v std (want > 0) out of range", c.InjectRate, c.InjectK)
	}
	return c, nil
}

func newResult(t *train.Table, c Config, m *model.Model) *Result {
	r := &Result{Config: c, Target: t.Names[t.Target], Times: t.Times}
	if c.ScaleRows > 0 {
		d := t.Data(c.ScaleRows, len(t.Times))
		mean, std := d.Scaler(c.ScaleRows)
		r.Mean, r.Std = mean[t.Target], std[t.Target]
	} else {
		r.Mean, r.Std = targetScale(m)
	}
	col := column(t, t.Target)
	r.values, r.sensorRows = col, map[string][2]int{r.Target: {0, len(col)}}
	from := c.calibrateFrom()
	if m != nil && r.Mode == train.ModeWindow {
		from = max(from, m.Meta.Window)
	}
	from = max(from, c.Period)
	for e := min(from, c.TestStart); e+c.Horizon <= c.TestEnd; e++ {
		r.Origins = append(r.Origins, e)
		r.Actual = append(r.Actual, col[e:e+c.Horizon]...)
	}
	if m != nil {
		r.ModelLabel = fmt.Sprintf("%s v%s (%s %s, hidden %d, layers %d, norm %s)",
			m.Meta.Name, m.Meta.Version, c.Mode, m.Meta.Cell, m.Meta.Hidden, m.Meta.Layers, m.Meta.Norm)
	}
	return r
}

func (r *Result) checkModel(m *model.Model, t *train.Table) error {
	switch {
	case m.Meta.Inputs != len(t.Names):
		return fmt.Errorf("backtest: model takes %d input features, data has %d (%v)", m.Meta.Inputs, len(t.Names), t.Names)
	case m.Meta.Target != t.Target:
		return fmt.Errorf("backtest: model's target is feature %d, data's is %d", m.Meta.Target, t.Target)
	case r.Horizon > m.Meta.Horizon:
		return fmt.Errorf("backtest: horizon %d exceeds the model's %d", r.Horizon, m.Meta.Horizon)
	case r.Mode != train.ModeWindow && r.Mode != train.ModeStateful:
		return fmt.Errorf("backtest: unknown mode %q", r.Mode)
	case r.Mode == train.ModeWindow && r.TestStart < m.Meta.Window:
		return fmt.Errorf("backtest: test start %d is before the first full window of %d rows", r.TestStart, m.Meta.Window)
	}
	return nil
}

// column returns feature f of the table's rows.
func column(t *train.Table, f int) []float64 {
	F := len(t.Names)
	out := make([]float64, len(t.Times))
	for i := range out {
		out[i] = t.Values[i*F+f]
	}
	return out
}

// baselines appends the Repeat and seasonal-naive forecasts of every
// origin, from col (the target's values, one per row), to r.Forecasts.
func (r *Result) baselines(col []float64) {
	H := r.Horizon
	rep := make([]float64, len(r.Origins)*H)
	sea := make([]float64, len(r.Origins)*H)
	for i, e := range r.Origins {
		repeat(col, e, rep[i*H:(i+1)*H])
		seasonal(col, e, r.Period, sea[i*H:(i+1)*H])
	}
	r.Forecasts = append(r.Forecasts, rep, sea)
}

func (r *Result) score(t *train.Table) {
	methods := []string{MethodRepeat, MethodSeasonal}
	if len(r.Forecasts) == 3 {
		methods = append([]string{MethodModel}, methods...)
	}
	col := column(t, t.Target)
	scale := maseScale(col[:r.TestStart], r.Period)
	H := r.Horizon
	for j, name := range methods {
		s := newScore(name, H, r.Std, scale)
		for i := range r.Origins {
			s.add(r.Forecasts[j][i*H:(i+1)*H], r.Actual[i*H:(i+1)*H])
		}
		r.Scores = append(r.Scores, s)
	}
}

// targetScale returns the model's scaler of its target, (0, 1) when the
// model scales each window or sensor by its own statistics (no global
// mean and std).
func targetScale(m *model.Model) (mean, std float64) {
	if len(m.Meta.Mean) == 0 || len(m.Meta.Std) == 0 {
		return 0, 1
	}
	return m.Meta.Mean[m.Meta.Target], m.Meta.Std[m.Meta.Target]
}

// splitBurnIn moves the origins before TestStart, and their forecasts and
// actuals, from r to r.burn.
func (r *Result) splitBurnIn() {
	n := 0
	for n < len(r.Origins) && r.Origins[n] < r.TestStart {
		n++
	}
	H := r.Horizon
	r.burn = burnIn{origins: r.Origins[:n:n], actual: r.Actual[: n*H : n*H]}
	r.Origins, r.Actual = r.Origins[n:], r.Actual[n*H:]
	for j, f := range r.Forecasts {
		r.burn.forecasts = append(r.burn.forecasts, f[:n*H:n*H])
		r.Forecasts[j] = f[n*H:]
	}
}
