package backtest

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// plotPoints caps the forecasts drawn in the forecast and error-over-time
// plots, so that they stay readable.
const plotPoints = 720

func savePlot(p *plot.Plot, path string) error {
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p.Save(10*vg.Inch, 4*vg.Inch, path)
}

// addLine adds a line of the given series with a distinct color.
func addLine(p *plot.Plot, i int, name string, xys plotter.XYs) error {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return err
	}
	l.Color = plotutil.Color(i)
	if i == 0 {
		l.Color = color.Black
	}
	p.Add(l)
	p.Legend.Add(name, l)
	return nil
}

// plotForecast draws the actual values of the first test rows and each
// method's forecasts one step and H steps ahead for the same rows.
func (r *Result) plotForecast(path string) error {
	p := plot.New()
	p.Title.Text = "Forecast against actual (" + r.Target + ")"
	p.X.Label.Text = "row"
	H := r.Horizon
	n := min(len(r.Origins), plotPoints)
	actual := make(plotter.XYs, n)
	for i := range actual {
		actual[i] = plotter.XY{X: float64(r.Origins[i]), Y: r.Actual[i*H]}
	}
	if err := addLine(p, 0, "actual", actual); err != nil {
		return err
	}
	// Forecasts of row Origins[i] made H−1 rows earlier: origin i−(H−1), step H.
	for j, s := range r.Scores {
		if j > 0 && r.ModelLabel != "" {
			break // the model's forecast only, for readability.
		}
		one, far := make(plotter.XYs, 0, n), make(plotter.XYs, 0, n)
		for i := 0; i < n; i++ {
			one = append(one, plotter.XY{X: float64(r.Origins[i]), Y: r.Forecasts[j][i*H]})
			if i >= H-1 {
				far = append(far, plotter.XY{X: float64(r.Origins[i]), Y: r.Forecasts[j][(i-H+1)*H+H-1]})
			}
		}
		if err := addLine(p, 2*j+1, s.Method+" 1 step ahead", one); err != nil {
			return err
		}
		if len(far) > 1 {
			if err := addLine(p, 2*j+2, s.Method+" H steps ahead", far); err != nil {
				return err
			}
		}
	}
	return savePlot(p, path)
}

// plotByStep draws each method's MAE (original units) per horizon step.
func (r *Result) plotByStep(path string) error {
	p := plot.New()
	p.Title.Text = "Error by horizon step"
	p.X.Label.Text = "step"
	p.Y.Label.Text = "MAE"
	for j, s := range r.Scores {
		xys := make(plotter.XYs, s.Horizon())
		for k := range xys {
			xys[k] = plotter.XY{X: float64(k + 1), Y: s.Step(k).MAEOrig}
		}
		if err := addLine(p, j+1, s.Method, xys); err != nil {
			return err
		}
	}
	return savePlot(p, path)
}

// plotOverTime draws each method's MAE over all steps of each forecast,
// against the forecast's origin row (every forecast when few, else a
// regular subsample).
func (r *Result) plotOverTime(path string) error {
	p := plot.New()
	p.Title.Text = "Error over time (MAE of each forecast)"
	p.X.Label.Text = "origin row"
	H := r.Horizon
	stride := max(1, len(r.Origins)/plotPoints)
	for j, s := range r.Scores {
		var xys plotter.XYs
		for i := 0; i < len(r.Origins); i += stride {
			var ae float64
			for k := 0; k < H; k++ {
				d := r.Forecasts[j][i*H+k] - r.Actual[i*H+k]
				ae += max(d, -d)
			}
			xys = append(xys, plotter.XY{X: float64(r.Origins[i]), Y: ae / float64(H)})
		}
		if err := addLine(p, j+1, s.Method, xys); err != nil {
			return err
		}
	}
	return savePlot(p, path)
}

// plotSensor draws one sensor's actual values and the first method's and
// Repeat's forecasts one step ahead, over its first plotPoints origins.
func (r *Result) plotSensor(sensor, path string) error {
	p := plot.New()
	p.Title.Text = "Sensor " + sensor + ": forecast one step ahead against actual"
	p.X.Label.Text = "row"
	H := r.Horizon
	var actual plotter.XYs
	lines := make([]plotter.XYs, len(r.Forecasts))
	for i := range r.Origins {
		if r.sensorOf(i) != sensor || len(actual) == plotPoints {
			continue
		}
		x := float64(r.Origins[i])
		actual = append(actual, plotter.XY{X: x, Y: r.Actual[i*H]})
		for j := range lines {
			lines[j] = append(lines[j], plotter.XY{X: x, Y: r.Forecasts[j][i*H]})
		}
	}
	if err := addLine(p, 0, "actual", actual); err != nil {
		return err
	}
	for j, s := range r.Scores {
		if s.Method == MethodSeasonal {
			continue
		}
		if err := addLine(p, j+1, s.Method, lines[j]); err != nil {
			return err
		}
	}
	return savePlot(p, path)
}
