package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/letters"
	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/mailer/mailertest"
	"github.com/srok/srok/pkg/organisation"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/storetest"
)

// issuing is a register, the operator's details and the issuer on a
// test's store.
type issuing struct {
	st     *store.Store
	reg    storetest.Register
	issuer *organisation.Issuer
}

func newIssuing(t *testing.T, st *store.Store) issuing { return newIssuingTB(t, st) }

func newIssuingTB(t testing.TB, st *store.Store) issuing {
	t.Helper()
	reg := storetest.NewRegister(st)
	trail := audit.NewService(st, reg.Clock.Now)
	reg.Service = register.NewService(st, storetest.Calendar, storetest.Moscow, reg.Clock.Now, register.WithAudit(trail))
	org := organisation.NewService(st, trail, reg.Clock.Now)
	admin := srok.WithActor(context.Background(), srok.Actor{ID: "a1", Name: "Админ", UserID: "a1", Role: srok.RoleAdmin})
	d := sampleDetails()
	for i := range d.Records {
		r := &d.Records[i]
		r.Data, r.Source, r.Subjects, r.Methods = "ФИО, телефон", "от субъекта", "клиенты", "автоматизированная"
		r.ProcessingTerm, r.StorageTerm, r.Recipients, r.CrossBorder, r.Processors = "срок договора", "5 лет", "нет", "нет", "нет"
	}
	if _, err := org.Put(admin, d); err != nil {
		t.Fatal(err)
	}
	return issuing{st: st, reg: reg, issuer: organisation.NewIssuer(organisation.NewLetters(org, reg.Service), reg.Service, st)}
}

// request registers an access request from a subject with an email and
// takes it in work.
func (is issuing) request(t *testing.T, email string) *register.Request {
	return is.requestTB(t, email)
}

func (is issuing) requestTB(t testing.TB, email string) *register.Request {
	t.Helper()
	r := storetest.MustCreate(t, is.reg.Service, is.reg.Ctx, storetest.Access("Иван Петров", email, "2026-11-24T10:00:00+03:00"))
	r, err := is.reg.Service.Assign(is.reg.Ctx, r.ID, 0, "Officer One")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Issuing numbers letters gaplessly per year in the operator's format,
// keeps both files exactly as issued, and performs the letter's action in
// the same transaction: an extension extends, an answer answers with the
// outgoing number and the letter as its reference, each with a
// letter_issued event and its audit entry; a letter by email is queued.
func TestIssueLetter(t *testing.T) {
	storetest.EachServing(t, func(t *testing.T, st *store.Store) {
		is := newIssuing(t, st)
		r := is.request(t, "ivan@example.ru")
		ctx := is.reg.Ctx

		ext, err := is.issuer.Issue(ctx, r.ID, letters.KindExtension, organisation.IssueInput{Delivery: "paper",
			LetterOptions: organisation.LetterOptions{Reasons: "нужны сведения из архива"}})
		if err != nil {
			t.Fatal(err)
		}
		if ext.Number != "ПДн-2026/0001" || ext.Seq != 1 || ext.Delivery != organisation.DeliveryPaper || ext.PostedOn != nil {
			t.Fatalf("extension: %+v", ext)
		}
		got, err := is.reg.Service.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Extension == nil || got.Extension.Reasons != "нужны сведения из архива" || got.Extension.Channel != register.ChannelPost {
			t.Fatalf("the extension was not performed: %+v", got.Extension)
		}

		ans, err := is.issuer.Issue(ctx, r.ID, letters.KindAnswer, organisation.IssueInput{Delivery: "email"})
		if err != nil {
			t.Fatal(err)
		}
		if ans.Number != "ПДн-2026/0002" || ans.Email.To != "ivan@example.ru" || ans.Email.Status != organisation.EmailQueued {
			t.Fatalf("answer: %+v", ans)
		}
		got, err = is.reg.Service.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		today := calendar.DateOf(is.reg.Clock.Now().In(storetest.Moscow))
		if got.Status != register.StatusAnswered || got.Answer == nil || got.Answer.Number != "ПДн-2026/0002" ||
			got.Answer.Date != today || got.Answer.Outcome != register.OutcomeFulfilled ||
			got.Answer.Reference != "письмо исх. № ПДн-2026/0002 от 25.11.2026" {
			t.Fatalf("the answer was not performed: %s %+v", got.Status, got.Answer)
		}

		_, events, err := is.reg.Service.Timeline(ctx, r.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var issued []register.Event
		for _, e := range events {
			if e.Kind == register.EventLetterIssued {
				issued = append(issued, e)
			}
			if e.Kind == register.EventAnswered && e.After["number"] != "ПДн-2026/0002" {
				t.Errorf("the answered event has number %v", e.After["number"])
			}
		}
		if len(issued) != 2 || issued[0].After["number"] != "ПДн-2026/0001" || issued[1].After["kind"] != "answer" ||
			issued[1].After["delivery"] != "email" || issued[1].After["letter_id"] != ans.ID {
			t.Fatalf("letter_issued events: %+v", issued)
		}

		list, err := is.issuer.Letters(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != ext.ID || list[1].ID != ans.ID || list[0].PDF != nil ||
			list[1].PDFSize == 0 || list[1].DOCXSize == 0 || list[1].Email.Status != organisation.EmailQueued {
			t.Fatalf("list: %+v", list)
		}
		// The files come back byte for byte, as hashed when issued.
		one, err := is.issuer.Letter(ctx, r.ID, ans.ID, organisation.FormatPDF)
		if err != nil {
			t.Fatal(err)
		}
		if sha(one.PDF) != ans.PDFSHA256 || sha(one.DOCX) != ans.DOCXSHA256 || len(one.PDF) != ans.PDFSize ||
			!bytes.HasPrefix(one.PDF, []byte("%PDF")) || !bytes.HasPrefix(one.DOCX, []byte("PK")) {
			t.Fatalf("stored files differ from those issued")
		}
		// Issued later, the same letter is not rendered again.
		is.reg.Clock.Set(is.reg.Clock.Now().Add(48 * time.Hour))
		again, err := is.issuer.Letter(ctx, r.ID, ans.ID, organisation.FormatDOCX)
		if err != nil || !bytes.Equal(again.PDF, one.PDF) || !bytes.Equal(again.DOCX, one.DOCX) {
			t.Fatalf("read again: %v", err)
		}

		entries, err := st.ListAudit(context.Background(), audit.Filter{Action: audit.ActionLetterIssue, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].RequestID != r.ID {
			t.Fatalf("audit entries: %+v", entries)
		}
	})
}

// A letter whose action is not allowed now is refused with the register's
// reason and leaves nothing: no letter, no event, no number used; so is
// one that lacks what it must say, or a letter by email to a subject
// without an address (422 naming the field).
func TestIssueRefusedLeavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		is := newIssuing(t, st)
		ctx := is.reg.Ctx
		fresh := storetest.MustCreate(t, is.reg.Service, ctx, storetest.Access("Иван Петров", "ivan@example.ru", "2026-11-24T10:00:00+03:00"))
		_, err := is.issuer.Issue(ctx, fresh.ID, letters.KindAnswer, organisation.IssueInput{Delivery: "paper"})
		if e := (*srok.Error)(nil); !errors.As(err, &e) || e.Code != srok.ECONFLICT || e.Reason != "transition_forbidden" {
			t.Fatalf("an answer to a new request: %v", err)
		}
		r := is.request(t, "ivan@example.ru")
		_, err = is.issuer.Issue(ctx, r.ID, letters.KindRefusal, organisation.IssueInput{Delivery: "paper",
			LetterOptions: organisation.LetterOptions{Reasons: "повторный запрос"}})
		if srok.ErrorCode(err) != srok.EINVALID {
			t.Fatalf("a refusal without its ground: %v", err)
		}
		noEmail := storetest.MustCreate(t, is.reg.Service, ctx, register.Input{Type: "access", Channel: "post",
			ReceivedAt: "2026-11-24T10:00:00+03:00", Subject: register.SubjectInput{Name: "Анна", PostalAddress: "Москва"}})
		_, err = is.issuer.Issue(ctx, noEmail.ID, letters.KindDetailsRequest, organisation.IssueInput{Delivery: "email"})
		if e := (*srok.Error)(nil); !errors.As(err, &e) || e.Code != srok.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "delivery" {
			t.Fatalf("by email without an address: %v", err)
		}
		for _, id := range []string{fresh.ID, r.ID, noEmail.ID} {
			if list, err := is.issuer.Letters(ctx, id); err != nil || len(list) != 0 {
				t.Fatalf("letters stored: %v %v", list, err)
			}
		}
		got, err := is.reg.Service.Get(ctx, r.ID)
		if err != nil || got.Status != register.StatusInProgress {
			t.Fatalf("the refused refusal changed the request: %v %v", got.Status, err)
		}
		// A failure inside the issuing transaction, after the number was
		// taken, gives it back.
		err = st.IssueLetter(ctx, &organisation.Issue{Letter: &organisation.IssuedLetter{IssuedOn: calendar.NewDate(2026, 11, 25)},
			Build: func(string) error { return errors.New("the renderer failed") }})
		if err == nil {
			t.Fatal("a failed build was stored")
		}
		l, err := is.issuer.Issue(ctx, r.ID, letters.KindDetailsRequest, organisation.IssueInput{Delivery: "paper", PostedOn: "2026-11-25", Tracking: "14500012345678"})
		if err != nil {
			t.Fatal(err)
		}
		if l.Seq != 1 || l.Number != "ПДн-2026/0001" || l.PostedOn == nil || l.Tracking != "14500012345678" {
			t.Fatalf("the first letter after the failures: %+v", l)
		}
		// A request for details performs no action: the term keeps running.
		if got, _ := is.reg.Service.Get(ctx, r.ID); got.Status != register.StatusInProgress || got.Answer != nil {
			t.Fatalf("a request for details changed the request: %v", got.Status)
		}
	})
}

// Concurrent issues on PostgreSQL take every number once, with no gap.
func TestIssueNumbersConcurrent(t *testing.T) {
	st := storetest.MustOpen(t, store.Postgres)
	is := newIssuing(t, st)
	const n = 12
	reqs := make([]*register.Request, n)
	for i := range reqs {
		reqs[i] = is.request(t, fmt.Sprintf("s%d@example.ru", i))
	}
	var wg sync.WaitGroup
	seqs := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Two letters per request: the second races the first on the
			// request's version as well as on the counter.
			kind := letters.KindDetailsRequest
			l, err := is.issuer.Issue(is.reg.Ctx, reqs[i%(n/2)].ID, kind, organisation.IssueInput{Delivery: "paper"})
			if err == nil {
				seqs[i] = l.Seq
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	seen := map[int]bool{}
	for i, s := range seqs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		seen[s] = true
	}
	for s := 1; s <= n; s++ {
		if !seen[s] {
			t.Fatalf("number %d is missing: %v", s, seqs)
		}
	}
}

// A letter issued by email is sent once through a real SMTP server, the
// PDF attached as issued, Reply-To the operator's address, the subject in
// Russian with the number; a 4xx is retried later, and the subject's reply
// finds the request through the letter's Message-ID.
func TestLetterOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		is := newIssuing(t, st)
		ctx := is.reg.Ctx
		r := is.request(t, "ivan@example.ru")
		l, err := is.issuer.Issue(ctx, r.ID, letters.KindAnswer, organisation.IssueInput{Delivery: "email"})
		if err != nil {
			t.Fatal(err)
		}
		sink := mailertest.Start(t)
		sender, err := mailer.New(mailer.Config{Host: sink.Host(), Port: sink.Port(), TLS: mailer.TLSNone,
			From: "Srok <srok@example.ru>", Timeout: 5 * time.Second, HELO: "srok.test"})
		if err != nil {
			t.Fatal(err)
		}
		out := &remind.LetterSender{Store: st, Sender: sender, Now: is.reg.Clock.Now, Domain: "example.ru"}
		sink.RefuseNext(1)
		if err := out.Round(ctx); err != nil || sink.Count() != 0 {
			t.Fatalf("sent despite the refusal: %v %d", err, sink.Count())
		}
		one, _ := is.issuer.Letter(ctx, r.ID, l.ID, organisation.FormatPDF)
		if one.Email.Status != organisation.EmailQueued || one.Email.Attempts != 1 || one.Email.LastError == "" {
			t.Fatalf("after a refusal: %+v", one.Email)
		}
		if err := out.Round(ctx); err != nil || sink.Count() != 0 {
			t.Fatalf("retried before its time: %v %d", err, sink.Count())
		}
		is.reg.Clock.Set(is.reg.Clock.Now().Add(2 * time.Minute))
		for range 3 {
			if err := out.Round(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if sink.Count() != 1 {
			t.Fatalf("letters sent: %d, want 1", sink.Count())
		}
		got := sink.Mail()[0]
		msg, err := mail.ReadMessage(bytes.NewReader(got.Raw))
		if err != nil {
			t.Fatal(err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		parsed := intake.Parse(got.Raw)
		if got.To[0] != "ivan@example.ru" || subject != "Ответ на запрос, исх. № ПДн-2026/0001 от 25.11.2026 (обращение № "+r.Number+")" ||
			msg.Header.Get("Reply-To") != "<privacy@romashka.example>" {
			t.Fatalf("sent to %v, subject %q, Reply-To %q", got.To, subject, msg.Header.Get("Reply-To"))
		}
		if len(parsed.Attachments) != 1 || parsed.Attachments[0].Filename != "answer-2026-0001.pdf" {
			t.Fatalf("attachments: %+v", parsed.Attachments)
		}
		_, pdf, _ := intake.AttachmentBytes(got.Raw, 0)
		if !bytes.Equal(pdf, one.PDF) {
			t.Fatal("the attached PDF is not the letter as issued")
		}
		one, _ = is.issuer.Letter(ctx, r.ID, l.ID, organisation.FormatPDF)
		if one.Email.Status != organisation.EmailSent || one.Email.SentAt == nil || one.Email.MessageID != parsed.MessageID {
			t.Fatalf("after sending: %+v (sent %q)", one.Email, parsed.MessageID)
		}
		ids, err := st.RequestsBySentMessage(ctx, []string{parsed.MessageID})
		if err != nil || len(ids) != 1 || ids[0] != r.ID {
			t.Fatalf("the reply would not find the request: %v %v", ids, err)
		}
	})
}

// An issued letter's files and number cannot be changed or the letter
// deleted, even by hand in SQL; its delivery may move on.
func TestIssuedLetterKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		is := newIssuing(t, st)
		r := is.request(t, "ivan@example.ru")
		l, err := is.issuer.Issue(is.reg.Ctx, r.ID, letters.KindDetailsRequest, organisation.IssueInput{Delivery: "paper"})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			"UPDATE issued_letters SET pdf = docx WHERE id = '" + l.ID + "'",
			"UPDATE issued_letters SET number = 'forged' WHERE id = '" + l.ID + "'",
			"DELETE FROM issued_letters WHERE id = '" + l.ID + "'",
		} {
			if _, err := st.SQL().Exec(q); err == nil || !strings.Contains(err.Error(), "kept as issued") {
				t.Errorf("%s: %v, want the refusal", q, err)
			}
		}
		if _, err := st.SQL().Exec("UPDATE issued_letters SET tracking = '1' WHERE id = '" + l.ID + "'"); err != nil {
			t.Errorf("the post cannot be recorded: %v", err)
		}
		one, err := is.issuer.Letter(is.reg.Ctx, r.ID, l.ID, organisation.FormatPDF)
		if err != nil || sha(one.PDF) != l.PDFSHA256 || one.Number != l.Number {
			t.Fatalf("the letter changed: %v", err)
		}
	})
}

// A refusal issued by an officer refuses the request citing its ground, the
// letter's number its number; an operator may not issue one.
func TestIssueRefusal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		is := newIssuing(t, st)
		r := is.request(t, "ivan@example.ru")
		in := organisation.IssueInput{Delivery: "paper", LetterOptions: organisation.LetterOptions{Reasons: "повторный запрос в течение 30 дней",
			Ground: "ч. 5 ст. 14 Федерального закона № 152-ФЗ"}}
		op := srok.WithActor(context.Background(), srok.Actor{ID: "o1", Name: "Оператор", UserID: "o1", Role: srok.RoleOperator})
		if _, err := is.issuer.Issue(op, r.ID, letters.KindRefusal, in); srok.ErrorCode(err) != srok.EFORBIDDEN {
			t.Fatalf("an operator's refusal: %v", err)
		}
		l, err := is.issuer.Issue(is.reg.Ctx, r.ID, letters.KindRefusal, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := is.reg.Service.Get(is.reg.Ctx, r.ID)
		if err != nil || got.Status != register.StatusRefused || got.Answer.Number != l.Number || l.Seq != 1 ||
			got.Answer.Text != "Основание: ч. 5 ст. 14 Федерального закона № 152-ФЗ. повторный запрос в течение 30 дней" {
			t.Fatalf("refused: %v %+v", err, got.Answer)
		}
	})
}
