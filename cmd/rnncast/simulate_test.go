package main

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/goleak"

	"github.com/rnncast/rnncast/internal/kafkatest"
	"github.com/rnncast/rnncast/simulate"
)

// TestSimulateProduces runs the simulate command's producer against kfake
// and checks that every record it reports is on the topic it created.
func TestSimulateProduces(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // runs after kfake's own cleanup
	c := kafkatest.Kfake(t)
	o := simulateOptions{brokers: c.Brokers[0], topic: "readings", partitions: 3, rate: 2000, gen: simulate.DefaultConfig(10, 1)}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	n, err := simulateTo(ctx, o)
	if err != nil {
		t.Fatalf("simulateTo: %v", err)
	}
	if n == 0 {
		t.Fatal("no records produced")
	}
	var total int64
	for _, end := range c.EndOffsets(t, "readings") {
		total += end
	}
	if total != int64(n) {
		t.Errorf("topic holds %d records, simulate reported %d", total, n)
	}
}

func TestBrokerList(t *testing.T) {
	f := func(flagValue, env string, want []string) {
		t.Helper()
		t.Setenv("RNNCAST_BROKERS", env)
		if got := brokerList(flagValue); !reflect.DeepEqual(got, want) {
			t.Errorf("brokerList(%q) with RNNCAST_BROKERS=%q = %q, want %q", flagValue, env, got, want)
		}
	}
	f("a:1, b:2", "env:9", []string{"a:1", "b:2"})
	f("", "env:9,env2:9", []string{"env:9", "env2:9"})
	f("", "", []string{"127.0.0.1:9092"})
}

func TestSimulateStartFlag(t *testing.T) {
	f := func(args []string, wantCode int, want time.Time) {
		t.Helper()
		var o simulateOptions
		var stderr strings.Builder
		code := parseFlags(simulateFlags(&o, &stderr), args)
		if code != wantCode || wantCode < 0 && !o.gen.Start.Equal(want) {
			t.Errorf("simulate %q: code %d, start %v; want code %d, start %v (stderr %q)", args, code, o.gen.Start, wantCode, want, stderr.String())
		}
	}
	f(nil, -1, time.Time{}) // simulate.Config's default applies
	f([]string{"--start", "2027-03-01T06:00:00+02:00"}, -1, time.Date(2027, 3, 1, 4, 0, 0, 0, time.UTC))
	f([]string{"--start", "yesterday"}, 2, time.Time{})
}

// slowWriter acknowledges every write after a pause, like a broker that
// cannot keep up, and records the size of each write.
type slowWriter struct {
	pause time.Duration
	sizes []int
}

func (w *slowWriter) WriteMessages(ctx context.Context, msgs ...kafka.Message) error {
	w.sizes = append(w.sizes, len(msgs))
	time.Sleep(w.pause)
	return nil
}

// TestProduceAtRateBehind checks that a producer far behind its rate
// writes bounded batches back to back (and stops when ctx ends) instead
// of gathering the whole deficit into one write: that write outlasted
// writeTimeout in the soak's overload step. It runs on synctest's clock,
// so the machine's load does not change how many writes fit in the second.
func TestProduceAtRateBehind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, err := simulate.New(simulate.DefaultConfig(100, 1))
		if err != nil {
			t.Fatal(err)
		}
		const rate = 1e5 // records/s; the writer takes 200 ms per write
		w := &slowWriter{pause: 200 * time.Millisecond}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, err := produceAtRate(ctx, w, g, rate, nil)
		if err != nil {
			t.Fatalf("produceAtRate: %v", err)
		}
		chunk := int(rate * maxWrite.Seconds())
		total := 0
		for i, k := range w.sizes {
			if k > chunk {
				t.Errorf("write %d has %d records, more than %d (%v of the rate)", i, k, chunk, maxWrite)
			}
			total += k
		}
		if total != n {
			t.Errorf("writes hold %d records, produceAtRate reported %d", total, n)
		}
		// Back to back: the second holds writes starting at 0, 200, ...,
		// 800 ms, each a full chunk after the first.
		if len(w.sizes) != 5 {
			t.Errorf("%d writes in 1 s at 200 ms each, sizes %v; want 5 back to back", len(w.sizes), w.sizes)
		}
	})
}
