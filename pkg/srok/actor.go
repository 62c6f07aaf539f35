package srok

import "context"

// Actor is who does something: a signed-in user, an integration or the
// system itself. Every change in the register records its actor.
type Actor struct {
	// ID is stable: a user id, an API client id or "system".
	ID string
	// Name is shown in the timeline.
	Name string
}

// System is the actor of work Srok does by itself.
var System = Actor{ID: "system", Name: "Srok"}

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
