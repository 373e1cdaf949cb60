package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/rnncast/rnncast/ingest"
	"github.com/rnncast/rnncast/pipeline"
	"github.com/rnncast/rnncast/record"
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

// topicTable reads the topic range, decodes every record (undecodable ones
// are counted), picks one sensor (-sensor, or the one with the most
// readings; ties by name), places its readings on the grid with the
// config's window settings, exactly as serving does (gaps up to max_gap
// filled, duplicates and late readings dropped, a longer gap resets), and
// keeps the longest run of rows without a reset. Sensors are not
// concatenated: a stateful model trained across two sensors' junction
// would learn a jump that never happens.
func (f *trainFlags) topicTable(ctx context.Context) (*train.Table, topicStats, error) {
	names := []string{f.target}
	if f.features != "" {
		names = strings.Split(f.features, ",")
	}
	target := slices.Index(names, f.target)
	if target < 0 {
		return nil, topicStats{}, fmt.Errorf("target %q is not among the features %v", f.target, names)
	}
	_, pc, err := f.topic.topicConfig(ctx)
	if err != nil {
		return nil, topicStats{}, err
	}
	pc.Decoder.Features = len(names)
	wc := pc.Window
	wc.Features, wc.Window, wc.MaxBatch = len(names), 1, pipeline.DefaultMaxBatch
	if f.interval > 0 {
		wc.Interval = f.interval
	}
	if wc.Interval <= 0 {
		return nil, topicStats{}, errors.New("the grid interval is unknown: set window.interval in -config or pass -interval")
	}
	bySensor, st, err := f.topic.readings(ctx, pc)
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
	tab, err := grid(rs, wc, &st)
	if err != nil {
		return nil, st, err
	}
	tab.Names, tab.Target = names, target
	return tab, st, nil
}

// readings decodes every record of the range, by sensor, in offset order.
func (t *topicFlags) readings(ctx context.Context, pc pipeline.Config) (map[string][]record.Reading, topicStats, error) {
	var st topicStats
	dec, err := record.NewDecoder(pc.Decoder)
	if err != nil {
		return nil, st, err
	}
	srcs, err := t.sources(ctx, pc)
	if err != nil {
		return nil, st, err
	}
	out := map[string][]record.Reading{}
	var m ingest.Message
	var r record.Reading
	for _, s := range srcs {
		rr := s.(*ingest.RangeReader)
		for err == nil {
			if err = rr.Next(ctx, &m); err != nil {
				break
			}
			st.records++
			if dec.Decode(m.Key, m.Value, m.Time, &r) != nil {
				st.rejected++
				continue
			}
			// r.Values is the decoder's reused memory: the stored reading
			// gets a copy.
			keep := r
			keep.Offset, keep.Partition, keep.Values = m.Offset, m.Partition, slices.Clone(r.Values)
			out[r.Key] = append(out[r.Key], keep)
		}
		rr.Close()
		if !errors.Is(err, io.EOF) {
			return nil, st, err
		}
		err = nil
	}
	st.sensors = len(out)
	return out, st, nil
}

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

// grid places rs on the grid with window.Windows and returns the longest
// run of rows without a reset.
func grid(rs []record.Reading, wc window.Config, st *topicStats) (*train.Table, error) {
	w, err := window.New[struct{}](wc, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	defer w.Release()
	F := wc.Features
	var times []time.Time
	var values []float64
	lo, bestLo, bestHi := 0, 0, 0
	flush := func() error {
		b, err := w.Flush()
		if err != nil || b == nil {
			return err
		}
		defer b.Release()
		vals, ts := b.ValuesData(), b.Times()
		for i := 0; i < b.Len(); i++ {
			if b.Resets[i] {
				lo = len(times)
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
			if len(times)-lo > bestHi-bestLo {
				bestLo, bestHi = lo, len(times)
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
	return &train.Table{Times: times[bestLo:bestHi], Values: values[bestLo*F : bestHi*F], Interval: wc.Interval}, nil
}
