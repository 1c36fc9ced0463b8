package testenv

import (
	"sync"
	"time"
)

// Clock is a settable clock shared by the store, the keys and the server.
// The zero Clock follows the wall clock; Advance moves it ahead (or back).
type Clock struct {
	mu  sync.Mutex
	at  time.Time // zero: follow the wall clock
	off time.Duration
}

// StoppedClock returns a clock that stands still at at until advanced, for
// tests that compare exact times.
func StoppedClock(at time.Time) *Clock { return &Clock{at: at} }

// Now is the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	base := c.at
	if base.IsZero() {
		base = time.Now()
	}
	return base.Add(c.off)
}

// Advance moves the clock by d; a negative d moves it back.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}
