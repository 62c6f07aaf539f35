package web

import (
	"context"
	"strconv"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/ru"
	"github.com/srok/srok/pkg/srok"
)

// lettersView is the letters section of a request's page: a letter for each
// kind that applies to the request in its state (organisation.Kinds, on
// register.Check), with what it lacks.
type lettersView struct {
	Items []letterView
	// DetailsMissing are the operator's details the letters lack; Admin
	// says whether the user may fill them in (else they ask an
	// administrator).
	DetailsMissing []string
	Admin          bool
	// Issued are the letters issued for the request, oldest first.
	Issued []issuedView
}

// letterView is one letter: its links, or the form of what it needs.
type letterView struct {
	Kind, Name, Template string
	// PDF opens the letter in the browser, PDFFile and DOCX save it.
	PDF, PDFFile, DOCX string
	// Reasons and Ground: the letter needs them typed (an extension not yet
	// recorded, a refusal); the form sends them to the preview.
	Reasons, Ground bool
	// AskItems: a request for details whose identity details lack nothing
	// the page can tell asks what to request (items separated by «;»).
	AskItems bool
	// Missing is what else it lacks (the subject's address, an answer not
	// yet recorded).
	Missing []string
	// Ready: nothing is missing but what the form asks.
	Ready bool
	// Issue is where «Выпустить» posts, "" when the user may not issue
	// it; Email says whether the subject has an address to send it to,
	// Today the latest date of posting.
	Issue string
	Email bool
	Today string
}

// lettersOf is the letters section of r, nil when no letter applies.
func (s *server) lettersOf(ctx context.Context, a srok.Actor, r *register.Request) (*lettersView, error) {
	if s.letters == nil {
		return nil, nil
	}
	offers, err := s.letters.Offers(ctx, r)
	if err != nil {
		return nil, err
	}
	issued, err := s.issuedOf(ctx, a, r)
	if err != nil {
		return nil, err
	}
	if len(offers) == 0 && len(issued) == 0 {
		return nil, nil
	}
	v := &lettersView{Admin: a.Can(srok.ActOrganisationManage), Issued: issued}
	today := calendar.DateOf(s.now().In(s.reg.Zone())).String()
	seen := map[string]bool{}
	for _, o := range offers {
		base := "/api/v1/requests/" + r.ID + "/letters/" + string(o.Kind)
		lv := letterView{Kind: string(o.Kind), Name: ru.LetterKind(o.Kind), PDF: base + ".pdf", PDFFile: base + ".pdf?download=1",
			DOCX: base + ".docx", Template: "встроенный шаблон"}
		if o.Template.Version > 0 && !o.Template.Builtin {
			lv.Template = "шаблон версии " + strconv.Itoa(o.Template.Version)
		}
		for _, p := range o.Details {
			if !seen[p.Problem] {
				seen[p.Problem] = true
				v.DetailsMissing = append(v.DetailsMissing, p.Problem)
			}
		}
		for _, p := range o.Other {
			switch {
			case p.Field == "extension.reasons" || (o.Kind == letters.KindRefusal && p.Field == "refusal.reasons"):
				lv.Reasons = true
			case p.Field == "refusal.ground":
				lv.Ground = true
			case p.Field == "details.missing":
				lv.AskItems = true
			default:
				lv.Missing = append(lv.Missing, p.Problem)
			}
		}
		lv.Ready = len(o.Details) == 0 && len(lv.Missing) == 0
		if s.issuer != nil && organisation.MayIssue(a, o.Kind) && issuable(r, o.Kind) {
			lv.Issue, lv.Email, lv.Today = "/requests/"+r.ID+"/letters/"+string(o.Kind), r.Subject.Email != "", today
		}
		v.Items = append(v.Items, lv)
	}
	return v, nil
}

// issuable reports whether a letter of kind may be issued for r now: the
// action it performs is allowed in r's state (register.Check), or it
// performs none (a request for details, while the request is open).
func issuable(r *register.Request, kind letters.Kind) bool {
	if n := organisation.ActionOf(kind); n != "" {
		return register.Check(srok.System, r, n).Allowed
	}
	return r.Status.Open()
}
