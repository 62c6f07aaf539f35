package intake

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/deadlines"
)

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestParseFixtures(t *testing.T) {
	type att struct{ name, ct string }
	tests := []struct {
		file      string
		messageID string
		fromName  string
		fromEmail string
		date      string // RFC 3339 with the header's offset; "" for none
		subject   string
		text      []string // parts the text contains
		notText   []string // parts it must not contain
		suggested deadlines.RequestType
		atts      []att
		warning   string // a part of some warning; "" for no warnings at all
	}{
		{file: "utf8_plain.eml", messageID: "utf8-plain-1@example.ru", fromName: "Иван Петров", fromEmail: "ivan@example.ru",
			date: "2026-11-24T14:05:00+05:00", subject: "Отзыв согласия на обработку",
			text: []string{"Настоящим отзываю согласие на обработку моих персональных данных."}, suggested: deadlines.TypeWithdrawal},
		{file: "cp1251_qp.eml", messageID: "cp1251-qp-1@example.ru", fromName: "Мария Сидорова", fromEmail: "maria@example.ru",
			date: "2026-11-23T09:30:00+03:00", subject: "Удаление данных",
			text: []string{"Прошу удалить мои персональные данные из вашей базы.", "С уважением, Мария Сидорова"}, suggested: deadlines.TypeErasure},
		{file: "koi8r_base64.eml", messageID: "koi8r-b64-1@example.ru", fromName: "Пётр Смирнов", fromEmail: "petr@example.ru",
			date: "2026-11-22T23:59:59-01:00", subject: "Уточнение персональных данных",
			text: []string{"Прошу исправить неточность в фамилии"}, suggested: deadlines.TypeRectification},
		{file: "alternative.eml", messageID: "alt-1@example.ru", fromName: "Anna", fromEmail: "anna@example.ru",
			date: "2026-11-25T10:00:00+03:00", subject: "Запрос",
			text: []string{"Прошу предоставить сведения об обработке моих персональных данных."}, notText: []string{"<b>", "<p>"},
			suggested: deadlines.TypeAccess},
		{file: "html_only.eml", messageID: "html-only-1@example.ru", fromName: "Olga", fromEmail: "olga@example.ru",
			date: "2026-11-19T16:45:10+03:00", subject: "Обращение",
			text: []string{"прекратить обработку", "Ольга"}, notText: []string{"<div>", "<i>", "</body>"}, suggested: deadlines.TypeStop},
		{file: "attachment_rfc2231.eml", messageID: "att-2231-1@example.ru", fromName: "Сергей", fromEmail: "sergey@example.ru",
			date: "2026-11-20T08:00:00+03:00", subject: "Запрос сведений",
			text: []string{"Прошу ознакомить меня"}, notText: []string{"Заявление об"}, suggested: deadlines.TypeAccess,
			atts: []att{{"Паспорт скан.pdf", "application/pdf"}, {"Заявление.txt", "text/plain"}}},
		{file: "forwarded.eml", messageID: "fwd-1@example.com", fromName: "Елена Кузнецова", fromEmail: "elena@example.ru",
			date: "2026-11-16T07:15:00+07:00", subject: "Прошу удалить мой аккаунт",
			text:      []string{"Пересылаю обращение клиента.", "Прошу удалить мой аккаунт и все мои данные.", "Елена"},
			suggested: deadlines.TypeErasure, atts: []att{{"request.eml", "message/rfc822"}}},
		{file: "truncated_mime.eml", messageID: "trunc-1@example.ru", fromName: "Trunc", fromEmail: "trunc@example.ru",
			date: "2026-11-21T12:00:00+03:00", subject: "Отзыв согласия", text: []string{"Отзываю согласие."},
			suggested: deadlines.TypeWithdrawal, atts: []att{{"a.pdf", "application/pdf"}}, warning: "Boundary"},
		{file: "unknown_charset.eml", messageID: "unknown-cs-1@example.ru", fromName: "Unknown", fromEmail: "unknown@example.ru",
			date: "2026-11-21T12:00:00+03:00", text: []string{"please delete my data"}, warning: "harset"},
		{file: "no_from.eml", messageID: "no-from-1@example.ru", subject: "Информация",
			text: []string{"Прошу предоставить информацию"}, suggested: deadlines.TypeAccess, warning: "no sender"},
		{file: "garbage.eml", warning: "no sender"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw := mustRead(t, tt.file)
			e := Parse(raw)
			if e.MessageID != tt.messageID {
				t.Errorf("message id %q, want %q", e.MessageID, tt.messageID)
			}
			switch {
			case tt.fromEmail == "" && e.From != nil:
				t.Errorf("from %+v, want none", e.From)
			case tt.fromEmail != "" && e.From == nil:
				t.Errorf("no from, want %s", tt.fromEmail)
			case tt.fromEmail != "" && (e.From.Email != tt.fromEmail || e.From.Name != tt.fromName):
				t.Errorf("from %+v, want %q <%s>", *e.From, tt.fromName, tt.fromEmail)
			}
			switch {
			case tt.date == "" && e.Date != nil:
				t.Errorf("date %v, want none", e.Date)
			case tt.date != "" && e.Date == nil:
				t.Errorf("no date, want %s", tt.date)
			case tt.date != "" && e.Date.Format(time.RFC3339) != tt.date:
				t.Errorf("date %s, want %s", e.Date.Format(time.RFC3339), tt.date)
			}
			if tt.subject != "" && e.Subject != tt.subject {
				t.Errorf("subject %q, want %q", e.Subject, tt.subject)
			}
			for _, s := range tt.text {
				if !strings.Contains(e.Text, s) {
					t.Errorf("text %q lacks %q", e.Text, s)
				}
			}
			for _, s := range tt.notText {
				if strings.Contains(e.Text, s) {
					t.Errorf("text %q has %q", e.Text, s)
				}
			}
			switch {
			case tt.suggested == "" && e.SuggestedType != nil:
				t.Errorf("suggested %s, want nil", *e.SuggestedType)
			case tt.suggested != "" && (e.SuggestedType == nil || *e.SuggestedType != tt.suggested):
				t.Errorf("suggested %v, want %s", e.SuggestedType, tt.suggested)
			}
			var got []att
			for _, a := range e.Attachments {
				got = append(got, att{a.Filename, a.ContentType})
				if a.Size <= 0 {
					t.Errorf("attachment %+v has no size", a)
				}
			}
			if !slices.Equal(got, tt.atts) {
				t.Errorf("attachments %+v, want %+v", got, tt.atts)
			}
			if tt.warning == "" && len(e.Warnings) > 0 {
				t.Errorf("warnings %q, want none", e.Warnings)
			}
			if tt.warning != "" && !slices.ContainsFunc(e.Warnings, func(w string) bool { return strings.Contains(w, tt.warning) }) {
				t.Errorf("warnings %q lack %q", e.Warnings, tt.warning)
			}
			if e.Size != int64(len(raw)) || len(e.SHA256) != 64 {
				t.Errorf("size %d, sha256 %q", e.Size, e.SHA256)
			}
			for i, a := range e.Attachments {
				got, b, ok := AttachmentBytes(raw, i)
				if !ok || got != a || int64(len(b)) != a.Size {
					t.Errorf("attachment %d: %+v, %d bytes, %v; want %+v", i, got, len(b), ok, a)
				}
			}
			if _, _, ok := AttachmentBytes(raw, len(e.Attachments)); ok {
				t.Error("an attachment past the last one")
			}
		})
	}
}

// The PDF attachment comes back byte for byte.
func TestAttachmentBytes(t *testing.T) {
	raw := mustRead(t, "attachment_rfc2231.eml")
	a, b, ok := AttachmentBytes(raw, 0)
	if !ok || a.Filename != "Паспорт скан.pdf" || !bytes.HasPrefix(b, []byte("%PDF-1.4")) || !bytes.HasSuffix(b, []byte("%%EOF\n")) {
		t.Fatalf("%+v %q %v", a, b, ok)
	}
}

// The same message fetched twice differs only in its Received headers and
// line ends: its body hash is the same.
func TestBodyHash(t *testing.T) {
	raw := mustRead(t, "utf8_plain.eml")
	again := append([]byte("Received: from mx2.example.com by mx.example.com; Tue, 24 Nov 2026 14:06:00 +0500\r\n"), raw...)
	lf := bytes.ReplaceAll(again, []byte("\r\n"), []byte("\n"))
	if BodyHash(raw) != BodyHash(again) || BodyHash(raw) != BodyHash(lf) {
		t.Error("the same body hashes differently")
	}
	other := bytes.Replace(raw, []byte("Иван Петров\r\n"), []byte("Пётр Иванов\r\n"), 1)
	if BodyHash(raw) == BodyHash(other) {
		t.Error("another body hashes the same")
	}
}
