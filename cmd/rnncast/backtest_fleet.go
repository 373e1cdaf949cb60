package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/rnncast/rnncast/backtest"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/train"
)

// doFleetBacktest backtests every -series column of every -data file as a
// sensor of its own (backtest.RunFleet): per-sensor scores on each one's
// own scale, the mean over sensors, and the sensors worse than Repeat.
func doFleetBacktest(f *backtestFlags, stdout, stderr io.Writer) error {
	if f.features != "" || f.set["target"] {
		return fmt.Errorf("-series backtests each column as a univariate sensor: -target and -features do not apply")
	}
	var m *model.Model
	if f.modelPath != "" {
		var err error
		if m, err = loadModelFile(f.modelPath); err != nil {
			return err
		}
	}
	files := strings.Split(f.data, ",")
	var tabs []*train.Table
	for _, file := range files {
		cols := strings.Split(f.series, ",")
		if f.series == "all" {
			var err error
			if cols, err = numericColumns(file); err != nil {
				return err
			}
		}
		for _, c := range cols {
			tab, err := readTable("backtest", file, c, "")
			if err != nil {
				return err
			}
			if len(files) > 1 {
				tab.Names[tab.Target] = filepath.Base(file) + ":" + c
			}
			tabs = append(tabs, tab)
		}
	}
	if f.cfg.TestStart == 0 {
		f.cfg.TestStart = len(tabs[0].Times) * 8 / 10
	}
	if !f.set["period"] {
		f.cfg.Period = dayPeriod(tabs[0].Interval, stderr)
	}
	res, err := backtest.RunFleet(m, tabs, f.cfg)
	if err != nil {
		return err
	}
	if err := f.writeOutputs(res); err != nil {
		return err
	}
	fmt.Fprintln(stdout, res.Summary())
	return nil
}
