package pipeline

import (
	"sync"
	"time"
)

// testClock is real time moved ahead by what Advance added, so a test can
// step past a health window without waiting for it.
type testClock struct {
	mu    sync.Mutex
	ahead time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.ahead)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.ahead += d
	c.mu.Unlock()
}
