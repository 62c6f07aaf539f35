package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/srok/srok/api/httpx"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// AuditEntry is one entry of the audit trail (журнал действий).
type AuditEntry struct {
	ID         int64    `json:"id"`
	At         string   `json:"at"`
	ActorID    string   `json:"actor_id"`
	ActorName  string   `json:"actor_name"`
	UserID     string   `json:"user_id"`
	TokenID    string   `json:"token_id"`
	IP         string   `json:"ip"`
	UserAgent  string   `json:"user_agent"`
	Action     string   `json:"action"`
	Outcome    string   `json:"outcome"`
	RequestID  string   `json:"request_id"`
	RequestIDs []string `json:"request_ids"`
	Fields     []string `json:"fields"`
	Detail     string   `json:"detail"`
}

// AuditList is a page of the audit trail, newest first.
type AuditList struct {
	Items      []AuditEntry `json:"items"`
	NextCursor *string      `json:"next_cursor"`
}

func auditEntryOf(e audit.Entry) AuditEntry {
	nz := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return AuditEntry{ID: e.ID, At: e.At.UTC().Format(time.RFC3339Nano), ActorID: e.ActorID, ActorName: e.ActorName,
		UserID: e.UserID, TokenID: e.TokenID, IP: e.IP, UserAgent: e.UserAgent, Action: string(e.Action),
		Outcome: string(e.Outcome), RequestID: e.RequestID, RequestIDs: nz(e.RequestIDs), Fields: nz(e.Fields), Detail: e.Detail}
}

// maxAuditExport bounds one CSV export of the audit trail.
const maxAuditExport = 100_000

func (s *server) listAudit(c echo.Context) error {
	qp := c.QueryParams()
	if err := onlyParams(qp, []string{"user", "request", "action", "from", "to", "cursor", "limit", "format"}); err != nil {
		return err
	}
	ctx := c.Request().Context()
	// Who may not read the trail learns nothing from it, not even whether
	// an email has an account.
	if a, _ := srok.ActorFrom(ctx); !a.Can(srok.ActAuditRead) {
		_ = s.audit.Record(ctx, audit.Entry{Action: audit.ActionAuditRead, Outcome: audit.OutcomeDenied})
		return &srok.Error{Code: srok.EFORBIDDEN, Message: "only an administrator or the responsible officer may read the audit trail"}
	}
	var f audit.Filter
	if u := strings.TrimSpace(qp.Get("user")); u != "" {
		f.UserID = u
		if strings.Contains(u, "@") {
			user, err := s.accounts.UserByEmail(ctx, u)
			if err != nil {
				if srok.ErrorCode(err) == srok.ENOTFOUND {
					return srok.Invalid(srok.FieldError{Field: "user", Problem: "no user has this email"})
				}
				return err
			}
			f.UserID = user.ID
		}
	}
	f.RequestID = qp.Get("request")
	f.Action = audit.Action(qp.Get("action"))
	zone := s.reg.Zone()
	var err error
	if f.From, err = boundParam(qp, "from", zone, false); err != nil {
		return err
	}
	if f.To, err = boundParam(qp, "to", zone, true); err != nil {
		return err
	}
	if f.Limit, err = intParam(qp, "limit", 1, audit.MaxLimit); err != nil {
		return err
	}
	switch qp.Get("format") {
	case "", "json":
	case "csv":
		return s.exportAudit(c, f)
	default:
		return httpx.BadParam("format", "give json or csv")
	}
	page, err := s.audit.List(ctx, f, qp.Get("cursor"))
	if err != nil {
		return auditParamError(err)
	}
	out := AuditList{Items: make([]AuditEntry, 0, len(page.Items))}
	for _, e := range page.Items {
		out.Items = append(out.Items, auditEntryOf(e))
	}
	if page.Next != "" {
		out.NextCursor = &page.Next
	}
	if err := s.audit.Record(ctx, audit.Entry{Action: audit.ActionAuditRead, Outcome: audit.OutcomeOK}); err != nil {
		return err
	}
	return httpx.WriteJSON(c, http.StatusOK, out)
}

// exportAudit writes the whole filtered trail as CSV (UTF-8 with BOM, ';'),
// page by page.
func (s *server) exportAudit(c echo.Context, f audit.Filter) error {
	ctx := c.Request().Context()
	f.Limit = audit.MaxLimit
	page, err := s.audit.List(ctx, f, "")
	if err != nil {
		return auditParamError(err)
	}
	if err := s.audit.Record(ctx, audit.Entry{Action: audit.ActionAuditExport, Outcome: audit.OutcomeOK}); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="srok-audit.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := audit.NewCSVWriter(c.Response())
	for n := 0; ; {
		if err := w.Write(page.Items...); err != nil {
			return err
		}
		n += len(page.Items)
		if page.Next == "" || n >= maxAuditExport {
			break
		}
		if page, err = s.audit.List(ctx, f, page.Next); err != nil {
			return err
		}
	}
	return w.Flush()
}

// auditParamError turns the audit's invalid filter into a 400 naming the
// query parameter.
func auditParamError(err error) error {
	var se *srok.Error
	if e, ok := err.(*srok.Error); ok {
		se = e
	}
	if se == nil || se.Code != srok.EINVALID || len(se.Fields) == 0 {
		return err
	}
	names := map[string]string{"user_id": "user", "request_id": "request"}
	fe := se.Fields[0]
	if n, ok := names[fe.Field]; ok {
		fe.Field = n
	}
	return httpx.BadParam(fe.Field, "%s", fe.Problem)
}
