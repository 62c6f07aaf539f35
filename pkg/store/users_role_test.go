package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/srok/srok/pkg/srok"
)

// A user's role changes at once, sessions included; a disabled user is
// enabled again; only an administrator may do either.
func TestUserSetRoleAndEnable(t *testing.T) {
	forEachAccounts(t, func(t *testing.T, e accountsEnv) {
		u := mustUser(t, e, "anna@example.ru", "Анна", srok.RoleViewer)
		op := mustUser(t, e, "oleg@example.ru", "Олег", srok.RoleOperator)
		if a, err := e.acc.SessionActor(context.Background(), u.ID, 0); err != nil || a.Role != srok.RoleViewer {
			t.Fatalf("session before: %+v %v", a, err)
		}
		e.clock.Set(e.clock.Now().Add(time.Hour))
		changed, err := e.acc.SetRole(e.sys, "ANNA@example.ru", srok.RoleOfficer)
		if err != nil || !changed {
			t.Fatalf("set role: %v %v", changed, err)
		}
		got, _ := e.acc.UserByID(e.sys, u.ID)
		if got.Role != srok.RoleOfficer || !got.UpdatedAt.Equal(u.UpdatedAt.Add(time.Hour)) {
			t.Errorf("after set role %+v", got)
		}
		if a, err := e.acc.SessionActor(context.Background(), u.ID, 0); err != nil || a.Role != srok.RoleOfficer {
			t.Errorf("session after: %+v %v", a, err)
		}
		if changed, err := e.acc.SetRole(e.sys, "anna@example.ru", srok.RoleOfficer); err != nil || changed {
			t.Errorf("the same role again: %v %v", changed, err)
		}
		for role, code := range map[srok.Role]srok.Code{"boss": srok.EINVALID, "": srok.EINVALID} {
			if _, err := e.acc.SetRole(e.sys, "anna@example.ru", role); srok.ErrorCode(err) != code {
				t.Errorf("role %q: %v", role, err)
			}
		}
		if _, err := e.acc.SetRole(e.sys, "nobody@example.ru", srok.RoleAdmin); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("nobody: %v", err)
		}
		asOp := srok.WithActor(context.Background(), e.acc.ActorOf(op))
		if _, err := e.acc.SetRole(asOp, "oleg@example.ru", srok.RoleAdmin); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Errorf("an operator made themselves admin: %v", err)
		}

		if _, err := e.acc.DisableUser(e.sys, "anna@example.ru"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.acc.EnableUser(asOp, "anna@example.ru"); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Errorf("an operator enabled a user: %v", err)
		}
		if changed, err := e.acc.EnableUser(e.sys, "anna@example.ru"); err != nil || !changed {
			t.Fatalf("enable: %v %v", changed, err)
		}
		if _, err := e.acc.CheckPassword(context.Background(), "anna@example.ru", goodPassword); err != nil {
			t.Errorf("sign-in after enable: %v", err)
		}
		if changed, err := e.acc.EnableUser(e.sys, "anna@example.ru"); err != nil || changed {
			t.Errorf("enable again: %v %v", changed, err)
		}
	})
}
