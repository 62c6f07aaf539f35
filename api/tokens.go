package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/srok"
)

// Token is an API token as listed: never its secret.
type Token struct {
	ID         string  `json:"id"`
	User       string  `json:"user"`
	Name       string  `json:"name"`
	Scope      string  `json:"scope"`
	CreatedAt  string  `json:"created_at"`
	ExpiresAt  *string `json:"expires_at"`
	RevokedAt  *string `json:"revoked_at"`
	LastUsedAt *string `json:"last_used_at"`
}

// NewToken is a token as created: the secret, shown this once.
type NewToken struct {
	Token
	Secret string `json:"token"`
}

// TokenList is the answer of GET /api/v1/tokens.
type TokenList struct {
	Items []Token `json:"items"`
}

func tokenOf(t account.Token) Token {
	at := func(p *time.Time) *string {
		if p == nil {
			return nil
		}
		s := p.UTC().Format(time.RFC3339)
		return &s
	}
	return Token{ID: t.ID, User: t.UserEmail, Name: t.Name, Scope: string(t.Scope), CreatedAt: t.CreatedAt.UTC().Format(time.RFC3339),
		ExpiresAt: at(t.ExpiresAt), RevokedAt: at(t.RevokedAt), LastUsedAt: at(t.LastUsedAt)}
}

// tokenBody is the body of POST /api/v1/tokens.
type tokenBody struct {
	// User is the email of the token's user; empty: the caller.
	User string `json:"user"`
	Name string `json:"name"`
	// Scope is "" or full (the user's role), or intake.
	Scope string `json:"scope"`
	// ExpiresInDays is how long the token is valid; 0 or absent: until
	// revoked.
	ExpiresInDays int `json:"expires_in_days"`
}

func (s *server) listTokens(c echo.Context) error {
	qp := c.QueryParams()
	if err := onlyParams(qp, []string{"user"}); err != nil {
		return err
	}
	user := qp.Get("user")
	if _, ok := qp["user"]; !ok {
		// Without a user: everyone's for an administrator, one's own else.
		if a, _ := srok.ActorFrom(c.Request().Context()); !a.Can(srok.ActTokenManage) {
			user = a.Email
		}
	}
	ts, err := s.accounts.Tokens(c.Request().Context(), user)
	if err != nil {
		return err
	}
	out := TokenList{Items: make([]Token, 0, len(ts))}
	for _, t := range ts {
		out.Items = append(out.Items, tokenOf(t))
	}
	return httpx.WriteJSON(c, http.StatusOK, out)
}

func (s *server) createToken(c echo.Context) error {
	var in tokenBody
	if err := httpx.JSON.Decode(c, &in); err != nil {
		return err
	}
	a, _ := srok.ActorFrom(c.Request().Context())
	if strings.TrimSpace(in.User) == "" {
		in.User = a.Email
	}
	if in.ExpiresInDays < 0 || in.ExpiresInDays > 3650 {
		return srok.Invalid(srok.FieldError{Field: "expires_in_days", Problem: "give 1 to 3650 days, or 0 (or nothing) for a token valid until revoked"})
	}
	if in.Scope == "full" { // the command line's spelling of the user's whole role
		in.Scope = string(srok.ScopeFull)
	}
	secret, t, err := s.accounts.CreateToken(c.Request().Context(), account.TokenInput{UserEmail: in.User, Name: in.Name,
		Scope: srok.Scope(in.Scope), ExpiresIn: time.Duration(in.ExpiresInDays) * 24 * time.Hour})
	if srok.ErrorCode(err) == srok.ENOTFOUND {
		return srok.Invalid(srok.FieldError{Field: "user", Problem: "no user has this email"})
	}
	if err != nil {
		return err
	}
	// The token's path, which DELETE revokes (a token is never read back).
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/tokens/"+t.ID)
	return httpx.WriteJSON(c, http.StatusCreated, NewToken{Token: tokenOf(t), Secret: secret})
}

func (s *server) revokeToken(c echo.Context) error {
	if err := s.accounts.RevokeToken(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
