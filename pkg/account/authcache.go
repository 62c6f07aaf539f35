package account

import (
	"sync"
	"time"
)

// authCache remembers the tokens and signed-in users that authenticated,
// so that a request does not cost a lookup in the database every time. It
// serves only while it hears of every change that could end an
// authentication (a revoked token, a disabled user): the store's
// notifications (PostgreSQL LISTEN/NOTIFY, across every srok process on the
// database) empty it, and while they cannot be heard it is off and every
// request asks the database, as without it. An entry serves for at most
// TouchInterval, after which the database is asked again (and a token's
// last use written).
type authCache struct {
	mu sync.RWMutex
	on bool
	// gen counts the clears: an entry read from the database before a
	// clear (a revocation committed meanwhile) must not be put after it.
	gen    uint64
	tokens map[string]cachedToken // by the token's hash
	users  map[string]cachedUser  // by the user's id
}

type cachedToken struct {
	t  Token
	u  User
	at time.Time
}

type cachedUser struct {
	u  User
	at time.Time
}

// token returns the cached token with hash, if the cache is on and the
// entry is fresh at now, and the generation to put a fresh read with.
func (c *authCache) token(hash string, now time.Time) (cachedToken, uint64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.tokens[hash]
	return e, c.gen, ok && c.on && now.Sub(e.at) < TouchInterval && !now.Before(e.at)
}

// putToken caches e, read from the database at generation gen, unless the
// cache was cleared since.
func (c *authCache) putToken(hash string, e cachedToken, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.on && c.gen == gen {
		c.tokens[hash] = e
	}
}

func (c *authCache) user(id string, now time.Time) (User, uint64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.users[id]
	return e.u, c.gen, ok && c.on && now.Sub(e.at) < TouchInterval && !now.Before(e.at)
}

func (c *authCache) putUser(u User, at time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.on && c.gen == gen {
		c.users[u.ID] = cachedUser{u: u, at: at}
	}
}

// clear forgets everything.
func (c *authCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.tokens, c.users = map[string]cachedToken{}, map[string]cachedUser{}
}

// set turns the cache on or off; either way it starts empty.
func (c *authCache) set(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = on
	c.gen++
	c.tokens, c.users = map[string]cachedToken{}, map[string]cachedUser{}
}

// AuthChanged forgets every cached authentication: a token was revoked, a
// user disabled (here or in another srok process). The store's listener
// calls it for every notification.
func (s *Service) AuthChanged() { s.cache.clear() }

// HearingAuthChanges turns the authentication cache on while the store's
// listener hears every change (on is true once it listens, false when it
// lost the connection): without it, every request asks the database.
func (s *Service) HearingAuthChanges(on bool) { s.cache.set(on) }
