package register

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/srok/srok/pkg/srok"
)

var msk = func() *time.Location {
	l, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		panic(err)
	}
	return l
}()

func validInput() Input {
	return Input{Type: "access", Channel: "email", ReceivedAt: "2026-11-20T10:00:00+03:00",
		Subject: SubjectInput{Name: "Иван", Email: "ivan@example.ru"}}
}

func TestValidate(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, msk)
	tests := []struct {
		name   string
		change func(*Input)
		fields []string // offending fields; none: valid
	}{
		{"valid", func(*Input) {}, nil},
		{"date only", func(in *Input) { in.ReceivedAt = "2026-11-20" }, nil},
		{"local time", func(in *Input) { in.ReceivedAt = "2026-11-20T10:00" }, nil},
		{"no type", func(in *Input) { in.Type = "" }, []string{"type"}},
		{"unknown type", func(in *Input) { in.Type = "acces" }, []string{"type"}},
		{"no channel", func(in *Input) { in.Channel = "" }, []string{"channel"}},
		{"unknown channel", func(in *Input) { in.Channel = "fax" }, []string{"channel"}},
		{"unknown answer form", func(in *Input) { in.AnswerForm = "pigeon" }, []string{"answer_form"}},
		{"no received_at", func(in *Input) { in.ReceivedAt = "" }, []string{"received_at"}},
		{"malformed received_at", func(in *Input) { in.ReceivedAt = "20.11.2026" }, []string{"received_at"}},
		{"impossible date", func(in *Input) { in.ReceivedAt = "2026-02-30" }, []string{"received_at"}},
		{"future", func(in *Input) { in.ReceivedAt = "2026-11-26T10:00:00+03:00" }, []string{"received_at"}},
		{"ancient", func(in *Input) { in.ReceivedAt = "1999-12-31" }, []string{"received_at"}},
		{"bad zone", func(in *Input) { in.TimeZone = "Moscow" }, []string{"time_zone"}},
		{"Local zone", func(in *Input) { in.TimeZone = "Local" }, []string{"time_zone"}},
		{"no subject name, an email", func(in *Input) { in.Subject.Name = " " }, nil},
		{"no name, no contact", func(in *Input) { in.Subject.Name = ""; in.Subject.Email = "" }, []string{"subject", "subject.name"}},
		{"no contact", func(in *Input) { in.Subject.Email = "" }, []string{"subject"}},
		{"postal only", func(in *Input) { in.Subject.Email = ""; in.Subject.PostalAddress = "Москва" }, nil},
		{"bad email", func(in *Input) { in.Subject.Email = "ivan at example" }, []string{"subject.email"}},
		{"email with name", func(in *Input) { in.Subject.Email = "Ivan <ivan@example.ru>" }, []string{"subject.email"}},
		{"bad phone", func(in *Input) { in.Subject.Phone = "call me" }, []string{"subject.phone"}},
		{"short phone", func(in *Input) { in.Subject.Phone = "12-34" }, []string{"subject.phone"}},
		{"representative without authority", func(in *Input) { in.Representative = &RepresentativeInput{Name: "Пётр"} }, []string{"representative.authority"}},
		{"bad document date", func(in *Input) { in.Identity = &IdentityInput{DocumentDate: "04.03.2015"} }, []string{"identity.document_date"}},
		{"future document date", func(in *Input) { in.Identity = &IdentityInput{DocumentDate: "2030-01-01"} }, []string{"identity.document_date"}},
		{"long name", func(in *Input) { in.Subject.Name = strings.Repeat("я", 301) }, []string{"subject.name"}},
		{"control characters", func(in *Input) { in.Summary = "a\x00b" }, []string{"summary"}},
		{"invalid UTF-8", func(in *Input) { in.Summary = "\xff" }, []string{"summary"}},
		{"evidence on access", func(in *Input) { in.EvidenceReceivedAt = "2026-11-21" }, []string{"evidence_received_at"}},
		{"evidence before receipt", func(in *Input) { in.Type = "erasure"; in.EvidenceReceivedAt = "2026-11-19" }, []string{"evidence_received_at"}},
		{"evidence later", func(in *Input) { in.Type = "erasure"; in.EvidenceReceivedAt = "2026-11-23T09:00:00+03:00" }, nil},
		{"incident needs a time", func(in *Input) { in.Type = "incident"; in.ReceivedAt = "2026-11-20" }, []string{"received_at"}},
		{"incident needs no subject", func(in *Input) { in.Type = "incident"; in.Subject = SubjectInput{} }, nil},
		{"several at once", func(in *Input) { in.Type = ""; in.Channel = ""; in.Subject.Email = "x" }, []string{"type", "channel", "subject.email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			tt.change(&in)
			p, err := validate(in, msk, now)
			if len(tt.fields) == 0 {
				if err != nil {
					t.Fatalf("valid input refused: %v", err)
				}
				if p.Loc == nil || p.ReceivedAt.IsZero() {
					t.Fatalf("parsed %+v", p)
				}
				return
			}
			var se *srok.Error
			if !errors.As(err, &se) || se.Code != srok.EINVALID {
				t.Fatalf("error %v, want EINVALID", err)
			}
			var got []string
			for _, f := range se.Fields {
				if f.Problem == "" {
					t.Errorf("field %s without a problem", f.Field)
				}
				got = append(got, f.Field)
			}
			for _, want := range tt.fields {
				if !slices.Contains(got, want) {
					t.Errorf("fields %v, want %s among them", got, want)
				}
			}
		})
	}
}

func TestAnswerFormDefaultsToChannel(t *testing.T) {
	in := validInput()
	in.Channel = "post"
	p, err := validate(in, msk, time.Date(2026, 11, 25, 0, 0, 0, 0, msk))
	if err != nil || p.AnswerForm != ChannelPost {
		t.Fatalf("answer form %q, %v; want post (152-FZ art. 14 part 3)", p.AnswerForm, err)
	}
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"+7 (912) 345-67-89": "+79123456789",
		"8 912 345 67 89":    "+79123456789",
		"79123456789":        "+79123456789",
		"+44 20 7946 0958":   "+442079460958",
		"12345":              "",
		"+7 912 abc":         "",
		"7+9123456789":       "",
	} {
		if got := NormalizePhone(in); got != want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", in, got, want)
		}
	}
}
