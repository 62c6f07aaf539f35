package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// Two srok processes on one PostgreSQL, each with its own cache of
// authentications: a token revoked and a user disabled through one stop
// working in the other at once (within the notification's way, well under a
// second), although the other had them cached.
func TestAuthCacheHearsOtherProcesses(t *testing.T) {
	st := storetest.MustOpen(t, store.Postgres)
	now := func() time.Time { return time.Now() }
	a := account.NewService(st, now, cheapHash)
	b := account.NewService(st, now, cheapHash)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	heard := make(chan bool, 16)
	wg.Add(1)
	go func() {
		defer wg.Done()
		st.ListenAuthChanges(ctx, func(on bool) { a.HearingAuthChanges(on); heard <- on }, a.AuthChanged)
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
	select {
	case on := <-heard:
		if !on {
			t.Fatal("the listener did not start listening")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the listener never listened")
	}

	sys := srok.WithActor(context.Background(), srok.System)
	u, err := b.CreateUser(sys, account.UserInput{Email: "cached@example.ru", Name: "Кэш", Role: srok.RoleOfficer, Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	secret, tok, err := b.CreateToken(sys, account.TokenInput{UserEmail: u.Email, Name: "cached"})
	if err != nil {
		t.Fatal(err)
	}
	// a authenticates, and caches.
	for range 3 {
		if _, err := a.AuthenticateToken(context.Background(), secret); err != nil {
			t.Fatalf("before revocation: %v", err)
		}
		if _, err := a.SessionActor(context.Background(), u.ID, 0); err != nil {
			t.Fatalf("session before disabling: %v", err)
		}
	}
	// b revokes: a refuses within the notification's way.
	if err := b.RevokeToken(sys, tok.ID); err != nil {
		t.Fatal(err)
	}
	refusedWithin(t, "the revoked token", func() error { _, err := a.AuthenticateToken(context.Background(), secret); return err })
	// b disables the user: a's session for them ends too.
	if _, err := b.DisableUser(sys, u.Email); err != nil {
		t.Fatal(err)
	}
	refusedWithin(t, "the disabled user's session", func() error { _, err := a.SessionActor(context.Background(), u.ID, 0); return err })

	// With the listener gone, nothing is cached: a revocation it cannot
	// hear still takes effect at the next request.
	cancel()
	wg.Wait()
	u2, _ := b.CreateUser(sys, account.UserInput{Email: "uncached@example.ru", Name: "Без кэша", Role: srok.RoleOfficer, Password: "correct horse battery staple"})
	secret2, tok2, err := b.CreateToken(sys, account.TokenInput{UserEmail: u2.Email, Name: "uncached"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AuthenticateToken(context.Background(), secret2); err != nil {
		t.Fatal(err)
	}
	if err := b.RevokeToken(sys, tok2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AuthenticateToken(context.Background(), secret2); srok.ErrorCode(err) != srok.EUNAUTHENTICATED {
		t.Fatalf("a revoked token with no listener: %v", err)
	}
}

// refusedWithin fails unless check is refused (EUNAUTHENTICATED) within a
// second; it is polled, as the notification travels.
func refusedWithin(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		err := check()
		if srok.ErrorCode(err) == srok.EUNAUTHENTICATED {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still works a second later (%v)", what, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
