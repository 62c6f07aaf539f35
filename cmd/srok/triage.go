package main

import (
	"context"
	"time"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// lateEmailsOf counts, for the reminders' digest of the user with an id,
// the incoming emails waiting for a triage decision longer than one working
// day: for officers and administrators, who triage every email; 0 for the
// others and when it cannot be told (the digest goes out without the line).
func lateEmailsOf(ctx context.Context, accounts *account.Service, reg *register.Service) func(string) int {
	return func(id string) int {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		u, err := accounts.UserByID(ctx, id)
		if err != nil || (u.Role != srok.RoleOfficer && u.Role != srok.RoleAdmin) {
			return 0
		}
		_, late, err := reg.InboxCount(srok.WithActor(ctx, accounts.ActorOf(u)))
		if err != nil {
			return 0
		}
		return late
	}
}
