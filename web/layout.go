package web

import (
	"html/template"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// layoutData is what the layout renders: the page's own data, whose
// "content" template gets it whole, and the navigation of the signed-in
// user.
type layoutData struct {
	Page    page
	Content any
	// Nav is nil for an anonymous visitor (sign-in, setup).
	Nav *nav
	// HTMX is the URL of htmx, loaded on the pages of a signed-in user.
	HTMX string
}

// nav is the navigation and the signed-in user shown on every page.
type nav struct {
	Name, Email string
	Role        srok.Role
	Admin       bool
	// Section is the part of Srok the page belongs to, marked current.
	Section string
	// Settings is the user's settings page, "" when there is none.
	Settings string
	// Inbox offers the inbox to whoever may triage; InboxCount is how many
	// emails await their decision.
	Inbox      bool
	InboxCount int
}

// layoutOf wraps a page's data for the layout.
func (s *server) layoutOf(c echo.Context, data any) layoutData {
	l := layoutData{Content: data}
	if p, ok := data.(interface{ base() page }); ok {
		l.Page = p.base()
	}
	if a, ok := srok.ActorFrom(c.Request().Context()); ok && a.TokenID == "" && a.UserID != "" {
		l.Nav = &nav{Name: a.Name, Email: a.Email, Role: a.Role, Admin: a.Role == srok.RoleAdmin, Section: sectionOf(c.Path()),
			Settings: s.settingsLink}
		// A page that may come back from a route of another section (the
		// intake form with its mistakes, from POST /requests) says its own.
		if p, ok := data.(interface{ navSection() string }); ok {
			l.Nav.Section = p.navSection()
		}
		if s.inbox != nil && register.MayTriage(a) {
			// A count the page can do without: a failure leaves the badge out.
			n, err := s.inbox.InboxBadge(c.Request().Context())
			l.Nav.Inbox, l.Nav.InboxCount = true, n
			if err != nil {
				l.Nav.InboxCount = 0
			}
		}
		l.HTMX = htmxURL
	}
	return l
}

// sectionOf is the section of the navigation a route belongs to.
func sectionOf(route string) string {
	switch {
	case route == "/":
		return "overview"
	case strings.HasPrefix(route, "/requests"):
		return "requests"
	case strings.HasPrefix(route, "/intake"):
		return "intake"
	case strings.HasPrefix(route, inboxPath):
		return "inbox"
	case strings.HasPrefix(route, "/calendar"):
		return "calendar"
	case strings.HasPrefix(route, "/admin/users"):
		return "users"
	case strings.HasPrefix(route, "/admin/tokens"):
		return "tokens"
	case strings.HasPrefix(route, "/admin/organisation"), strings.HasPrefix(route, "/admin/letter-templates"):
		return "organisation"
	case strings.HasPrefix(route, "/admin/mailboxes"):
		return "mailboxes"
	case route == "/settings/password":
		return "password"
	case strings.HasPrefix(route, "/settings"):
		return "settings"
	}
	return ""
}

// pageFuncs are the template functions of the request pages.
var pageFuncs = template.FuncMap{
	"typeName":     ru.Type,
	"statusName":   ru.Status,
	"channelName":  ru.Channel,
	"workingDays":  ru.WorkingDays,
	"requestCount": ru.Requests,
	"emailCount":   ru.Emails,
	"add":          func(a, b int) int { return a + b },
	"ofield":       newOrgField,
	"mbfield":      newMailboxField,
	"placeholder":  placeholderSyntax,
	"letterKind":   ru.LetterKind,
	"dec":          func(a int) int { return a - 1 },
	// errAt is a field's problem with the id of the field it belongs to.
	"errAt": func(id, msg string) fieldProblem { return fieldProblem{ID: id, Msg: msg} },
	// scrolling names a region that scrolls sideways, for screen readers.
	"scrolling": ru.Scrolling,
}

// fieldProblem is a problem shown next to the field with ID.
type fieldProblem struct{ ID, Msg string }
