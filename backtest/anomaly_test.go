package backtest

import (
	"math"
	"strings"
	"testing"
)

// TestInject: injections are deterministic, at the asked share of the
// scored rows, of the asked size, spikes on one reading and shifts from
// one on.
func TestInject(t *testing.T) {
	tab := synthetic(2000)
	c := Config{Horizon: 4, TestStart: 1000, TestEnd: 2000, Inject: InjectBoth, InjectK: 5, InjectRate: 0.02, InjectSeed: 3}
	a, la, err := inject(tab, c, 1000)
	if err != nil {
		t.Fatal(err)
	}
	b, lb, _ := inject(tab, c, 1000)
	_, std := meanStd(tab.Values[:1000])
	n, spikes, shifts := 0, 0, 0
	rate, scored := 0.02, 2000-4+1-1000
	want := int(float64(scored) * rate)
	for r := range la {
		if la[r] != lb[r] || a.Values[r] != b.Values[r] {
			t.Fatalf("row %d differs between two runs of one seed", r)
		}
		if !la[r] {
			continue
		}
		n++
		if r < 1000 || r > 2000-4 {
			t.Errorf("row %d injected outside the scored rows", r)
		}
		d := (a.Values[r] - tab.Values[r]) - (a.Values[r-1] - tab.Values[r-1])
		if math.Abs(math.Abs(d)-5*std) > 1e-9*std {
			t.Errorf("row %d: the injection steps by %v, want ±%v", r, d, 5*std)
		}
		if r+1 < len(la) && !la[r+1] {
			if after := (a.Values[r+1] - tab.Values[r+1]) - (a.Values[r-1] - tab.Values[r-1]); math.Abs(after) < 1e-9 {
				spikes++
			} else {
				shifts++
			}
		}
	}
	if n != want || spikes == 0 || shifts == 0 {
		t.Errorf("%d rows injected (%d spikes, %d shifts), want %d of both kinds", n, spikes, shifts, want)
	}
	if _, _, err := inject(tab, Config{Inject: "bursts", TestStart: 1000, TestEnd: 2000, Horizon: 4}, 1000); err == nil {
		t.Error("an unknown injection was accepted")
	}
}

// TestAnomalyEvents: on a stationary series, the anomaly events of the
// calibrated 0.99 intervals find every injected 8-std spike, and on the
// clean series their false-alarm rate stays near 1%.
func TestAnomalyEvents(t *testing.T) {
	tab := synthetic(8000)
	m := lastValueModel(t, "window", 4)
	clean, err := Run(m, tab, Config{TestStart: 4000, ScaleRows: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if a := clean.Anomalies; a.Labels != 0 || a.Rows != len(clean.Origins) || a.FalseAlarmRate() > 0.015 {
		t.Errorf("clean: %+v, false-alarm rate %.4f: want at most 0.015 over %d readings", *a, a.FalseAlarmRate(), len(clean.Origins))
	}
	r, err := Run(m, tab, Config{TestStart: 4000, ScaleRows: 2000, Inject: InjectSpikes, InjectK: 8})
	if err != nil {
		t.Fatal(err)
	}
	a := r.Anomalies
	if a.Labels != int(float64(len(r.Origins))*0.005) || a.Recall() != 1 || a.FalseAlarmRate() > 0.015 {
		t.Errorf("spikes: %+v (recall %.3f, false alarms %.4f): want every one of %d spikes found", *a, a.Recall(), a.FalseAlarmRate(), int(float64(len(r.Origins))*0.005))
	}
	if line := r.Summary(); !strings.Contains(line, " anomaly_f1=") || !strings.Contains(line, " false_alarm_rate=") {
		t.Errorf("summary %q lacks the anomaly keys", line)
	}
}
