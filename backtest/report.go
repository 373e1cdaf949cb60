package backtest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Summary returns the one-line summary of r: the model's (or the first
// method's) overall standardized MSE and MAE beside the baselines', then
// the per-sensor figures (Sensors, each sensor on its own scale): sensors
// (the sensors read; SensorsSeen for a topic), sensors_scored, mean_mse,
// mean_skill_repeat and worse_than_repeat.
func (r *Result) Summary() string {
	var b strings.Builder
	mode := r.Mode
	if r.ModelLabel == "" {
		mode = "baselines"
	}
	fmt.Fprintf(&b, "backtest %s mode=%s H=%d forecasts=%d", r.Target, mode, r.Horizon, len(r.Origins))
	for _, s := range r.Scores {
		m := s.Overall()
		fmt.Fprintf(&b, " %s MSE=%.4f MAE=%.4f", s.Method, m.MSE, m.MAE)
	}
	for _, s := range r.Intervals[:min(1, len(r.Intervals))] {
		for l, lv := range s.Levels {
			fmt.Fprintf(&b, " coverage_%g=%.4f", lv, s.Coverage(l))
		}
	}
	if a := r.Anomalies; a != nil {
		if r.labels != nil {
			fmt.Fprintf(&b, " anomaly_precision=%.4f anomaly_recall=%.4f anomaly_f1=%.4f", a.Precision(), a.Recall(), a.F1())
		}
		fmt.Fprintf(&b, " false_alarm_rate=%.4f", a.FalseAlarmRate())
	}
	ss := Summarize(r.Sensors())
	seen := r.SensorsSeen
	if seen == 0 {
		seen = ss.Sensors
	}
	fmt.Fprintf(&b, " sensors=%d sensors_scored=%d mean_mse=%.4f mean_skill_repeat=%.4f worse_than_repeat=%d",
		seen, ss.Sensors, ss.MeanMSE, ss.MeanSkillRepeat, ss.WorseThanRepeat)
	return b.String()
}

// WorstPlotted is how many of the worst sensors the report plots.
const WorstPlotted = 3

// WriteReport writes report.md, its PNG plots and sensors.csv (Sensors,
// worst first) into dir (created if needed); the WorstPlotted worst
// sensors get a forecast plot each (sensor-1.png, …) when there is more
// than one sensor.
func (r *Result) WriteReport(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("backtest: cannot create report directory: %w", err)
	}
	plots := []struct {
		file string
		draw func(string) error
	}{
		{"forecast.png", r.plotForecast}, {"error-by-step.png", r.plotByStep}, {"error-over-time.png", r.plotOverTime},
	}
	ss := r.Sensors()
	if len(ss) > 1 {
		for i, s := range ss[:min(WorstPlotted, len(ss))] {
			sensor := s.Sensor
			plots = append(plots, struct {
				file string
				draw func(string) error
			}{fmt.Sprintf("sensor-%d.png", i+1), func(path string) error { return r.plotSensor(sensor, path) }})
		}
	}
	for _, p := range plots {
		if err := p.draw(filepath.Join(dir, p.file)); err != nil {
			return fmt.Errorf("backtest: cannot draw %s: %w", p.file, err)
		}
	}
	if err := writeFile(filepath.Join(dir, "sensors.csv"), func(w io.Writer) error { return WriteSensorsCSV(w, ss) }); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "report.md"))
	if err != nil {
		return fmt.Errorf("backtest: cannot write report: %w", err)
	}
	r.writeMarkdown(f)
	r.writeIntervals(f)
	r.writeSensors(f, ss)
	if err := f.Close(); err != nil {
		return fmt.Errorf("backtest: cannot write report: %w", err)
	}
	return nil
}

func (r *Result) writeMarkdown(w io.Writer) {
	fmt.Fprintf(w, "# Backtest: %s, horizon %d\n\n", r.Target, r.Horizon)
	if r.ModelLabel != "" {
		fmt.Fprintf(w, "Model: %s.\n\n", r.ModelLabel)
	}
	if r.fleet {
		fmt.Fprintf(w, "A fleet of %d series, each a sensor of its own: %d forecasts of %d steps, test rows [%d, %d) of each (stride 1). "+
			"Every figure below is on each sensor's own standardized scale (its train split, rows [0, %d)), so the overall MSE and MAE "+
			"are the mean over sensors, windows and steps; MASE is not defined for a fleet. Seasonal period %d rows. "+
			"The forecast plot shows the first sensor.\n\n",
			r.SensorsSeen, len(r.Origins), r.Horizon, r.Config.TestStart, r.Config.TestEnd, r.ScaleRows, r.Period)
	} else {
		fmt.Fprintf(w, "Test origins: rows [%d, %d], stride 1, %d forecasts of %d steps (targets in rows [%d, %d)). "+
			"Standardized scale: target mean %.6f, std %.6f. Seasonal period %d rows. "+
			"MASE divides by the in-sample seasonal-naive MAE of the rows before the test.\n\n",
			r.Origins[0], r.Origins[len(r.Origins)-1], len(r.Origins), r.Horizon, r.TestStart, r.TestEnd, r.Mean, r.Std, r.Period)
	}
	fmt.Fprint(w, "## Overall\n\n| method | MSE (std.) | MAE (std.) | MAE | RMSE | sMAPE % | MASE |\n|---|---|---|---|---|---|---|\n")
	for _, s := range r.Scores {
		m := s.Overall()
		fmt.Fprintf(w, "| %s | %.4f | %.4f | %.4f | %.4f | %.2f | %.3f |\n", s.Method, m.MSE, m.MAE, m.MAEOrig, m.RMSEOrig, m.SMAPE, m.MASE)
	}
	fmt.Fprint(w, "\n## By horizon step (MSE, standardized / MAE, original units)\n\n| step |")
	for _, s := range r.Scores {
		fmt.Fprintf(w, " %s |", s.Method)
	}
	fmt.Fprint(w, "\n|---|"+strings.Repeat("---|", len(r.Scores))+"\n")
	for _, k := range reportSteps(r.Horizon) {
		fmt.Fprintf(w, "| %d |", k+1)
		for _, s := range r.Scores {
			m := s.Step(k)
			fmt.Fprintf(w, " %.4f / %.4f |", m.MSE, m.MAEOrig)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "\n![forecast against actual](forecast.png)\n\n![error by horizon step](error-by-step.png)\n\n![error over time](error-over-time.png)\n")
}

// reportSteps returns the horizon steps listed in the report: all of them up
// to 24, else 1, 2, 4, 8, … and the last.
func reportSteps(h int) []int {
	var ks []int
	if h <= 24 {
		for k := 0; k < h; k++ {
			ks = append(ks, k)
		}
		return ks
	}
	for k := 1; k < h; k *= 2 {
		ks = append(ks, k-1)
	}
	return append(ks, h-1)
}

// writeFile creates path and writes it with write.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("backtest: cannot write %s: %w", filepath.Base(path), err)
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("backtest: cannot write %s: %w", filepath.Base(path), err)
	}
	return nil
}

// writeSensors writes the report's per-sensor section: ss, worst first.
func (r *Result) writeSensors(w io.Writer, ss []SensorScore) {
	method := r.Scores[0].Method
	scale := "the rows before the test (rows [0, TestStart))"
	switch {
	case r.ScaleRows > 0:
		scale = fmt.Sprintf("its train split, its rows [0, %d)", r.ScaleRows)
	case r.Keys != nil:
		scale = "its readings before its first scored forecast (its warm-up part)"
	}
	sum := Summarize(ss)
	fmt.Fprintf(w, "\n## Per sensor (worst first)\n\nEach sensor on its own standardized scale: its errors divided by its std over %s. "+
		"Skill is 1 − MSE/MSE_naive of %s (positive: better than the naive forecast). Sorted by skill against Repeat, lowest first. "+
		"Mean over %d sensors: MSE %.4f, skill against Repeat %.4f; %d worse than Repeat. Also in sensors.csv.\n\n",
		scale, method, sum.Sensors, sum.MeanMSE, sum.MeanSkillRepeat, sum.WorseThanRepeat)
	fmt.Fprint(w, "| sensor | forecasts | std | MSE | MAE | repeat MSE | seasonal MSE | skill vs repeat | skill vs seasonal | |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range ss {
		flag := ""
		if s.WorseThanRepeat() {
			flag = "worse than repeat"
		}
		fmt.Fprintf(w, "| %s | %d | %.4g | %.4f | %.4f | %.4f | %.4f | %.3f | %.3f | %s |\n",
			mdEscape(s.Sensor), s.Forecasts, s.Std, s.MSE, s.MAE, s.RepeatMSE, s.SeasonalMSE, s.SkillRepeat, s.SkillSeasonal, flag)
	}
	if len(ss) > 1 {
		fmt.Fprintln(w)
		for i, s := range ss[:min(WorstPlotted, len(ss))] {
			fmt.Fprintf(w, "![%s](sensor-%d.png)\n\n", mdEscape(s.Sensor), i+1)
		}
	}
}

// mdEscape keeps a sensor name from breaking a Markdown table.
func mdEscape(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ", "[", "\\[", "]", "\\]").Replace(s)
}
