package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
)

// Moscow is the operator's time zone of the tests.
var Moscow = func() *time.Location {
	l, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		panic(err)
	}
	return l
}()

// Calendar is the embedded production calendar.
var Calendar = func() *calendar.Calendar {
	c, err := calendar.Embedded()
	if err != nil {
		panic(err)
	}
	return c
}()

// Start is when the tests' clocks start: Wednesday 25 November 2026,
// 09:00 in Moscow.
var Start = time.Date(2026, 11, 25, 9, 0, 0, 0, Moscow)

// Officer is the context of the officer "u1" the register's tests act as.
func Officer() context.Context {
	return srok.WithActor(context.Background(), srok.Actor{ID: "u1", Name: "Officer One", UserID: "u1", Role: srok.RoleOfficer})
}

// Register is the register on a test's store, with a settable clock and the
// context of the officer who acts.
type Register struct {
	Service *register.Service
	Clock   *Clock
	Ctx     context.Context
}

// NewRegister returns the register on st counting on Calendar in Moscow,
// its clock at Start, Officer acting; opts are the service's.
func NewRegister(st *store.Store, opts ...register.Option) Register {
	clock := NewClock(Start)
	return Register{Service: register.NewService(st, Calendar, Moscow, clock.Now, opts...), Clock: clock, Ctx: Officer()}
}

// Access is an access request by email from the subject name, received at
// received (RFC 3339).
func Access(name, email, received string) register.Input {
	return register.Input{Type: "access", Channel: "email", ReceivedAt: received,
		Subject: register.SubjectInput{Name: name, Email: email}}
}

// MustCreate registers in as ctx's actor, without an idempotency key, and
// ends the test when that fails.
func MustCreate(tb testing.TB, reg *register.Service, ctx context.Context, in register.Input) *register.Request {
	tb.Helper()
	r, replayed, err := reg.Create(ctx, in, nil)
	if err != nil {
		tb.Fatalf("storetest: create: %v", err)
	}
	if replayed {
		tb.Fatal("storetest: a create without key replayed")
	}
	return r
}
