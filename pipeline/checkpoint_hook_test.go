package pipeline_test

import (
	"context"

	"github.com/rnncast/rnncast/checkpoint"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/pipeline"
)

// init gives the pipeline's state-topic tests (TestStateTopicRestore,
// BenchmarkRestore, BenchmarkCheckpointOverhead) the real store: this
// external test package may import checkpoint, pipeline's own files may
// not.
func init() {
	pipeline.NewStateStore = func(ctx context.Context, brokers []string, in, topic string, m *model.Model, mode string, obs pipeline.Observer) (pipeline.StateStore, error) {
		return checkpoint.New(ctx, checkpoint.Config{Brokers: brokers, InputTopic: in, Topic: topic, Mode: mode}, m, obs)
	}
}
