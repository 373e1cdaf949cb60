package pipeline

import (
	"sort"
	"time"
)

// pending tracks the input offsets of one partition that were fetched but
// are not yet accounted for (written as a forecast, taken as a warm-up or
// gap step, or dead-lettered). Offsets arrive in increasing order and are
// settled in any order (the window may hold a reading for its allowed
// lateness), so the committable offset is the oldest unsettled one. Owned by
// the partition's worker.
type pending struct {
	q    []pendingOffset // increasing offsets; settled ones are popped from the front
	head int
	next int64 // one past the newest offset fetched; -1 before the first
}

type pendingOffset struct {
	offset  int64
	time    time.Time // the record's Kafka timestamp
	settled bool
}

func newPending() *pending { return &pending{next: -1} }

// add records a fetched offset.
func (p *pending) add(offset int64, t time.Time) {
	p.q = append(p.q, pendingOffset{offset: offset, time: t})
	p.next = offset + 1
}

// find returns the index of offset in the queue, or -1.
func (p *pending) find(offset int64) int {
	q := p.q[p.head:]
	i := sort.Search(len(q), func(i int) bool { return q[i].offset >= offset })
	if i == len(q) || q[i].offset != offset {
		return -1
	}
	return p.head + i
}

// timeOf returns the Kafka timestamp of a pending offset.
func (p *pending) timeOf(offset int64) (time.Time, bool) {
	i := p.find(offset)
	if i < 0 {
		return time.Time{}, false
	}
	return p.q[i].time, true
}

// settle marks offset as accounted for; settling twice is harmless.
func (p *pending) settle(offset int64) {
	if i := p.find(offset); i >= 0 {
		p.q[i].settled = true
	}
}

// committable pops the settled prefix and returns the offset a commit may
// name (the oldest unsettled offset, or one past the newest fetched), and
// false before anything was fetched.
func (p *pending) committable() (int64, bool) {
	for p.head < len(p.q) && p.q[p.head].settled {
		p.head++
	}
	if p.head == len(p.q) {
		p.q, p.head = p.q[:0], 0
	} else if p.head > len(p.q)/2 {
		p.q = p.q[:copy(p.q, p.q[p.head:])]
		p.head = 0
	}
	if p.next < 0 {
		return 0, false
	}
	if p.head < len(p.q) {
		return p.q[p.head].offset, true
	}
	return p.next, true
}

// held returns how many fetched offsets are not yet settled.
func (p *pending) held() int { return len(p.q) - p.head }
