package window

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rnncast/rnncast/record"
)

// TestScenarioGolden runs a mixed scenario (three keys, out-of-order
// readings within and beyond the lateness, duplicates, short and long gaps)
// and compares every Add result and Flush with testdata/scenario.golden.
func TestScenarioGolden(t *testing.T) {
	cfg := Config{Interval: time.Hour, Window: 3, Features: 2, AllowedLateness: time.Hour, MaxGap: 2, Fill: FillLinear, MaxBatch: 2}
	w := newWindows(t, cfg)
	batches := [][]*record.Reading{
		{reading("a", 0, 0, 0, 1, 10), reading("b", 0, 10, 1, 5, 50), reading("a", 1, 0, 2, 2, 20), reading("c", 0, 0, 3, 0, 0)},
		{reading("a", 0, 30, 4, 9, 9), reading("a", 3, 0, 5, 4, 40), reading("b", 2, 0, 6, 7, 70), reading("b", 1, 0, 7, 6, 60)},
		{reading("a", 2, 0, 8, 3, 30), reading("c", 6, 0, 9, 6, 60), reading("c", 7, 0, 10, 7, 70), reading("a", 1, 59, 11, 0, 0)},
		{reading("a", 5, 0, 12, 5, 50), reading("a", 6, 0, 13, 6, 60), reading("b", 3, 0, 14, 8, 80), reading("b", 4, 0, 15, 9, 90)},
	}
	var s strings.Builder
	for i, rs := range batches {
		fmt.Fprintf(&s, "# batch %d\n", i)
		for _, r := range rs {
			fmt.Fprintf(&s, "add %s %s %v: %s\n", r.Key, r.Time.Format("15:04"), r.Values, add(t, w, r))
		}
		fmt.Fprintf(&s, "held %d, keys %d\n", w.Held(), w.Len())
		s.WriteString(flush(t, w))
	}
	checkGolden(t, "scenario.golden", s.String())
}
