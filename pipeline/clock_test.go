package pipeline

import (
	"sync"
	"time"
)

// testClock is a clock a test moves ahead with Advance, so it can step past
// a health window without waiting for it: real time plus what Advance
// added, or, when at is set, a frozen clock at at plus that.
type testClock struct {
	mu    sync.Mutex
	at    time.Time
	ahead time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() {
		return time.Now().Add(c.ahead)
	}
	return c.at.Add(c.ahead)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.ahead += d
	c.mu.Unlock()
}
