package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rnncast/rnncast/ingest"
)

// groupFailure is the key of Pipeline.failures for a failed group join,
// which belongs to no partition.
const groupFailure = -1

// partStatus is what the pipeline knows of one partition assigned to this
// instance. It lives from the partition's first assignment until a
// generation no longer assigns it here (or Run ends), across generations:
// a rejoin does not reset it. Guarded by Pipeline.mu.
type partStatus struct {
	hwm      int64     // high watermark as of the last fetch; -1 unknown
	position int64     // oldest offset not yet settled; -1 unknown
	lag      int64     // exported lag, max(0, hwm-position); -1 unknown
	lagSince time.Time // when lag last became positive; zero while it is not
	commitAt time.Time // last commit that advanced the partition, else its assignment
}

// failure is the latest failure of a partition worker or group join.
type failure struct {
	at  time.Time
	err error
}

// Healthy returns nil unless, at the pipeline's clock:
//   - a partition worker or a group join failed within the last
//     FailureWindow (a rejoin or a new generation does not clear it), or
//   - an assigned partition is stalled: its lag has been positive for
//     StallTimeout and no commit advanced it in that time.
//
// The error names each partition, what failed and when (for /healthz).
func (p *Pipeline) Healthy() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	var why []string
	for _, part := range sortedKeys(p.failures) {
		f := p.failures[part]
		age := now.Sub(f.at)
		if age >= p.cfg.FailureWindow {
			delete(p.failures, part)
			continue
		}
		what := fmt.Sprintf("partition %d", part)
		if part == groupFailure {
			what = "group join"
		}
		why = append(why, fmt.Sprintf("%s failed %s ago (at %s): %v",
			what, age.Round(time.Millisecond), f.at.UTC().Format(time.RFC3339Nano), f.err))
	}
	for _, part := range sortedKeys(p.parts) {
		s := p.parts[part]
		if s.lag <= 0 {
			continue
		}
		since := s.lagSince
		if s.commitAt.After(since) {
			since = s.commitAt
		}
		if d := now.Sub(since); d >= p.cfg.StallTimeout {
			why = append(why, fmt.Sprintf("partition %d stalled: lag %d and no commit for %s (since %s)",
				part, s.lag, d.Round(time.Second), since.UTC().Format(time.RFC3339)))
		}
	}
	if len(why) == 0 {
		return nil
	}
	return fmt.Errorf("pipeline: unhealthy: %s", strings.Join(why, "; "))
}

func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// failed records a failure of partition's worker (groupFailure: a join).
func (p *Pipeline) failed(partition int, err error) {
	p.mu.Lock()
	p.failures[partition] = failure{at: p.now(), err: err}
	p.mu.Unlock()
}

// assign records a generation's assignments: every assigned partition is
// reported (PartitionAssigned) with its last known lag, measured from its
// committed offset; a partition no longer assigned here is released (its
// lag series dropped) and the offsets it fetched but did not settle are
// counted as skipped "revoked" (another member settles them).
func (p *Pipeline) assign(as []ingest.Assignment) {
	p.mu.Lock()
	defer p.mu.Unlock()
	owned := make(map[int]bool, len(as))
	for _, a := range as {
		owned[a.Partition] = true
		s := p.parts[a.Partition]
		if s == nil {
			s = &partStatus{hwm: -1, position: -1, lag: -1, commitAt: p.now()}
			p.parts[a.Partition] = s
		}
		if a.Offset >= 0 {
			s.position = a.Offset
		}
		p.obs.PartitionAssigned(a.Partition)
		p.updateLag(a.Partition, s)
	}
	for part := range p.parts {
		if !owned[part] {
			p.unassign(part)
		}
	}
}

// unassignAll releases every partition (Run is ending).
func (p *Pipeline) unassignAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for part := range p.parts {
		p.unassign(part)
	}
}

// unassign releases partition; p.mu is held and no worker of it runs.
func (p *Pipeline) unassign(partition int) {
	delete(p.parts, partition)
	p.obs.PartitionReleased(partition)
	if l := p.ledgers[partition]; l != nil {
		if n := l.revoke(); n > 0 {
			p.obs.Skipped(SkipRevoked, n)
		}
	}
}

// setLag records partition's high watermark (as of its newest fetch) and
// its oldest unsettled offset, and exports the lag between them.
func (p *Pipeline) setLag(partition int, hwm, position int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.parts[partition]
	if s == nil { // a replay: no assignment, no health
		p.obs.Lag(partition, max(0, hwm-position))
		return
	}
	s.hwm, s.position = hwm, position
	p.updateLag(partition, s)
}

// updateLag recomputes and exports s's lag, if known; p.mu is held. The
// Observer is called under the lock so that the last value set wins.
func (p *Pipeline) updateLag(partition int, s *partStatus) {
	if s.hwm < 0 || s.position < 0 {
		return
	}
	lag := max(0, s.hwm-s.position)
	switch {
	case lag == 0:
		s.lagSince = time.Time{}
	case s.lag <= 0:
		s.lagSince = p.now()
	}
	s.lag = lag
	p.obs.Lag(partition, lag)
}

// committed records a commit of partition that advanced it.
func (p *Pipeline) committed(partition int) {
	p.mu.Lock()
	if s := p.parts[partition]; s != nil {
		s.commitAt = p.now()
	}
	p.mu.Unlock()
}

// progressed tells the failure backoff that partition moved on
// (partitionReporter).
func (p *Pipeline) progressed(partition int) { p.retry.progressed(partition) }

// handBack runs fn with p.mu held: a worker's ledger hand-back
// (partitionReporter).
func (p *Pipeline) handBack(fn func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn()
}

// knowsLag reports whether partition's high watermark is known.
func (p *Pipeline) knowsLag(partition int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.parts[partition]
	return s != nil && s.hwm >= 0
}

// lagReadTimeout bounds readLag.
const lagReadTimeout = 5 * time.Second

// readLag reads the high watermark of a partition new to this instance, so
// that its lag is exported before its first record is fetched (an idle
// partition, or one whose worker fails before fetching). Best effort: on
// an error the lag appears with the first fetch.
func (p *Pipeline) readLag(ctx context.Context, a ingest.Assignment) {
	if p.knowsLag(a.Partition) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, lagReadTimeout)
	defer cancel()
	first, end, err := ingest.Offsets(ctx, p.ingestConfig(), a.Partition)
	if err != nil {
		p.log.Debug("pipeline: cannot read the high watermark", "partition", a.Partition, "err", err)
		return
	}
	pos := a.Offset
	if pos < 0 { // no committed offset: the group's start position
		pos = end
		if p.cfg.StartFirst {
			pos = first
		}
	}
	p.setLag(a.Partition, end, pos)
}
