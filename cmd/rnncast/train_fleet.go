package main

import (
	"fmt"
	"io"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rnncast/rnncast/train"
)

// fleetFlags are rnncast train's flags for training one model on many
// series.
type fleetFlags struct {
	series               string // -series: CSV columns, each its own series; "all" for every numeric one
	sensors              string // -sensors: with -topic, a glob of the sensors to train on
	trainUntil, valUntil string // -train-until, -val-until: splits by time
}

func (ff *fleetFlags) register(fs interface {
	StringVar(p *string, name, value, usage string)
}) {
	fs.StringVar(&ff.series, "series", "", `-data: comma-separated columns to train on, each its own series of one model (channel-independent, shared weights); "all" for every numeric column; with several -data files, in each`)
	fs.StringVar(&ff.sensors, "sensors", "*", "with -topic (without -sensor): a glob of the sensors to train one model on, each gap-free run of each a series of its own")
	fs.StringVar(&ff.trainUntil, "train-until", "", "split by time (RFC 3339): each series' rows before this time train (instead of -train-end)")
	fs.StringVar(&ff.valUntil, "val-until", "", "split by time: each series' rows before this time and after -train-until validate")
}

// isFleet reports whether f trains one model on several series: -series,
// several -data files, or -topic without -sensor.
func (f *trainFlags) isFleet() bool {
	return f.fleet.series != "" || strings.Contains(f.data, ",") || f.topic.topic != "" && f.sensor == ""
}

// fleetData reads the fleet's series: every listed column of every -data
// file, or every gap-free run of every selected sensor of -topic, and
// splits each; it says on stdout what it kept and dropped.
func (f *trainFlags) fleetData(stdout io.Writer) (*train.Data, int, error) {
	if f.cfg.Scaling == "" && f.cfg.Mode == train.ModeWindow {
		f.cfg.Scaling = "window" // sensors differ in scale, even when one run survives.
	}
	var segs []train.Segment
	var interval time.Duration
	var err error
	source := ""
	if f.topic.topic != "" {
		segs, interval, source, err = f.topicSegments()
	} else {
		segs, interval, source, err = f.csvSegments()
	}
	if err != nil {
		return nil, 0, err
	}
	sp, err := f.fleetSplit()
	if err != nil {
		return nil, 0, err
	}
	c := f.cfg
	if c.Window == 0 {
		c.Window = 336
	}
	if c.Horizon == 0 {
		c.Horizon = 24
	}
	d, kept, dropped, why, err := train.FleetData(segs, sp, c.Window, c.Horizon, interval)
	if err != nil {
		return nil, 0, err
	}
	fmt.Fprintf(stdout, "fleet: %s: %d series, %d rows kept for training and validation, %d rows dropped", source, len(d.Series), kept, dropped)
	if why != "" {
		fmt.Fprintf(stdout, " (%s)", why)
	}
	fmt.Fprintln(stdout)
	return d, len(segs), nil
}

// fleetSplit returns the splits of -train-until/-val-until, else of
// -train-end/-val-end (rows of each series), else 60% / 80%.
func (f *trainFlags) fleetSplit() (train.FleetSplit, error) {
	var sp train.FleetSplit
	if (f.fleet.trainUntil == "") != (f.fleet.valUntil == "") {
		return sp, fmt.Errorf("give -train-until and -val-until together")
	}
	if f.fleet.trainUntil != "" {
		var err error
		if sp.TrainUntil, err = time.Parse(time.RFC3339, f.fleet.trainUntil); err != nil {
			return sp, fmt.Errorf("-train-until: %w", err)
		}
		if sp.ValUntil, err = time.Parse(time.RFC3339, f.fleet.valUntil); err != nil {
			return sp, fmt.Errorf("-val-until: %w", err)
		}
		return sp, nil
	}
	sp.TrainRows, sp.ValRows = f.trainEnd, f.valEnd
	return sp, nil
}

// csvSegments returns one segment per listed column of every -data file.
func (f *trainFlags) csvSegments() ([]train.Segment, time.Duration, string, error) {
	files := strings.Split(f.data, ",")
	var segs []train.Segment
	var interval time.Duration
	for _, file := range files {
		cols, err := f.seriesColumns(file)
		if err != nil {
			return nil, 0, "", err
		}
		tab, err := readTable("train", file, cols[0], strings.Join(cols, ","))
		if err != nil {
			return nil, 0, "", err
		}
		if interval != 0 && tab.Interval != interval {
			return nil, 0, "", fmt.Errorf("%s is on a %v grid, the files before it on %v: one model serves one interval", file, tab.Interval, interval)
		}
		interval = tab.Interval
		F := len(tab.Names)
		for j, name := range tab.Names {
			v := make([]float64, len(tab.Times))
			for r := range v {
				v[r] = tab.Values[r*F+j]
			}
			if len(files) > 1 {
				name = filepath.Base(file) + ":" + name
			}
			segs = append(segs, train.Segment{Name: name, Values: v, Times: tab.Times})
		}
	}
	return segs, interval, fmt.Sprintf("%d columns of %d files", len(segs), len(files)), nil
}

// seriesColumns returns the columns of file to train on: -series, or every
// numeric column when it is "all" or not given.
func (f *trainFlags) seriesColumns(file string) ([]string, error) {
	if f.fleet.series != "" && f.fleet.series != "all" {
		return strings.Split(f.fleet.series, ","), nil
	}
	return numericColumns(file)
}

// topicSegments replays -topic as serving would (topicTable's readings)
// and returns every gap-free run of every sensor -sensors selects.
func (f *trainFlags) topicSegments() ([]train.Segment, time.Duration, string, error) {
	if f.features != "" {
		return nil, 0, "", fmt.Errorf("a fleet trains univariate series: -features does not apply")
	}
	if _, err := path.Match(f.fleet.sensors, ""); err != nil {
		return nil, 0, "", fmt.Errorf("-sensors %q: %w", f.fleet.sensors, err)
	}
	ctx, stop := commandContext(0)
	defer stop()
	by, st, wc, err := f.topicReadings(ctx, []string{f.target})
	if err != nil {
		return nil, 0, "", err
	}
	names := make([]string, 0, len(by))
	for k := range by {
		if ok, _ := path.Match(f.fleet.sensors, k); ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return nil, 0, "", fmt.Errorf("no sensor of the %d in the range matches -sensors %q", len(by), f.fleet.sensors)
	}
	var segs []train.Segment
	for _, k := range names {
		runs, err := gridRuns(by[k], wc, &st)
		if err != nil {
			return nil, 0, "", err
		}
		for i, tab := range runs {
			name := k
			if len(runs) > 1 {
				name = fmt.Sprintf("%s#%d", k, i+1)
			}
			segs = append(segs, train.Segment{Name: name, Values: tab.Values, Times: tab.Times})
		}
	}
	return segs, wc.Interval, fmt.Sprintf("topic %s: %d records, %d rejected, %d of %d sensors (-sensors %q), %d readings, %d gap fills, %d gap-free runs",
		f.topic.topic, st.records, st.rejected, len(names), len(by), f.fleet.sensors, st.readings, st.filled, len(segs)), nil
}
