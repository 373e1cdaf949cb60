package pipeline

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rnncast/rnncast/ingest"
	"github.com/rnncast/rnncast/record"
)

// memSource is a Source over records in memory: the Kafka-free tier of a
// replay.
type memSource struct {
	part int
	recs []inRec
	next int
}

func (s *memSource) Partition() int { return s.part }

func (s *memSource) Next(_ context.Context, m *ingest.Message) error {
	if s.next == len(s.recs) {
		return io.EOF
	}
	r := s.recs[s.next]
	*m = ingest.Message{Key: r.key, Value: r.value, Partition: s.part, Offset: int64(s.next), HighWaterMark: int64(len(s.recs))}
	s.next++
	return nil
}

// TestReplaySpeedSynctest is TestReplaySpeed without Kafka and without the
// wall clock: in a synctest bubble time advances only when every
// goroutine of the replay waits, so each paced reading's applied time is
// computable. Two partitions share one clock from the first reading
// decoded: s-0's step 0 or s-1's step 3, whichever partition's goroutine
// decodes first (both schedules happen). One event minute is 50 ms at
// speed 1200, so a reading of step k applies (k−origin)·50 ms after the
// replay starts (at once when k ≤ origin: a partition behind the clock
// runs unpaced), none earlier and, with nothing else to wait for, no later
// than one MaxDelay after.
func TestReplaySpeedSynctest(t *testing.T) {
	m := testModel(t, ModeStateful)
	synctest.Test(t, func(t *testing.T) {
		var s0, s1 []inRec
		for i := 0; i < 6; i++ {
			s0 = append(s0, good("s-0", i, 20))
			if i >= 3 {
				s1 = append(s1, good("s-1", i, 20))
			}
		}
		var mu sync.Mutex
		applied := map[string]time.Duration{}
		start := time.Now()
		cfg := Config{InputTopic: "in", OutputTopic: "out", DeadLetterTopic: "dlq",
			Decoder: record.DecoderConfig{MaxValueBytes: 200}, MaxBatch: 64, MaxDelay: 5 * time.Millisecond}
		cfg.OnReading = func(sensor string, ts time.Time, _ []float64) {
			mu.Lock()
			applied[fmt.Sprintf("%s@%d", sensor, int(ts.Sub(base)/time.Minute))] = time.Since(start)
			mu.Unlock()
		}
		srcs := []Source{&memSource{part: 0, recs: s0}, &memSource{part: 1, recs: s1}}
		var out collect
		st, err := Replay(context.Background(), cfg, m, srcs, &out, ReplayOptions{Speed: 1200})
		if err != nil {
			t.Fatalf("Replay: %v", err)
		}
		if st.Records != 9 || len(applied) != 9 {
			t.Fatalf("%d records, %d readings applied, want 9 and 9", st.Records, len(applied))
		}
		origin := 3 // s-1 decoded first: s-0's steps 0..3 are behind the clock
		if applied["s-0@1"] > 0 {
			origin = 0 // s-0's step 0 started the clock: s-0 is paced throughout
		}
		for step := 0; step < 6; step++ {
			for _, sensor := range []string{"s-0", "s-1"} {
				at, ok := applied[fmt.Sprintf("%s@%d", sensor, step)]
				if !ok {
					continue
				}
				due := time.Duration(max(0, step-origin)) * 50 * time.Millisecond
				if at < due || at > due+cfg.MaxDelay {
					t.Errorf("%s step %d applied at %s, want in [%s, %s]", sensor, step, at, due, due+cfg.MaxDelay)
				}
			}
		}
		if el := time.Since(start); el < 100*time.Millisecond {
			t.Errorf("replay took %s of the bubble's time, want at least 100ms", el)
		}
	})
}
