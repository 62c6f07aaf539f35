package audit

import "context"

// client is where an action came from, as the HTTP layer saw it.
type client struct {
	ip, userAgent string
}

type clientKey struct{}

// WithClient returns a context that carries the client's address and user
// agent, for Record to put in the entries recorded under it. The HTTP layer
// sets it once per request (the address as its proxy settings determine it).
func WithClient(ctx context.Context, ip, userAgent string) context.Context {
	return context.WithValue(ctx, clientKey{}, client{ip: ip, userAgent: userAgent})
}

// ClientFrom returns the client's address and user agent the context
// carries, empty when none (the command line, background work).
func ClientFrom(ctx context.Context) (ip, userAgent string) {
	c, _ := ctx.Value(clientKey{}).(client)
	return c.ip, c.userAgent
}
