package remind

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// AckTemplate is one version of the acknowledgement's subject line and
// text, with placeholders written in braces ({номер}; ru.AckPlaceholders
// lists them). Version 0 is the built-in template while none was saved; a
// saved version with Builtin set goes back to it.
type AckTemplate struct {
	Version int
	Builtin bool
	Subject string
	Text    string
	// SavedAt, SavedBy (the actor id) and SaverName: who made this version
	// current and when; zero for version 0.
	SavedAt   time.Time
	SavedBy   string
	SaverName string
}

// MaxAckText bounds the text (in characters); the subject line is bounded
// at a tenth of it.
const MaxAckText = 10000

// BuiltinAck is the built-in template as version v.
func BuiltinAck(v AckTemplate) AckTemplate {
	v.Builtin, v.Subject, v.Text = true, ru.AckBuiltinSubject, ru.AckBuiltinText
	return v
}

// ValidateAck checks a subject line and a text: neither empty, the subject
// one line, and every placeholder one ru.AckPlaceholders names. Every
// problem names its field ("subject", "text").
func ValidateAck(subject, text string) error {
	var f srok.Fields
	switch {
	case strings.TrimSpace(subject) == "":
		f.Add("subject", ru.AckSubjectEmpty)
	case strings.ContainsAny(subject, "\r\n"):
		f.Add("subject", ru.AckSubjectLines)
	case utf8.RuneCountInString(subject) > MaxAckText/10:
		f.Add("subject", ru.AckTooLong, MaxAckText/10)
	default:
		if err := checkPlaceholders(subject); err != "" {
			f.Add("subject", "%s", err)
		}
	}
	switch {
	case strings.TrimSpace(text) == "":
		f.Add("text", ru.AckTextEmpty)
	case utf8.RuneCountInString(text) > MaxAckText:
		f.Add("text", ru.AckTooLong, MaxAckText)
	default:
		if err := checkPlaceholders(text); err != "" {
			f.Add("text", "%s", err)
		}
	}
	return f.Err()
}

// checkPlaceholders returns the first problem with s's placeholders, or "".
func checkPlaceholders(s string) string {
	bad := ""
	expand(s, func(name string) string {
		if bad == "" && !knownPlaceholder(name) {
			bad = name
		}
		return ""
	})
	if bad != "" {
		names := make([]string, 0, len(ru.AckPlaceholders()))
		for _, p := range ru.AckPlaceholders() {
			names = append(names, "{"+p[0]+"}")
		}
		if bad == "\x00" {
			return ru.AckUnclosedBrace
		}
		return fmt.Sprintf(ru.AckUnknownField, bad, strings.Join(names, ", "))
	}
	return ""
}

func knownPlaceholder(name string) bool {
	for _, p := range ru.AckPlaceholders() {
		if p[0] == name {
			return true
		}
	}
	return false
}

// expand replaces each {name} of s with value(name); an unclosed brace is
// passed to value as "\x00".
func expand(s string, value func(name string) string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			value("\x00")
			b.WriteString(s[i:])
			return b.String()
		}
		b.WriteString(value(s[i+1 : i+j]))
		s = s[i+j+1:]
	}
}

// renderAck fills t's subject and text for v.
func renderAck(t AckTemplate, v ackView) (subject, text string) {
	value := func(name string) string {
		switch name {
		case "приветствие":
			return ru.AckGreeting(v.Name)
		case "имя":
			return v.Name
		case "номер":
			return v.Number
		case "дата_получения":
			return v.Received
		case "срок_ответа":
			return v.Due
		case "оператор":
			return v.Operator
		}
		return ""
	}
	return expand(t.Subject, value), expand(t.Text, value)
}

// AckTemplateStore keeps the versions of the acknowledgement's template.
type AckTemplateStore interface {
	// AckTemplate returns the latest version; ENOTFOUND when none was
	// saved.
	AckTemplate(ctx context.Context) (AckTemplate, error)
	// AddAckTemplate stores t as the next version (set in t) with the
	// audit entries in one transaction; t.Builtin stores no text.
	AddAckTemplate(ctx context.Context, t *AckTemplate, trail []*audit.Entry) error
}

// AckTemplates reads and changes the acknowledgement's template: everyone
// signed in may read it, an administrator (organisation.manage) changes it.
type AckTemplates struct {
	store AckTemplateStore
	audit audit.Trail
	now   func() time.Time
}

// NewAckTemplates returns the service on st; every change is recorded
// through a (152-FZ art. 19 part 2: who changed what), a may be nil.
func NewAckTemplates(st AckTemplateStore, a audit.Trail, now func() time.Time) *AckTemplates {
	if now == nil {
		now = time.Now
	}
	return &AckTemplates{store: st, audit: a, now: now}
}

// Get returns the version in use: the built-in one when none was saved or
// the latest goes back to it.
func (s *AckTemplates) Get(ctx context.Context) (AckTemplate, error) {
	if _, ok := srok.ActorFrom(ctx); !ok {
		return AckTemplate{}, srok.Errorf(srok.EUNAUTHENTICATED, "sign in first")
	}
	return CurrentAck(ctx, s.store)
}

// CurrentAck returns the version of st in use, the built-in template's
// words filled in when it goes back to it.
func CurrentAck(ctx context.Context, st AckTemplateStore) (AckTemplate, error) {
	t, err := st.AckTemplate(ctx)
	switch {
	case srok.ErrorCode(err) == srok.ENOTFOUND:
		return BuiltinAck(AckTemplate{}), nil
	case err != nil:
		return AckTemplate{}, err
	case t.Builtin:
		return BuiltinAck(t), nil
	}
	return t, nil
}

// Put saves subject and text as the next version, once ValidateAck accepts
// them (nothing is stored otherwise); builtin (subject and text ignored)
// goes back to the built-in template.
func (s *AckTemplates) Put(ctx context.Context, subject, text string, builtin bool) (AckTemplate, error) {
	a, ok := srok.ActorFrom(ctx)
	if !ok {
		return AckTemplate{}, srok.Errorf(srok.EUNAUTHENTICATED, "sign in first")
	}
	if !a.Can(srok.ActOrganisationManage) {
		if s.audit != nil {
			_ = s.audit.Record(ctx, audit.Entry{Action: audit.ActionLetterTemplate, Outcome: audit.OutcomeDenied, Detail: "ack: role " + string(a.Role)})
		}
		return AckTemplate{}, &srok.Error{Code: srok.EFORBIDDEN, Message: "your role (" + string(a.Role) + ") may not do this: change the acknowledgement's template"}
	}
	t := AckTemplate{Builtin: builtin, SavedAt: s.now().UTC(), SavedBy: a.ID, SaverName: a.Name}
	if !builtin {
		// A text typed in a browser's textarea comes with CRLF.
		text = strings.ReplaceAll(text, "\r\n", "\n")
		if err := ValidateAck(subject, text); err != nil {
			return AckTemplate{}, err
		}
		t.Subject, t.Text = strings.TrimSpace(subject), text
	}
	var trail []*audit.Entry
	if s.audit != nil {
		detail := "ack: built-in"
		if !builtin {
			detail = "ack: " + strconv.Itoa(utf8.RuneCountInString(t.Text)) + " characters"
		}
		var err error
		if trail, err = s.audit.Prepare(ctx, audit.Entry{Action: audit.ActionLetterTemplate, Outcome: audit.OutcomeOK, Detail: detail}); err != nil {
			return AckTemplate{}, err
		}
	}
	if err := s.store.AddAckTemplate(ctx, &t, trail); err != nil {
		return AckTemplate{}, err
	}
	if builtin {
		t = BuiltinAck(t)
	}
	return t, nil
}
