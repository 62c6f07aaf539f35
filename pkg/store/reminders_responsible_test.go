package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// The reminders of unassigned requests go to the active officers; while
// there is none (an installation with its first administrator alone), to
// the active administrators; with neither, to nobody, which the overview
// says.
func TestReminderOfficersFallBackToAdmins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		sys := srok.WithActor(ctx, srok.System)
		acc := account.NewService(st, time.Now)
		emails := func() []string {
			t.Helper()
			rs, err := st.ReminderOfficers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range rs {
				out = append(out, r.Email)
			}
			return out
		}
		mk := func(email string, role srok.Role) account.User {
			u, err := acc.CreateUser(sys, account.UserInput{Email: email, Name: "Сотрудник", Role: role, Password: "correct horse battery staple"})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		if got := emails(); len(got) != 0 {
			t.Errorf("no users: %v", got)
		}
		mk("operator@example.ru", srok.RoleOperator)
		if got := emails(); len(got) != 0 {
			t.Errorf("an operator alone: %v", got)
		}
		mk("admin@example.ru", srok.RoleAdmin)
		if got := emails(); len(got) != 1 || got[0] != "admin@example.ru" {
			t.Errorf("the first administrator alone: %v, want the administrator", got)
		}
		officer := mk("officer@example.ru", srok.RoleOfficer)
		if got := emails(); len(got) != 1 || got[0] != "officer@example.ru" {
			t.Errorf("with an officer: %v, want the officer alone", got)
		}
		if _, err := acc.DisableUser(sys, officer.Email); err != nil {
			t.Fatal(err)
		}
		if got := emails(); len(got) != 1 || got[0] != "admin@example.ru" {
			t.Errorf("the officer disabled: %v, want the administrator again", got)
		}
	})
}
