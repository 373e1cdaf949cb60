package pipeline

import (
	"context"
	"testing"

	"github.com/rnncast/rnncast/ingest"
	"github.com/rnncast/rnncast/model"
	"github.com/rnncast/rnncast/record"
)

// recReporter records what a worker reports through partitionReporter.
type recReporter struct {
	lags              [][3]int64 // partition, high watermark, position
	commits, progress int
	handBacks         int
}

func (r *recReporter) committed(int)      { r.commits++ }
func (r *recReporter) progressed(int)     { r.progress++ }
func (r *recReporter) handBack(fn func()) { r.handBacks++; fn() }
func (r *recReporter) setLag(p int, hwm, pos int64) {
	r.lags = append(r.lags, [3]int64{int64(p), hwm, pos})
}

// fixedModel is a modelSource serving one model.
type fixedModel struct{ m *model.Model }

func (f fixedModel) model() *model.Model { return f.m }

// TestWorkerDependencies runs a worker's micro-batch with its Pipeline
// dependencies replaced: the model comes from the modelSource (not the
// Pipeline's), and lag, progress and the ledger hand-back go to the
// partitionReporter, so the worker reaches its owner only through them.
func TestWorkerDependencies(t *testing.T) {
	m, other := testModel(t, ModeStateful), otherModel(t, ModeStateful)
	cfg := Config{Brokers: []string{"unused"}, InputTopic: "in", OutputTopic: "out", DeadLetterTopic: "dlq", Group: "g",
		Decoder: record.DecoderConfig{MaxValueBytes: 200}, MaxBatch: 64}
	p, err := New(cfg, m, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := record.NewDecoder(p.cfg.Decoder)
	if err != nil {
		t.Fatal(err)
	}
	st, err := p.newPartState()
	if err != nil {
		t.Fatal(err)
	}
	defer p.dropState(st)
	var out collect
	w := p.baseWorker(2, dec, st, &out, -1)
	rep := &recReporter{}
	w.report, w.models = rep, fixedModel{other}
	const n, hwm = 8, 20
	for i := range n {
		r := good("s-0", i, 20+float64(i%3))
		w.msgs = append(w.msgs, ingest.Message{Key: r.key, Value: r.value, Partition: 2, Offset: int64(i), HighWaterMark: hwm})
	}
	if err := w.process(context.Background()); err != nil {
		t.Fatalf("process: %v", err)
	}
	if w.st.stage.Model() != other {
		t.Errorf("the stage serves %q, want the modelSource's model", w.st.stage.Model().Fingerprint())
	}
	forecasts := 0
	for _, msg := range out.msgs {
		if msg.Topic == "out" {
			forecasts++
		}
	}
	if want := n - p.cfg.Warmup + 1; forecasts != want {
		t.Errorf("%d forecasts written, want %d (%d readings, warm-up %d)", forecasts, want, n, p.cfg.Warmup)
	}
	if rep.progress != 1 {
		t.Errorf("progressed reported %d times, want once per written batch", rep.progress)
	}
	if len(rep.lags) == 0 || rep.lags[len(rep.lags)-1] != [3]int64{2, hwm, n} {
		t.Errorf("lags reported %v, want the last {2 %d %d}: partition, high watermark, next unsettled", rep.lags, hwm, n)
	}
	w.closeLedger()
	if rep.handBacks != 1 || rep.commits != 0 {
		t.Errorf("handBack %d times, committed %d: want 1 and 0 (no commit without a generation)", rep.handBacks, rep.commits)
	}
}
