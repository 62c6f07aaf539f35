package calendar

import "sync/atomic"

// Source gives the calendar to count on now. A *Calendar is a Source of
// itself; a *Live is one whose calendar is replaced when a new year's
// decree is imported. Code that counts terms asks its Source at each use
// and keeps the *Calendar only for that one computation, so that a term is
// counted on one calendar from start to end, and the next one on the
// newest.
type Source interface {
	Current() *Calendar
}

// Current returns c itself: a fixed calendar is its own Source.
func (c *Calendar) Current() *Calendar { return c }

// Live holds the calendar in use while it may be replaced (a new year's
// decree data, imported while the server runs). Reading and replacing are
// atomic: a reader gets either the old calendar or the new one, whole.
// The zero Live holds nothing; make one with NewLive.
type Live struct {
	p atomic.Pointer[Calendar]
}

// NewLive returns a Live holding c.
func NewLive(c *Calendar) *Live {
	l := &Live{}
	l.p.Store(c)
	return l
}

// Current returns the calendar in use.
func (l *Live) Current() *Calendar { return l.p.Load() }

// Set replaces the calendar in use with c (not nil).
func (l *Live) Set(c *Calendar) {
	if c == nil {
		panic("calendar: Live.Set(nil)")
	}
	l.p.Store(c)
}
