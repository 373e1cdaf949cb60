package backtest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Summary returns the one-line summary of r: the model's (or the first
// method's) overall standardized MSE and MAE beside the baselines'.
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
	return b.String()
}

// WriteReport writes report.md and its PNG plots into dir (created if
// needed).
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
	for _, p := range plots {
		if err := p.draw(filepath.Join(dir, p.file)); err != nil {
			return fmt.Errorf("backtest: cannot draw %s: %w", p.file, err)
		}
	}
	f, err := os.Create(filepath.Join(dir, "report.md"))
	if err != nil {
		return fmt.Errorf("backtest: cannot write report: %w", err)
	}
	r.writeMarkdown(f)
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
	fmt.Fprintf(w, "Test origins: rows [%d, %d], stride 1, %d forecasts of %d steps (targets in rows [%d, %d)). "+
		"Standardized scale: target mean %.6f, std %.6f. Seasonal period %d rows. "+
		"MASE divides by the in-sample seasonal-naive MAE of the rows before the test.\n\n",
		r.Origins[0], r.Origins[len(r.Origins)-1], len(r.Origins), r.Horizon, r.TestStart, r.TestEnd, r.Mean, r.Std, r.Period)
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
