package train

import (
	"fmt"
	"strings"
	"time"

	"github.com/rnncast/rnncast/scale"
)

// Series is one series of a fleet (Data.Series): rows [Start, End) of
// Data.Values, its train split rows [Start, TrainEnd), its validation
// targets rows [TrainEnd, ValEnd) (inputs may reach back into its train
// rows). Windows never cross from one series into another.
type Series struct {
	Name                         string
	Start, TrainEnd, ValEnd, End int
}

// Segment is one gap-free run of a named series' values, on the grid.
type Segment struct {
	Name   string
	Values []float64
	// Times, when not nil, holds each value's time (len(Values)); splits by
	// time (FleetSplit.TrainUntil, ValUntil) need it.
	Times []time.Time
}

// FleetSplit says where each segment's train split ends and its
// validation split ends: by time when TrainUntil is set (rows before
// TrainUntil train, rows before ValUntil validate), else by rows from the
// segment's start when TrainRows is set (TrainRows, ValRows; a segment
// shorter than ValRows validates on what it has past TrainRows), else by
// fraction of each segment's rows (TrainFrac, ValFrac; default 0.6 and 0.8).
type FleetSplit struct {
	TrainFrac, ValFrac   float64
	TrainRows, ValRows   int
	TrainUntil, ValUntil time.Time
}

// FleetData returns the segments as one fleet of univariate series,
// channel-independent: each segment is a series of its own in Data.Series,
// split by sp. A segment too short for one training window (L+H train rows)
// is left out; kept and dropped count the rows used and left out, and
// dropped names the segments left out (at most a few, for the summary).
func FleetData(segs []Segment, sp FleetSplit, window, horizon int, interval time.Duration) (d *Data, kept, dropped int, why string, err error) {
	if sp.TrainFrac == 0 {
		sp.TrainFrac = 0.6
	}
	if sp.ValFrac == 0 {
		sp.ValFrac = 0.8
	}
	if sp.TrainRows > 0 && sp.ValRows > 0 && sp.ValRows <= sp.TrainRows {
		return nil, 0, 0, "", fmt.Errorf("train: validation end row %d is not after the train end row %d", sp.ValRows, sp.TrainRows)
	}
	if !(0 < sp.TrainFrac && sp.TrainFrac < sp.ValFrac && sp.ValFrac <= 1) {
		return nil, 0, 0, "", fmt.Errorf("train: splits %v/%v: want 0 < train < validation ≤ 1", sp.TrainFrac, sp.ValFrac)
	}
	if !sp.TrainUntil.IsZero() && !sp.ValUntil.After(sp.TrainUntil) {
		return nil, 0, 0, "", fmt.Errorf("train: validation end %v is not after the train end %v", sp.ValUntil, sp.TrainUntil)
	}
	d = &Data{Features: 1, Interval: interval}
	var short []string
	for _, sg := range segs {
		n := len(sg.Values)
		te, ve := int(float64(n)*sp.TrainFrac), int(float64(n)*sp.ValFrac)
		switch {
		case !sp.TrainUntil.IsZero():
			if len(sg.Times) != n {
				return nil, 0, 0, "", fmt.Errorf("train: split by time needs the times of series %q", sg.Name)
			}
			te, ve = countBefore(sg.Times, sp.TrainUntil), countBefore(sg.Times, sp.ValUntil)
		case sp.TrainRows > 0:
			te, ve = min(sp.TrainRows, n), n
			if sp.ValRows > 0 {
				ve = min(sp.ValRows, n)
			}
		}
		// A segment must hold one training window and one validation
		// target range; a segment wholly in the validation or test
		// rows still serves validation when it holds one window.
		if te < window+horizon || ve-te < horizon {
			dropped += n
			short = append(short, fmt.Sprintf("%s (%d rows)", sg.Name, n))
			continue
		}
		start := d.Rows()
		d.Values = append(d.Values, sg.Values[:ve]...)
		d.Series = append(d.Series, Series{Name: sg.Name, Start: start, TrainEnd: start + te, ValEnd: start + ve, End: start + ve})
		kept += ve // rows after ValEnd are the test split: held out, not dropped.
	}
	if len(d.Series) == 0 {
		return nil, kept, dropped, "", fmt.Errorf("train: no series long enough for window %d and horizon %d (each needs %d train rows)",
			window, horizon, window+horizon)
	}
	d.TrainEnd, d.ValEnd = d.Series[0].TrainEnd, d.Series[0].ValEnd
	if len(short) > 0 {
		why = "too short: " + strings.Join(short[:min(len(short), 5)], ", ")
		if len(short) > 5 {
			why += fmt.Sprintf(" and %d more", len(short)-5)
		}
	}
	return d, kept, dropped, why, nil
}

// countBefore returns how many of the increasing times ts are before t.
func countBefore(ts []time.Time, t time.Time) int {
	n := 0
	for n < len(ts) && ts[n].Before(t) {
		n++
	}
	return n
}

// series returns d's series: Data.Series, or the one series its splits
// describe.
func (d *Data) series() []Series {
	if d.Series != nil {
		return d.Series
	}
	return []Series{{Start: 0, TrainEnd: d.TrainEnd, ValEnd: d.ValEnd, End: d.Rows()}}
}

// validateSeries checks a fleet's series against c.
func (d *Data) validateSeries(c Config) error {
	end := 0
	for i, s := range d.Series {
		switch {
		case s.Start < end || s.Start >= s.TrainEnd || s.TrainEnd >= s.ValEnd || s.ValEnd > s.End || s.End > d.Rows():
			return fmt.Errorf("train: series %d (%q): rows %d/%d/%d/%d out of order or past the data's %d rows",
				i, s.Name, s.Start, s.TrainEnd, s.ValEnd, s.End, d.Rows())
		case s.TrainEnd-s.Start < c.Window+c.Horizon:
			return fmt.Errorf("train: series %q has %d train rows, too few for window %d and horizon %d",
				s.Name, s.TrainEnd-s.Start, c.Window, c.Horizon)
		case s.ValEnd-s.TrainEnd < c.Horizon:
			return fmt.Errorf("train: series %q has %d validation rows, fewer than the horizon %d", s.Name, s.ValEnd-s.TrainEnd, c.Horizon)
		}
		end = s.End
	}
	return nil
}

// scaling resolves c.Scaling for d: a fleet of several series needs a
// scaling of each sensor's own (window in window mode); one series
// defaults to global.
func (c Config) scaling(d *Data) (scale.Mode, error) {
	m, err := scale.ParseMode(c.Scaling)
	if err != nil {
		return "", fmt.Errorf("train: %w", err)
	}
	fleet := len(d.Series) > 1
	if c.Scaling == "" && fleet {
		m = scale.Window
		if c.Mode == ModeStateful {
			m = scale.Sensor
		}
	}
	switch {
	case m == scale.Window && c.Mode != ModeWindow:
		return "", fmt.Errorf("train: window scaling needs -mode window (mode is %s)", c.Mode)
	case m == scale.Sensor && c.Mode != ModeStateful:
		return "", fmt.Errorf("train: sensor scaling needs -mode stateful (mode is %s)", c.Mode)
	case m == scale.Global && fleet:
		return "", fmt.Errorf("train: %d series with one global scaler would scale every sensor by the pooled statistics: use -scaling window (window mode) or sensor (stateful mode)", len(d.Series))
	case m != scale.Global && d.Features != 1:
		return "", fmt.Errorf("train: %s scaling is for univariate series (%d features given)", m, d.Features)
	case m == scale.Sensor:
		return "", fmt.Errorf("train: training with sensor scaling is not supported yet (serving is; python/export.py writes such models): train a fleet with -mode window")
	}
	return m, nil
}
