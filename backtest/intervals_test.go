package backtest

import (
	"math"
	"strings"
	"testing"
)

// TestIntervalsCalibrated: on a stationary noisy series, the calibrated
// intervals of Repeat (the model's forecast here) and of seasonal naive
// cover near their levels over a long test split, the burn-in origins
// (the validation rows) are not counted, and the summary says the
// coverage.
func TestIntervalsCalibrated(t *testing.T) {
	tab := synthetic(6000)
	m := lastValueModel(t, "window", 6)
	r, err := Run(m, tab, Config{TestStart: 3000, ScaleRows: 1500})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.burn.origins) != 3000-1500 || r.Origins[0] != 3000 {
		t.Fatalf("burn-in %d origins, test from %d: want 1500 burn-in origins from 1500, test from 3000", len(r.burn.origins), r.Origins[0])
	}
	if len(r.Intervals) != 2 || r.Intervals[0].Method != MethodModel || r.Intervals[1].Method != MethodSeasonal {
		t.Fatalf("intervals of %d methods, want the model's and seasonal naive's", len(r.Intervals))
	}
	for _, s := range r.Intervals {
		if got := sumInts(s.n); got != len(r.Origins)*r.Horizon {
			t.Errorf("%s: %d forecast steps counted, want %d (the test's only)", s.Method, got, len(r.Origins)*r.Horizon)
		}
		for l, lv := range s.Levels {
			if c := s.Coverage(l); math.Abs(c-lv) > 0.02 {
				t.Errorf("%s level %v: coverage %.4f, want within 0.02", s.Method, lv, c)
			}
			if !(s.MeanWidth(l) > 0) || s.Winkler(l) < s.MeanWidth(l) {
				t.Errorf("%s level %v: width %v, Winkler %v: want 0 < width ≤ Winkler", s.Method, lv, s.MeanWidth(l), s.Winkler(l))
			}
		}
		if s.MeanWidth(1) <= s.MeanWidth(0) {
			t.Errorf("%s: the 0.95 intervals (%v) are not wider than the 0.8 ones (%v)", s.Method, s.MeanWidth(1), s.MeanWidth(0))
		}
	}
	if line := r.Summary(); !strings.Contains(line, " coverage_0.8=") || !strings.Contains(line, " coverage_0.95=") {
		t.Errorf("summary %q lacks the coverage keys", line)
	}
	none, err := Run(m, tab, Config{TestStart: 3000, ScaleRows: 1500, CalibrateFrom: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(none.burn.origins) != 0 || len(none.Origins) != len(r.Origins) || none.Scores[0].Overall() != r.Scores[0].Overall() {
		t.Errorf("without burn-in: %d burn-in origins, %d test origins (want 0, %d), scores equal: %v",
			len(none.burn.origins), len(none.Origins), len(r.Origins), none.Scores[0].Overall() == r.Scores[0].Overall())
	}
}
