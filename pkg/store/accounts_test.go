package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// cheapHash makes password hashing almost free in tests.
var cheapHash = account.WithPasswordParams(account.PasswordParams{Memory: 64, Time: 1, Threads: 1})

// accountsEnv is one database with the account service on it.
type accountsEnv struct {
	st    *store.Store
	acc   *account.Service
	clock *storetest.Clock
	// sys acts as Srok itself (the command line).
	sys context.Context
}

// forEachAccounts runs fn against SQLite and against PostgreSQL.
func forEachAccounts(t *testing.T, fn func(t *testing.T, e accountsEnv)) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			st := storetest.MustOpen(t, d)
			clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, moscow))
			fn(t, accountsEnv{
				st:    st,
				acc:   account.NewService(st, clock.Now, cheapHash),
				clock: clock,
				sys:   srok.WithActor(context.Background(), srok.System),
			})
		})
	}
}

const goodPassword = "a long enough password"

func mustUser(t *testing.T, e accountsEnv, email, name string, role srok.Role) account.User {
	t.Helper()
	u, err := e.acc.CreateUser(e.sys, account.UserInput{Email: email, Name: name, Role: role, Password: goodPassword})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func mustToken(t *testing.T, e accountsEnv, ctx context.Context, in account.TokenInput) (string, account.Token) {
	t.Helper()
	secret, tok, err := e.acc.CreateToken(ctx, in)
	if err != nil {
		t.Fatalf("create token %+v: %v", in, err)
	}
	return secret, tok
}

func wantReason(t *testing.T, err error, code srok.Code, reason string) {
	t.Helper()
	var se *srok.Error
	if !errors.As(err, &se) || se.Code != code || se.Reason != reason {
		t.Fatalf("error %v, want %s with reason %q", err, code, reason)
	}
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var se *srok.Error
	if !errors.As(err, &se) || se.Code != srok.EINVALID || len(se.Fields) == 0 || se.Fields[0].Field != field {
		t.Fatalf("error %v, want EINVALID naming %s", err, field)
	}
}

func TestUserCreate(t *testing.T) {
	forEachAccounts(t, func(t *testing.T, e accountsEnv) {
		if has, err := e.acc.HasUsers(e.sys); err != nil || has {
			t.Fatalf("a fresh database has users: %v %v", has, err)
		}
		u := mustUser(t, e, " Anna.Smirnova@Example.ru ", "Анна Смирнова", srok.RoleOfficer)
		if u.Email != "Anna.Smirnova@Example.ru" || !u.Active || u.Role != srok.RoleOfficer || len(u.ID) != 36 || u.ID[14] != '7' {
			t.Fatalf("created %+v", u)
		}
		if has, err := e.acc.HasUsers(e.sys); err != nil || !has {
			t.Fatalf("HasUsers after a create: %v %v", has, err)
		}
		// The same email in other letters is the same person.
		_, err := e.acc.CreateUser(e.sys, account.UserInput{Email: "anna.smirnova@example.RU", Name: "Другая", Role: srok.RoleViewer, Password: goodPassword})
		wantReason(t, err, srok.ECONFLICT, "email_taken")

		// Read back from the database, by email in any case and by id.
		got, err := e.acc.UserByEmail(e.sys, "ANNA.SMIRNOVA@EXAMPLE.RU")
		if err != nil || got != u {
			t.Fatalf("by email: %+v %v, want %+v", got, err, u)
		}
		if got, err = e.acc.UserByID(e.sys, u.ID); err != nil || got != u {
			t.Fatalf("by id: %+v %v", got, err)
		}
		if _, err := e.acc.UserByEmail(e.sys, "nobody@example.ru"); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("unknown email: %v", err)
		}
		for _, id := range []string{"01a214ef-c62a-725c-a810-d86c03cca3cd", "not-a-uuid"} {
			if _, err := e.acc.UserByID(e.sys, id); srok.ErrorCode(err) != srok.ENOTFOUND {
				t.Errorf("id %s: %v", id, err)
			}
		}

		// Every role; a list ordered by email whatever the case.
		mustUser(t, e, "boris@example.ru", "Борис", srok.RoleAdmin)
		mustUser(t, e, "Vera@example.ru", "Вера", srok.RoleOperator)
		mustUser(t, e, "alla@example.ru", "Алла", srok.RoleViewer)
		users, err := e.acc.Users(e.sys)
		if err != nil {
			t.Fatal(err)
		}
		var emails []string
		for _, x := range users {
			emails = append(emails, x.Email)
		}
		if strings.Join(emails, " ") != "alla@example.ru Anna.Smirnova@Example.ru boris@example.ru Vera@example.ru" {
			t.Errorf("users %v", emails)
		}

		// Input is checked, field by field.
		_, err = e.acc.CreateUser(e.sys, account.UserInput{Email: "x@example.ru", Name: "X", Role: "root", Password: goodPassword})
		wantField(t, err, "role")
		_, err = e.acc.CreateUser(e.sys, account.UserInput{Email: "x@example.ru", Name: "X", Role: srok.RoleViewer, Password: "short"})
		wantField(t, err, "password")
		_, err = e.acc.CreateUser(e.sys, account.UserInput{Email: "x", Name: "X", Role: srok.RoleViewer, Password: goodPassword})
		wantField(t, err, "email")

		// Only an administrator manages users.
		officer := srok.WithActor(context.Background(), e.acc.ActorOf(u))
		in := account.UserInput{Email: "x@example.ru", Name: "X", Role: srok.RoleViewer, Password: goodPassword}
		if _, err := e.acc.CreateUser(officer, in); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Errorf("an officer created a user: %v", err)
		}
		if _, err := e.acc.Users(officer); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Errorf("an officer listed users: %v", err)
		}
		if _, err := e.acc.CreateUser(context.Background(), in); srok.ErrorCode(err) != srok.EUNAUTHENTICATED {
			t.Errorf("nobody created a user: %v", err)
		}
	})
}

// The password's hash is stored, in PHC form; never the password.
func TestUserPasswordStored(t *testing.T) {
	forEachAccounts(t, func(t *testing.T, e accountsEnv) {
		u := mustUser(t, e, "anna@example.ru", "Анна", srok.RoleOperator)
		var hash, lower string
		if err := e.st.SQL().QueryRow(`SELECT password_hash, email_lower FROM users WHERE id = $1`, u.ID).Scan(&hash, &lower); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(hash, goodPassword) || lower != "anna@example.ru" {
			t.Fatalf("stored %q, %q", hash, lower)
		}
	})
}

func TestUserCheckPassword(t *testing.T) {
	forEachAccounts(t, func(t *testing.T, e accountsEnv) {
		u := mustUser(t, e, "Anna@Example.ru", "Анна", srok.RoleOperator)
		mustUser(t, e, "boris@example.ru", "Борис", srok.RoleOperator)
		got, err := e.acc.CheckPassword(context.Background(), "anna@example.RU", goodPassword)
		if err != nil || got != u {
			t.Fatalf("the right password: %+v %v", got, err)
		}
		if _, err := e.acc.DisableUser(e.sys, "boris@example.ru"); err != nil {
			t.Fatal(err)
		}
		// One answer, word for word, whatever is wrong.
		var first string
		for _, c := range []struct{ name, email, password string }{
			{"wrong password", "anna@example.ru", "another long password"},
			{"unknown email", "nobody@example.ru", goodPassword},
			{"disabled user, right password", "boris@example.ru", goodPassword},
			{"empty", "", ""},
		} {
			_, err := e.acc.CheckPassword(context.Background(), c.email, c.password)
			var se *srok.Error
			if !errors.As(err, &se) || se.Code != srok.EUNAUTHENTICATED || se.Message != "wrong email or password" || se.Reason != "" || len(se.Fields) > 0 {
				t.Fatalf("%s: %#v", c.name, err)
			}
			if first == "" {
				first = err.Error()
			} else if err.Error() != first {
				t.Errorf("%s: %q differs from %q", c.name, err.Error(), first)
			}
		}
	})
}

// A hash made with other parameters is replaced at the next sign-in.
func TestUserPasswordRehash(t *testing.T) {
	forEachAccounts(t, func(t *testing.T, e accountsEnv) {
		u := mustUser(t, e, "anna@example.ru", "Анна", srok.RoleOperator)
		stronger := account.NewService(e.st, e.clock.Now, account.WithPasswordParams(account.PasswordParams{Memory: 128, Time: 2, Threads: 1}))
		if _, err := stronger.CheckPassword(context.Background(), "anna@example.ru", goodPassword); err != nil {
			t.Fatal(err)
		}
		var hash string
		if err := e.st.SQL().QueryRow(`SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(hash, "$argon2id$v=19$m=128,t=2,p=1$") {
			t.Fatalf("not rehashed: %q", hash)
		}
		if _, err := e.acc.CheckPassword(context.Background(), "anna@example.ru", goodPassword); err != nil {
			t.Fatalf("after the rehash: %v", err)
		}
	})
}

func TestUserDisableAndSetPassword(t *testing.T) {
	forEachAccounts(t, func(t *testing.T, e accountsEnv) {
		u := mustUser(t, e, "anna@example.ru", "Анна", srok.RoleOperator)
		e.clock.Set(e.clock.Now().Add(time.Hour))
		changed, err := e.acc.DisableUser(e.sys, "ANNA@example.ru")
		if err != nil || !changed {
			t.Fatalf("disable: %v %v", changed, err)
		}
		got, _ := e.acc.UserByID(e.sys, u.ID)
		if got.Active || !got.UpdatedAt.Equal(u.UpdatedAt.Add(time.Hour)) {
			t.Fatalf("after disable %+v", got)
		}
		if changed, err := e.acc.DisableUser(e.sys, "anna@example.ru"); err != nil || changed {
			t.Fatalf("disable again: %v %v, want no change and no error", changed, err)
		}
		if _, err := e.acc.DisableUser(e.sys, "nobody@example.ru"); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("disable nobody: %v", err)
		}
		if _, err := e.acc.SessionActor(context.Background(), u.ID, 0); srok.ErrorCode(err) != srok.EUNAUTHENTICATED {
			t.Errorf("a disabled user's session: %v", err)
		}

		b := mustUser(t, e, "boris@example.ru", "Борис", srok.RoleViewer)
		if err := e.acc.SetPassword(e.sys, "Boris@example.ru", "a brand new password"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.acc.CheckPassword(context.Background(), "boris@example.ru", goodPassword); srok.ErrorCode(err) != srok.EUNAUTHENTICATED {
			t.Errorf("the old password still works: %v", err)
		}
		if _, err := e.acc.CheckPassword(context.Background(), "boris@example.ru", "a brand new password"); err != nil {
			t.Errorf("the new password: %v", err)
		}
		wantField(t, e.acc.SetPassword(e.sys, "boris@example.ru", "short"), "password")
		if err := e.acc.SetPassword(e.sys, "nobody@example.ru", "a brand new password"); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("set the password of nobody: %v", err)
		}
		viewer := srok.WithActor(context.Background(), e.acc.ActorOf(b))
		if err := e.acc.SetPassword(viewer, "boris@example.ru", "yet another password"); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Errorf("a viewer set a password: %v", err)
		}
		if _, err := e.acc.DisableUser(viewer, "boris@example.ru"); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Errorf("a viewer disabled a user: %v", err)
		}
		// The password was set once: sessions from before it (generation
		// 0) ended, those opened since (generation 1) stand.
		if _, err := e.acc.SessionActor(context.Background(), b.ID, 0); srok.ErrorCode(err) != srok.EUNAUTHENTICATED {
			t.Errorf("a session from before the password set: %v", err)
		}
		a, err := e.acc.SessionActor(context.Background(), b.ID, 1)
		if err != nil || a != (srok.Actor{ID: b.ID, Name: "Борис", UserID: b.ID, Email: "boris@example.ru", Role: srok.RoleViewer}) {
			t.Errorf("session actor %+v %v", a, err)
		}
		if _, err := e.acc.SessionActor(context.Background(), "01a214ef-c62a-725c-a810-d86c03cca3cd", 0); srok.ErrorCode(err) != srok.EUNAUTHENTICATED {
			t.Errorf("an unknown user's session: %v", err)
		}
	})
}

func TestTokenLifecycle(t *testing.T) {
	forEachAccounts(t, func(t *testing.T, e accountsEnv) {
		u := mustUser(t, e, "Vera@example.ru", "Вера", srok.RoleOperator)
		secret, tok := mustToken(t, e, e.sys, account.TokenInput{UserEmail: "vera@example.ru", Name: "help desk"})
		if !strings.HasPrefix(secret, "srok_") || len(secret) != 5+43 || tok.UserID != u.ID || tok.Scope != srok.ScopeFull ||
			tok.ExpiresAt != nil || tok.RevokedAt != nil || tok.LastUsedAt != nil || tok.UserEmail != "Vera@example.ru" {
			t.Fatalf("created %q %+v", secret, tok)
		}

		// The database holds the SHA-256 of the secret, not the secret.
		var hash string
		if err := e.st.SQL().QueryRow(`SELECT hash FROM api_tokens WHERE id = $1`, tok.ID).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(secret))
		if hash != hex.EncodeToString(sum[:]) {
			t.Fatalf("stored hash %q, want the SHA-256 of the secret", hash)
		}
		rows, err := e.st.SQL().Query(`SELECT CAST(id AS TEXT), CAST(user_id AS TEXT), name, scope, hash FROM api_tokens`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var cols [5]string
			if err := rows.Scan(&cols[0], &cols[1], &cols[2], &cols[3], &cols[4]); err != nil {
				t.Fatal(err)
			}
			for _, c := range cols {
				if strings.Contains(c, secret[len("srok_"):]) {
					t.Fatalf("the secret is in the database: %q", cols)
				}
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}

		a, err := e.acc.AuthenticateToken(context.Background(), secret)
		want := srok.Actor{ID: "token:" + tok.ID, Name: "help desk (Вера)", UserID: u.ID, Email: "Vera@example.ru",
			Role: srok.RoleOperator, Scope: srok.ScopeFull, TokenID: tok.ID}
		if err != nil || a != want {
			t.Fatalf("actor %+v %v\nwant %+v", a, err, want)
		}
		lastUsed := func() *time.Time {
			t.Helper()
			got, err := e.acc.Tokens(e.sys, "vera@example.ru")
			if err != nil || len(got) != 1 {
				t.Fatalf("tokens %+v %v", got, err)
			}
			return got[0].LastUsedAt
		}
		first := e.clock.Now()
		if l := lastUsed(); l == nil || !l.Equal(first) {
			t.Fatalf("last used %v, want %v", l, first)
		}
		// Within a minute, no write; after it, one.
		e.clock.Set(first.Add(59 * time.Second))
		if _, err := e.acc.AuthenticateToken(context.Background(), secret); err != nil {
			t.Fatal(err)
		}
		if l := lastUsed(); !l.Equal(first) {
			t.Errorf("last used moved within the minute: %v", l)
		}
		e.clock.Set(first.Add(2 * time.Minute))
		if _, err := e.acc.AuthenticateToken(context.Background(), secret); err != nil {
			t.Fatal(err)
		}
		if l := lastUsed(); !l.Equal(first.Add(2 * time.Minute)) {
			t.Errorf("last used %v after two minutes", l)
		}

		// Revoked: refused at once; revoking again keeps the first time.
		if err := e.acc.RevokeToken(e.sys, tok.ID); err != nil {
			t.Fatal(err)
		}
		badToken := func(what, s string) {
			t.Helper()
			_, err := e.acc.AuthenticateToken(context.Background(), s)
			var se *srok.Error
			if !errors.As(err, &se) || se.Code != srok.EUNAUTHENTICATED ||
				se.Message != "the API token is not valid: it is unknown, revoked or expired, or its user is disabled" {
				t.Fatalf("%s: %v", what, err)
			}
		}
		badToken("revoked", secret)
		e.clock.Set(first.Add(time.Hour))
		if err := e.acc.RevokeToken(e.sys, tok.ID); err != nil {
			t.Fatalf("revoke again: %v", err)
		}
		if got, _ := e.acc.Tokens(e.sys, ""); got[0].RevokedAt == nil || !got[0].RevokedAt.Equal(first.Add(2*time.Minute)) {
			t.Errorf("revoked at %v", got[0].RevokedAt)
		}
		for _, id := range []string{"01a214ef-c62a-725c-a810-d86c03cca3cd", "nope"} {
			if err := e.acc.RevokeToken(e.sys, id); srok.ErrorCode(err) != srok.ENOTFOUND {
				t.Errorf("revoke %s: %v", id, err)
			}
		}
		badToken("unknown", "srok_"+strings.Repeat("A", 43))
		badToken("malformed", "srok_short")
		badToken("empty", "")

		// Expiry, on the injected clock.
		now := e.clock.Now()
		secret2, tok2 := mustToken(t, e, e.sys, account.TokenInput{UserEmail: "vera@example.ru", Name: "web form", ExpiresIn: 90 * 24 * time.Hour})
		if tok2.ExpiresAt == nil || !tok2.ExpiresAt.Equal(now.Add(90*24*time.Hour)) {
			t.Fatalf("expires %v", tok2.ExpiresAt)
		}
		e.clock.Set(now.Add(90*24*time.Hour - time.Second))
		if _, err := e.acc.AuthenticateToken(context.Background(), secret2); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
		e.clock.Set(now.Add(90 * 24 * time.Hour))
		badToken("expired", secret2)

		// A disabled user's tokens stop at once.
		e.clock.Set(now)
		secret3, _ := mustToken(t, e, e.sys, account.TokenInput{UserEmail: "vera@example.ru", Name: "script"})
		if _, err := e.acc.AuthenticateToken(context.Background(), secret3); err != nil {
			t.Fatal(err)
		}
		if _, err := e.acc.DisableUser(e.sys, "vera@example.ru"); err != nil {
			t.Fatal(err)
		}
		badToken("disabled user", secret3)
		_, _, err = e.acc.CreateToken(e.sys, account.TokenInput{UserEmail: "vera@example.ru", Name: "more"})
		wantField(t, err, "user")

		all, err := e.acc.Tokens(e.sys, "")
		if err != nil || len(all) != 3 || all[0].Name != "script" || all[2].Name != "help desk" {
			t.Errorf("all tokens, newest first: %+v %v", all, err)
		}
	})
}

func TestTokenScopeAndPermissions(t *testing.T) {
	forEachAccounts(t, func(t *testing.T, e accountsEnv) {
		mustUser(t, e, "vera@example.ru", "Вера", srok.RoleOperator)
		viewer := mustUser(t, e, "alla@example.ru", "Алла", srok.RoleViewer)
		mustUser(t, e, "boris@example.ru", "Борис", srok.RoleAdmin)

		// An intake token narrows the operator's role to registering.
		secret, tok := mustToken(t, e, e.sys, account.TokenInput{UserEmail: "vera@example.ru", Name: "web form", Scope: srok.ScopeIntake})
		a, err := e.acc.AuthenticateToken(context.Background(), secret)
		if err != nil || a.Scope != srok.ScopeIntake || a.Role != srok.RoleOperator || tok.Scope != srok.ScopeIntake {
			t.Fatalf("intake actor %+v %v", a, err)
		}
		if !a.Can(srok.ActRequestCreate) || a.Can(srok.ActRequestEdit) || a.Can(srok.ActTokenManage) {
			t.Errorf("an intake token may do more than register: %+v", a)
		}
		// It can never exceed its user's role: a viewer registers nothing.
		_, _, err = e.acc.CreateToken(e.sys, account.TokenInput{UserEmail: "alla@example.ru", Name: "form", Scope: srok.ScopeIntake})
		wantField(t, err, "scope")
		_, _, err = e.acc.CreateToken(e.sys, account.TokenInput{UserEmail: "alla@example.ru", Name: "form", Scope: "admin"})
		wantField(t, err, "scope")
		if _, _, err = e.acc.CreateToken(e.sys, account.TokenInput{UserEmail: "nobody@example.ru", Name: "x"}); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("a token for nobody: %v", err)
		}

		// A user manages their own tokens, in person or with a full token.
		inPerson := srok.WithActor(context.Background(), e.acc.ActorOf(viewer))
		vSecret, vTok := mustToken(t, e, inPerson, account.TokenInput{UserEmail: "Alla@example.ru", Name: "my script"})
		va, err := e.acc.AuthenticateToken(context.Background(), vSecret)
		if err != nil || va.Role != srok.RoleViewer || va.Can(srok.ActRequestCreate) {
			t.Fatalf("viewer token %+v %v", va, err)
		}
		byToken := srok.WithActor(context.Background(), va)
		if got, err := e.acc.Tokens(byToken, "alla@example.ru"); err != nil || len(got) != 1 || got[0].ID != vTok.ID {
			t.Errorf("own tokens: %+v %v", got, err)
		}
		// ... but not anyone else's, nor every token.
		if _, _, err := e.acc.CreateToken(inPerson, account.TokenInput{UserEmail: "vera@example.ru", Name: "x"}); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Errorf("a viewer made a token for another: %v", err)
		}
		if _, _, err := e.acc.CreateToken(inPerson, account.TokenInput{UserEmail: "nobody@example.ru", Name: "x"}); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Errorf("a viewer learnt that an email is nobody's: %v", err)
		}
		if _, err := e.acc.Tokens(inPerson, "vera@example.ru"); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Errorf("a viewer listed another's tokens: %v", err)
		}
		if _, err := e.acc.Tokens(inPerson, ""); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Errorf("a viewer listed every token: %v", err)
		}
		if err := e.acc.RevokeToken(inPerson, tok.ID); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("a viewer revoked another's token: %v", err)
		}
		// An intake token manages no token, not even its user's.
		intake := srok.WithActor(context.Background(), a)
		if _, _, err := e.acc.CreateToken(intake, account.TokenInput{UserEmail: "vera@example.ru", Name: "x"}); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Errorf("an intake token made a token: %v", err)
		}
		if err := e.acc.RevokeToken(intake, tok.ID); srok.ErrorCode(err) != srok.ENOTFOUND {
			t.Errorf("an intake token revoked a token: %v", err)
		}
		if err := e.acc.RevokeToken(byToken, vTok.ID); err != nil {
			t.Errorf("a user revoked their own token: %v", err)
		}
		// An administrator, signed in, manages everyone's.
		admin, _ := e.acc.UserByEmail(e.sys, "boris@example.ru")
		adm := srok.WithActor(context.Background(), e.acc.ActorOf(admin))
		if all, err := e.acc.Tokens(adm, ""); err != nil || len(all) != 2 {
			t.Errorf("admin lists all: %+v %v", all, err)
		}
		if err := e.acc.RevokeToken(adm, tok.ID); err != nil {
			t.Errorf("admin revokes: %v", err)
		}
		if _, err := e.acc.Tokens(context.Background(), ""); srok.ErrorCode(err) != srok.EUNAUTHENTICATED {
			t.Errorf("nobody lists tokens: %v", err)
		}
	})
}

func TestSetupFirstAdmin(t *testing.T) {
	forEachAccounts(t, func(t *testing.T, e accountsEnv) {
		ctx := context.Background() // setup needs no actor: the token is the authority
		old, _, err := e.acc.CreateSetupToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		secret, exp, err := e.acc.CreateSetupToken(ctx)
		if err != nil || !exp.Equal(e.clock.Now().Add(time.Hour)) || !strings.HasPrefix(secret, account.SetupTokenPrefix) {
			t.Fatalf("setup token %q %v %v", secret, exp, err)
		}
		// Only the hash is stored; a new token replaced the unused old one.
		var hash string
		if err := e.st.SQL().QueryRow(`SELECT hash FROM setup_tokens`).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256([]byte(secret)); hash != hex.EncodeToString(sum[:]) {
			t.Fatalf("stored %q", hash)
		}
		in := account.UserInput{Email: "Boss@example.ru", Name: "Начальник", Role: srok.RoleViewer, Password: goodPassword}
		_, err = e.acc.CompleteSetup(ctx, old, in)
		wantReason(t, err, srok.EFORBIDDEN, "setup_token_invalid")
		_, err = e.acc.CompleteSetup(ctx, "srok_setup_garbage", in)
		wantReason(t, err, srok.EFORBIDDEN, "setup_token_invalid")
		_, err = e.acc.CompleteSetup(ctx, secret, account.UserInput{Email: "boss@example.ru", Name: "Начальник", Password: "short"})
		wantField(t, err, "password")

		u, err := e.acc.CompleteSetup(ctx, secret, in)
		if err != nil || u.Role != srok.RoleAdmin || !u.Active || u.Email != "Boss@example.ru" {
			t.Fatalf("first admin %+v %v (the role is forced to admin)", u, err)
		}
		if _, err := e.acc.CheckPassword(ctx, "boss@example.ru", goodPassword); err != nil {
			t.Fatalf("the admin cannot sign in: %v", err)
		}
		// Single use, and closed once a user exists.
		in.Email = "second@example.ru"
		_, err = e.acc.CompleteSetup(ctx, secret, in)
		wantReason(t, err, srok.ECONFLICT, "setup_done")
		_, _, err = e.acc.CreateSetupToken(ctx)
		wantReason(t, err, srok.ECONFLICT, "setup_done")
		var used int
		if err := e.st.SQL().QueryRow(`SELECT count(*) FROM setup_tokens WHERE used_at IS NOT NULL`).Scan(&used); err != nil || used != 1 {
			t.Fatalf("used setup tokens %d %v", used, err)
		}
	})
}

func TestSetupTokenExpires(t *testing.T) {
	forEachAccounts(t, func(t *testing.T, e accountsEnv) {
		ctx := context.Background()
		start := e.clock.Now()
		secret, _, err := e.acc.CreateSetupToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		in := account.UserInput{Email: "boss@example.ru", Name: "Начальник", Password: goodPassword}
		e.clock.Set(start.Add(time.Hour))
		_, err = e.acc.CompleteSetup(ctx, secret, in)
		wantReason(t, err, srok.EFORBIDDEN, "setup_token_invalid")
		if has, _ := e.acc.HasUsers(ctx); has {
			t.Fatal("an expired token created a user")
		}
		secret, _, err = e.acc.CreateSetupToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Set(start.Add(2*time.Hour - time.Second))
		if _, err := e.acc.CompleteSetup(ctx, secret, in); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
	})
}

// Many tabs racing with one setup link: one administrator.
func TestSetupRace(t *testing.T) {
	forEachAccounts(t, func(t *testing.T, e accountsEnv) {
		ctx := context.Background()
		secret, _, err := e.acc.CreateSetupToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				in := account.UserInput{Email: "boss" + string(rune('a'+i)) + "@example.ru", Name: "Начальник", Password: goodPassword}
				_, errs[i] = e.acc.CompleteSetup(ctx, secret, in)
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch srok.ErrorCode(err) {
			case "":
				ok++
			case srok.ECONFLICT, srok.EFORBIDDEN:
			default:
				t.Errorf("unexpected %v", err)
			}
		}
		users, err := e.acc.Users(srok.WithActor(ctx, srok.System))
		if ok != 1 || err != nil || len(users) != 1 {
			t.Fatalf("%d setups succeeded, %d users (%v)", ok, len(users), err)
		}
	})
}

// Migration 00003 goes down and up again.
func TestAccountsMigrationDown(t *testing.T) {
	forEachAccounts(t, func(t *testing.T, e accountsEnv) {
		mustUser(t, e, "anna@example.ru", "Анна", srok.RoleOperator)
		if err := e.st.MigrateDownTo(context.Background(), 2); err != nil {
			t.Fatalf("down to 2: %v", err)
		}
		for _, table := range []string{"users", "api_tokens", "setup_tokens", "sessions"} {
			if _, err := e.st.SQL().Exec(`SELECT 1 FROM ` + table); err == nil {
				t.Errorf("%s is still there", table)
			}
		}
		if applied, err := e.st.Migrate(context.Background()); err != nil || len(applied) == 0 || applied[0] != 3 {
			t.Fatalf("up again: %v %v", applied, err)
		}
		if has, err := e.acc.HasUsers(context.Background()); err != nil || has {
			t.Fatalf("after down and up: %v %v", has, err)
		}
		// The sessions table is what scs's stores read and write.
		if e.st.Dialect() == store.Postgres {
			_, err := e.st.SQL().Exec(`INSERT INTO sessions (token, data, expiry) VALUES ('t', '\x00', now())`)
			if err != nil {
				t.Fatal(err)
			}
		} else {
			_, err := e.st.SQL().Exec(`INSERT INTO sessions (token, data, expiry) VALUES ('t', x'00', julianday('now'))`)
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}

// A setup link is checked without being used up: valid until it expires,
// is used or a user exists, and the check writes nothing.
func TestCheckSetupToken(t *testing.T) {
	forEachAccounts(t, func(t *testing.T, e accountsEnv) {
		ctx := context.Background()
		start := e.clock.Now()
		secret, _, err := e.acc.CreateSetupToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := e.acc.CheckSetupToken(ctx, secret); err != nil {
				t.Fatalf("a fresh token: %v", err)
			}
		}
		wantReason(t, e.acc.CheckSetupToken(ctx, "srok_setup_garbage"), srok.EFORBIDDEN, "setup_token_invalid")
		wantReason(t, e.acc.CheckSetupToken(ctx, "whatever"), srok.EFORBIDDEN, "setup_token_invalid")
		e.clock.Set(start.Add(account.SetupTokenLife))
		wantReason(t, e.acc.CheckSetupToken(ctx, secret), srok.EFORBIDDEN, "setup_token_invalid")
		e.clock.Set(start.Add(account.SetupTokenLife - time.Second))
		if err := e.acc.CheckSetupToken(ctx, secret); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
		in := account.UserInput{Email: "boss@example.ru", Name: "Начальник", Password: goodPassword}
		if _, err := e.acc.CompleteSetup(ctx, secret, in); err != nil {
			t.Fatalf("the checks used the token up: %v", err)
		}
		wantReason(t, e.acc.CheckSetupToken(ctx, secret), srok.ECONFLICT, "setup_done")
	})
}
