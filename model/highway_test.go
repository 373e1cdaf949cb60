package model

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestHighwayFile checks a highway model's file: it round-trips, its
// weights are in the fingerprint and the parameter count, and a highway on
// another arch or mode, or of the wrong size, is refused.
func TestHighwayFile(t *testing.T) {
	src := filepath.Join("testdata", "golden_scaled", "window_seq2vec_gru_highway12_f1_last.safetensors")
	m, err := Load(src)
	if err != nil {
		t.Fatal(err)
	}
	if m.Meta.Highway != 12 || len(m.HWW) != m.Meta.Horizon*12 {
		t.Fatalf("highway %d with %d weights, want 12 and %d", m.Meta.Highway, len(m.HWW), m.Meta.Horizon*12)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Fingerprint() != m.Fingerprint() || back.ParamCount() != m.ParamCount() {
		t.Errorf("round trip changed the model")
	}
	changed := *m
	changed.HWW = append([]float32(nil), m.HWW...)
	changed.HWW[3] += 0.5
	if changed.Fingerprint() == m.Fingerprint() {
		t.Error("a changed highway weight keeps the fingerprint")
	}
	none := *m
	none.Meta.Highway, none.HWW = 0, nil
	if none.ParamCount() != m.ParamCount()-len(m.HWW) {
		t.Errorf("param count %d without the highway, %d with: want %d fewer", none.ParamCount(), m.ParamCount(), len(m.HWW))
	}
	for _, tc := range []struct {
		name string
		edit func(*Model)
		want string
	}{
		{"stateful", func(m *Model) { m.Meta.Mode = "stateful"; m.Meta.Scaling = "" }, "mode window"},
		{"short weights", func(m *Model) { m.HWW = m.HWW[:5] }, "highway.weight has 5 values"},
		{"longer than the window", func(m *Model) { m.Meta.Highway = m.Meta.Window + 1 }, "out of range"},
	} {
		bad := *m
		bad.prep = nil
		tc.edit(&bad)
		if err := bad.Prepare(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Prepare gave %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}
