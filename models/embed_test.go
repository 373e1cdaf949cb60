package models

import (
	"testing"
	"time"

	"github.com/rnncast/rnncast/model"
)

// TestDemo checks that the bundled demo model decodes with the metadata the
// demo relies on.
func TestDemo(t *testing.T) {
	m, err := model.Decode(Demo)
	if err != nil {
		t.Fatalf("decode demo model: %v", err)
	}
	got := m.Meta
	want := model.Meta{Name: "demo", Cell: model.CellGRU, Hidden: 32, Layers: 1, Inputs: 1,
		Horizon: 24, Window: 48, Interval: time.Hour, Mode: "stateful", Norm: model.NormLast}
	if got.Name != want.Name || got.Cell != want.Cell || got.Hidden != want.Hidden ||
		got.Layers != want.Layers || got.Inputs != want.Inputs || got.Horizon != want.Horizon ||
		got.Window != want.Window || got.Interval != want.Interval || got.Mode != want.Mode || got.Norm != want.Norm {
		t.Errorf("got meta %+v, want %+v", got, want)
	}
	if len(got.Mean) != 1 || got.Mean[0] < 15 || got.Mean[0] > 25 {
		t.Errorf("got scaler mean %v, want one value near 20", got.Mean)
	}
}
