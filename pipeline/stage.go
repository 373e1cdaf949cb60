package pipeline

import (
	"github.com/rnncast/rnncast/forecast"
	"github.com/rnncast/rnncast/model"
)

// stage is a partition's model stage (forecast.Stage): decode and window
// are the worker's, the model step and forecasts the stage's.
type stage = forecast.Stage

// slot is one key's slot of a partition's window: the window's state of
// the key and the stage's.
type slot = forecast.Slot

// keyState is the stage's state of one key, its slot's Value.
type keyState = forecast.Key

// windows is a partition's window, whose slots carry the stage's keyState.
type windows = forecast.Windows

// newStage returns the model stage of m over win for the pipeline's
// configuration, timing model steps on its clock.
func newStage(cfg Config, m *model.Model, obs Observer, win *windows) *stage {
	return forecast.New(stageConfig(cfg), m, obs, win)
}

// stageConfig is what the forecast stage needs of cfg.
func stageConfig(cfg Config) forecast.Config {
	return forecast.Config{MaxBatch: cfg.MaxBatch, Windowed: cfg.Mode == ModeWindow, Warmup: cfg.Warmup, Window: cfg.Window, Now: cfg.clock()}
}
