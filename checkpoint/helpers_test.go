package checkpoint

import (
	"testing"
	"time"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/internal/modeltest"
	"github.com/rnncast/rnncast/model"
	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind (the
// state writer, a kfake cluster).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// clusters are the tiers the store's tests run on.
var clusters = []struct {
	name string
	new  func(testing.TB) *kafkatest.Cluster
}{
	{"kfake", func(t testing.TB) *kafkatest.Cluster { return kafkatest.Kfake(t) }},
	{"real", func(t testing.TB) *kafkatest.Cluster { return kafkatest.Real(t) }},
}

// base is the event time of the sample states.
var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// testModel returns the pipeline tests' small prepared model: a
// one-feature GRU (hidden 8) with window 4 and horizon 3 on a one-minute
// grid, served in mode.
func testModel(t testing.TB, mode string) *model.Model {
	t.Helper()
	m, err := modeltest.GRU{Name: "test-gru", Version: "v1", Hidden: 8, Layers: 1, Window: 4, Horizon: 3,
		Interval: time.Minute, Mean: 20, Std: 5, Mode: mode, Seed1: 7, Seed2: 11, Scale: 0.8}.Build()
	if err != nil {
		t.Fatalf("cannot build test model: %v", err)
	}
	return m
}
