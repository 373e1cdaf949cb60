package train

import (
	"fmt"
	"math"
	"time"
)

// Data is a multivariate series on a regular grid and its splits. Rows
// [0, TrainEnd) are the train split; the validation split's targets are rows
// [TrainEnd, ValEnd); its inputs may reach back into the train rows.
type Data struct {
	Values   []float64 // rows × Features, row-major, original units.
	Features int
	Target   int // the forecast feature's index.
	TrainEnd int
	ValEnd   int
	Interval time.Duration // the grid step, copied to the model's metadata.
	// Series, when not nil, makes d a fleet: several series one after
	// another in Values, each with its own splits (TrainEnd and ValEnd
	// above are then the first series'); see FleetData.
	Series []Series
}

// Rows returns the number of rows in d.
func (d *Data) Rows() int { return len(d.Values) / d.Features }

func (d *Data) validate(c Config) error {
	switch {
	case d.Features < 1 || len(d.Values)%d.Features != 0:
		return fmt.Errorf("train: %d values do not make rows of %d features", len(d.Values), d.Features)
	case d.Target < 0 || d.Target >= d.Features:
		return fmt.Errorf("train: target %d out of range [0,%d)", d.Target, d.Features)
	case d.Series != nil:
		if err := d.validateSeries(c); err != nil {
			return err
		}
	case d.ValEnd > d.Rows() || d.TrainEnd >= d.ValEnd:
		return fmt.Errorf("train: splits %d/%d do not fit %d rows", d.TrainEnd, d.ValEnd, d.Rows())
	case d.TrainEnd < c.Window+c.Horizon+c.Batch:
		return fmt.Errorf("train: %d train rows are too few for window %d, horizon %d, batch %d",
			d.TrainEnd, c.Window, c.Horizon, c.Batch)
	case d.ValEnd-d.TrainEnd < c.Horizon:
		return fmt.Errorf("train: %d validation rows are fewer than the horizon %d", d.ValEnd-d.TrainEnd, c.Horizon)
	}
	for i, v := range d.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("train: value %d (row %d) is not finite", i, i/d.Features)
		}
	}
	return nil
}

// Scaler returns each feature's mean and population standard deviation
// (ddof 0) over the first rows rows; a constant feature gets std 1.
func (d *Data) Scaler(rows int) (mean, std []float64) {
	mean, std = make([]float64, d.Features), make([]float64, d.Features)
	for r := 0; r < rows; r++ {
		for f := range mean {
			mean[f] += d.Values[r*d.Features+f]
		}
	}
	for f := range mean {
		mean[f] /= float64(rows)
	}
	for r := 0; r < rows; r++ {
		for f := range std {
			x := d.Values[r*d.Features+f] - mean[f]
			std[f] += x * x
		}
	}
	for f := range std {
		std[f] = math.Sqrt(std[f] / float64(rows))
		if std[f] == 0 {
			std[f] = 1
		}
	}
	return mean, std
}

// scaled returns the standardized copy of d's values.
func (d *Data) scaled(mean, std []float64) []float64 {
	s := make([]float64, len(d.Values))
	for i, v := range d.Values {
		f := i % d.Features
		s[i] = (v - mean[f]) / std[f]
	}
	return s
}
