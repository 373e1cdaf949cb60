package pipeline

import (
	"testing"
	"time"
)

func TestPendingCommittable(t *testing.T) {
	type step struct {
		add    []int64
		settle []int64
		want   int64
		ok     bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"nothing fetched", []step{{want: 0, ok: false}}},
		{"all settled", []step{{add: []int64{5, 6, 7}, settle: []int64{5, 6, 7}, want: 8, ok: true}}},
		{"oldest held", []step{{add: []int64{5, 6, 7}, settle: []int64{6, 7}, want: 5, ok: true}}},
		{"held then settled", []step{
			{add: []int64{5, 6, 7}, settle: []int64{5, 7}, want: 6, ok: true},
			{add: []int64{8}, settle: []int64{8}, want: 6, ok: true},
			{settle: []int64{6}, want: 9, ok: true},
		}},
		{"gaps in offsets (compaction)", []step{{add: []int64{10, 20, 30}, settle: []int64{10, 20}, want: 30, ok: true}}},
		{"settle unknown and twice", []step{{add: []int64{1}, settle: []int64{1, 1, 99}, want: 2, ok: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPending()
			for i, s := range tt.steps {
				for _, o := range s.add {
					p.add(o, time.UnixMilli(o))
				}
				for _, o := range s.settle {
					p.settle(o)
				}
				got, ok := p.committable()
				if got != s.want || ok != s.ok {
					t.Fatalf("step %d: committable() = %d, %v; want %d, %v", i, got, ok, s.want, s.ok)
				}
			}
		})
	}
}

func TestPendingTimeOf(t *testing.T) {
	p := newPending()
	for o := int64(0); o < 100; o++ {
		p.add(o, time.UnixMilli(1000+o))
	}
	for o := int64(0); o < 60; o++ {
		p.settle(o)
	}
	p.committable() // compacts the queue
	for _, o := range []int64{60, 77, 99} {
		got, ok := p.timeOf(o)
		if !ok || got.UnixMilli() != 1000+o {
			t.Errorf("timeOf(%d) = %v, %v; want %d ms", o, got, ok, 1000+o)
		}
	}
	if _, ok := p.timeOf(100); ok {
		t.Errorf("timeOf(100) found an offset never added")
	}
	if got := p.held(); got != 40 {
		t.Errorf("held() = %d, want 40", got)
	}
}
