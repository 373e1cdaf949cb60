package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/rnncast/rnncast/ingest"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/pipeline"
	"github.com/rnncast/rnncast/record"
	"github.com/rnncast/rnncast/sink"
	"github.com/rnncast/rnncast/train"
	"github.com/rnncast/rnncast/window"
)

// readData returns the training table: the CSV of -data, or one sensor's
// series from a topic range (-topic).
func (f *trainFlags) readData(stdout io.Writer) (*train.Table, error) {
	if f.topic.topic == "" {
		return readTable("train", f.data, f.target, f.features)
	}
	ctx, stop := commandContext(0)
	defer stop()
	tab, st, err := f.topicTable(ctx)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "read topic %s: %d records, %d sensors, %d rejected; sensor %s: %d readings, %d gap fills, %d rows kept (longest run without a reset)\n",
		f.topic.topic, st.records, st.sensors, st.rejected, st.sensor, st.readings, st.filled, len(tab.Times))
	return tab, nil
}

// topicStats says what topicTable read and kept.
type topicStats struct {
	records, sensors, rejected int
	sensor                     string
	readings, filled           int
}

// topicTable reads the topic range through the replay path of serving
// (pipeline.Replay: the live worker's decode and window code, with the
// config's input and window settings), so training sees exactly the
// readings serving applies: undecodable, late and duplicate records are
// dead-lettered and counted as rejected. It picks one sensor (-sensor, or
// the one with the most readings; ties by name), places its applied
// readings on the grid again (gaps up to max_gap filled as serving fills
// them, a longer gap resets), and keeps the longest run of rows without a
// reset. Sensors are not concatenated: a stateful model trained across two
// sensors' junction would learn a jump that never happens.
func (f *trainFlags) topicTable(ctx context.Context) (*train.Table, topicStats, error) {
	names := []string{f.target}
	if f.features != "" {
		names = strings.Split(f.features, ",")
	}
	target := slices.Index(names, f.target)
	if target < 0 {
		return nil, topicStats{}, fmt.Errorf("target %q is not among the features %v", f.target, names)
	}
	bySensor, st, wc, err := f.topicReadings(ctx, names)
	if err != nil {
		return nil, st, err
	}
	st.sensor = f.sensor
	if st.sensor == "" {
		st.sensor = busiest(bySensor)
	}
	rs := bySensor[st.sensor]
	if len(rs) == 0 {
		return nil, st, fmt.Errorf("sensor %q has no readings in the range", st.sensor)
	}
	runs, err := gridRuns(rs, wc, &st)
	if err != nil {
		return nil, st, err
	}
	tab := &train.Table{Interval: wc.Interval}
	for _, r := range runs { // the longest run; the first on a tie.
		if len(r.Times) > len(tab.Times) {
			tab = r
		}
	}
	tab.Names, tab.Target = names, target
	return tab, st, nil
}

// topicReadings replays the topic range (readings) with the features
// names and returns the applied readings by sensor and the window
// settings to grid them with.
func (f *trainFlags) topicReadings(ctx context.Context, names []string) (map[string][]record.Reading, topicStats, window.Config, error) {
	_, pc, err := f.topic.topicConfig(ctx)
	if err != nil {
		return nil, topicStats{}, window.Config{}, err
	}
	pc.Decoder.Features = len(names)
	if f.interval > 0 {
		pc.Window.Interval = f.interval
	}
	if pc.Window.Interval <= 0 {
		return nil, topicStats{}, window.Config{}, errors.New("the grid interval is unknown: set window.interval in -config or pass -interval")
	}
	bySensor, st, err := f.topic.readings(ctx, pc, len(names))
	if err != nil {
		return nil, st, window.Config{}, err
	}
	wc := pc.Window
	wc.Features, wc.Window, wc.MaxBatch = len(names), 1, pipeline.DefaultMaxBatch
	return bySensor, st, wc, nil
}

// readings replays the range (pipeline.Replay, no forecasts written) and
// returns the reading rows its workers applied, by sensor, in the order
// applied: their grid slot and values, as serving's OnReading sees them.
// The replay steps a placeholder model of features inputs (the model to
// train does not exist yet; its forecasts are dropped).
func (t *topicFlags) readings(ctx context.Context, pc pipeline.Config, features int) (map[string][]record.Reading, topicStats, error) {
	var st topicStats
	m, err := placeholderModel(features, pc.Window.Interval)
	if err != nil {
		return nil, st, err
	}
	srcs, err := t.sources(ctx, pc)
	if err != nil {
		return nil, st, err
	}
	defer func() {
		for _, s := range srcs {
			s.(*ingest.RangeReader).Close()
		}
	}()
	var mu sync.Mutex // partitions replay concurrently; a sensor lives in one
	out := map[string][]record.Reading{}
	pc.OnReading = func(sensor string, ts time.Time, values []float64) {
		r := record.Reading{Key: sensor, Time: ts, Values: slices.Clone(values)} // values is the worker's memory
		mu.Lock()
		out[sensor] = append(out[sensor], r)
		mu.Unlock()
	}
	pc.OnReadings, pc.OnForecast, pc.OnForecasts = nil, nil, nil
	pc.OutputTopic, pc.DeadLetterTopic = "", ""
	rst, err := pipeline.Replay(ctx, pc, m, srcs, discardBatches{}, pipeline.ReplayOptions{})
	if err != nil {
		return nil, st, err
	}
	st.records = rst.Records
	for _, n := range rst.DeadLetters {
		st.rejected += n
	}
	st.sensors = len(out)
	return out, st, nil
}

// placeholderModel is the smallest stateful model of the given inputs
// (one tanh unit, zero weights, horizon 1): what a replay needs to run
// when only its readings are wanted.
func placeholderModel(inputs int, interval time.Duration) (*model.Model, error) {
	m := &model.Model{
		Meta: model.Meta{Name: "placeholder", Version: "0", Arch: model.ArchSeq2Vec, Cell: model.CellRNN, Nonlinearity: "tanh",
			Hidden: 1, Layers: 1, Inputs: inputs, Window: 1, Horizon: 1, Interval: interval, Norm: model.NormNone, Mode: "stateful"},
		Encoder: model.RNN{Cell: model.CellRNN, Nonlinearity: "tanh", Hidden: 1,
			Layers: []model.Layer{{In: inputs, Wih: make([]float32, inputs), Whh: []float32{0}, Bih: []float32{0}, Bhh: []float32{0}}}},
		FCW: []float32{0}, FCB: []float32{0},
	}
	if err := m.Prepare(); err != nil {
		return nil, fmt.Errorf("rnncast train: cannot build the replay's placeholder model: %w", err)
	}
	return m, nil
}

// discardBatches is a pipeline.BatchWriter that writes nothing.
type discardBatches struct{}

func (discardBatches) Write(context.Context, *sink.Batch) error { return nil }

// busiest returns the sensor with the most readings (the first by name on
// a tie).
func busiest(by map[string][]record.Reading) string {
	best := ""
	for k, rs := range by {
		if len(rs) > len(by[best]) || len(rs) == len(by[best]) && (best == "" || k < best) {
			best = k
		}
	}
	return best
}

// gridRuns places rs (the readings serving applied, in order) on the grid
// with window.Windows, which fills and resets as serving's did, and returns
// every run of rows without a reset, in time order.
func gridRuns(rs []record.Reading, wc window.Config, st *topicStats) ([]*train.Table, error) {
	w, err := window.New[struct{}](wc, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	defer w.Release()
	F := wc.Features
	var times []time.Time
	var values []float64
	var starts []int // each run's first row
	flush := func() error {
		b, err := w.Flush()
		if err != nil || b == nil {
			return err
		}
		defer b.Release()
		vals, ts := b.ValuesData(), b.Times()
		for i := 0; i < b.Len(); i++ {
			if b.Resets[i] || len(times) == 0 {
				starts = append(starts, len(times))
			}
			if b.Filled[i] {
				st.filled++
			} else {
				st.readings++
			}
			times = append(times, time.UnixMilli(int64(ts[i])).UTC())
			for _, v := range vals[i*F : (i+1)*F] {
				values = append(values, float64(v))
			}
		}
		return nil
	}
	for i := range rs {
		_ = w.Add(&rs[i]) // a late or duplicate reading is dropped, as serving dead-letters it
		if i%256 == 255 {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	runs := make([]*train.Table, len(starts))
	for i, lo := range starts {
		hi := len(times)
		if i+1 < len(starts) {
			hi = starts[i+1]
		}
		runs[i] = &train.Table{Times: times[lo:hi], Values: values[lo*F : hi*F], Interval: wc.Interval}
	}
	return runs, nil
}
