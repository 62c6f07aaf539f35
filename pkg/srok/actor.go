package srok

import "context"

// Actor is who does something: a signed-in user, a user's API token or the
// system itself. Every change in the register records its actor, and the
// domain checks its role (Can) before doing anything.
type Actor struct {
	// ID is stable: the user's id for a browser session or the command
	// line, "token:<token id>" for an API token, "system" for Srok itself.
	ID string
	// Name is shown in the timeline: the user's name, or the token's name
	// and its user's.
	Name string
	// UserID is the user acting, or whose token acts; "" for the system.
	UserID string
	// Email is the user's email: what a request's assignee is.
	Email string
	// Role is what the user may do; Scope may narrow it for a token.
	Role  Role
	Scope Scope
	// TokenID is set when an API token acts.
	TokenID string
}

// Can reports whether the actor may do act at all (see the package-level Can).
func (a Actor) Can(act Action) bool { return Can(a.Role, a.Scope, act) }

// System is the actor of work Srok does by itself (reminders, recomputed
// terms): it may do everything.
var System = Actor{ID: "system", Name: "Srok", Role: RoleAdmin}

type actorKey struct{}

// WithActor returns a context that carries a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor the context carries, and false when none.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok && a.ID != ""
}
