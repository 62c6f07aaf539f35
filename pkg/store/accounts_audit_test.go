package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// failingTrail refuses to prepare any entry: a change asked of the
// accounts must then not happen at all.
type failingTrail struct{ audit.Trail }

func (failingTrail) Prepare(context.Context, audit.Entry) ([]*audit.Entry, error) {
	return nil, errors.New("the audit trail is unavailable")
}

// A change of users or tokens lands with its audit entry, in its own
// transaction: one entry per change, none for a change that did not happen
// (only the refusal or failure), and no change without its entry.
func TestAccountChangesCarryTheirAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, moscow))
		trail := audit.NewService(st, clock.Now)
		acc := account.NewService(st, clock.Now, cheapHash, account.WithAudit(trail))
		sys := srok.WithActor(context.Background(), srok.System)
		count := func(act audit.Action, out audit.Outcome) int {
			t.Helper()
			es, err := st.ListAudit(sys, audit.Filter{Action: act, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range es {
				if e.Outcome == out {
					n++
				}
			}
			return n
		}
		in := account.UserInput{Email: "anna@example.ru", Name: "Анна", Role: srok.RoleOfficer, Password: goodPassword}
		u, err := acc.CreateUser(sys, in)
		if err != nil {
			t.Fatal(err)
		}
		if n := count(audit.ActionUserCreate, audit.OutcomeOK); n != 1 {
			t.Fatalf("%d entries of the user's creation, want 1", n)
		}
		// The same email again: nothing created, the failure recorded, no
		// second entry of a creation.
		if _, err := acc.CreateUser(sys, in); srok.ErrorCode(err) != srok.ECONFLICT {
			t.Fatalf("second create: %v", err)
		}
		if ok, failed := count(audit.ActionUserCreate, audit.OutcomeOK), count(audit.ActionUserCreate, audit.OutcomeFailed); ok != 1 || failed != 1 {
			t.Fatalf("after a refused create: %d ok, %d failed; want 1 and 1", ok, failed)
		}
		if _, _, err := acc.CreateToken(sys, account.TokenInput{UserEmail: u.Email, Name: "форма"}); err != nil {
			t.Fatal(err)
		}
		if _, err := acc.DisableUser(sys, u.Email); err != nil {
			t.Fatal(err)
		}
		for _, act := range []audit.Action{audit.ActionTokenCreate, audit.ActionUserDisable} {
			if n := count(act, audit.OutcomeOK); n != 1 {
				t.Errorf("%s: %d entries, want 1", act, n)
			}
		}

		// Without its audit entry, no change: the user is not created, the
		// role not changed.
		blind := account.NewService(st, clock.Now, cheapHash, account.WithAudit(failingTrail{trail}))
		if _, err := blind.CreateUser(sys, account.UserInput{Email: "boris@example.ru", Name: "Борис", Role: srok.RoleViewer, Password: goodPassword}); err == nil {
			t.Fatal("a user was created without its audit entry")
		}
		if _, err := acc.UserByEmail(sys, "boris@example.ru"); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Fatalf("the user exists after a create refused for want of its audit: %v", err)
		}
		if _, err := blind.SetRole(sys, u.Email, srok.RoleAdmin); err == nil {
			t.Fatal("a role was changed without its audit entry")
		}
		if got, _ := acc.UserByEmail(sys, u.Email); got.Role != srok.RoleOfficer {
			t.Fatalf("role %s after a change refused for want of its audit", got.Role)
		}
	})
}
