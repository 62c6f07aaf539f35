package web

import (
	"testing"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/register"
)

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{
		0: "минут", 1: "минуту", 2: "минуты", 4: "минуты", 5: "минут", 11: "минут", 12: "минут", 14: "минут",
		15: "минут", 21: "минуту", 22: "минуты", 25: "минут", 101: "минуту", 111: "минут", 112: "минут", 1024: "минуты",
	} {
		if got := plural(n, "минуту", "минуты", "минут"); got != want {
			t.Errorf("%d: %s, want %s", n, got, want)
		}
	}
}

func TestRetryIn(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 30, 0, time.FixedZone("MSK", 3*3600))
	for d, want := range map[time.Duration]string{
		time.Microsecond:                  "через 1 секунду",
		30 * time.Second:                  "через 30 секунд",
		59*time.Second + time.Millisecond: "через 1 минуту (в 09:02)",
		time.Minute:                       "через 1 минуту (в 09:02)",
		3 * time.Minute:                   "через 3 минуты (в 09:04)",
		14*time.Minute + 30*time.Second:   "через 15 минут (в 09:15)",
		15 * time.Minute:                  "через 15 минут (в 09:16)",
	} {
		if got := retryIn(d, now); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for next, want := range map[string]string{
		"/": "/", "/requests?status=new&page=2": "/requests?status=new&page=2", "/a#b": "/a#b",
		"": "", "requests": "", "//evil.example": "", "/\\evil.example": "", "/\t/evil.example": "",
		"https://evil.example/": "", "javascript:alert(1)": "", "/%zz": "",
	} {
		if got := localPath(next); got != want {
			t.Errorf("localPath(%q) = %q, want %q", next, got, want)
		}
	}
}

func TestRoleNames(t *testing.T) {
	if roleName("admin") != "администратор" || roleName("nobody") != "nobody" {
		t.Error(roleName("admin"), roleName("nobody"))
	}
}

func TestWorkingDays(t *testing.T) {
	for n, want := range map[int]string{
		0: "0 рабочих дней", 1: "1 рабочий день", 2: "2 рабочих дня", 3: "3 рабочих дня", 4: "4 рабочих дня",
		5: "5 рабочих дней", 11: "11 рабочих дней", 12: "12 рабочих дней", 21: "21 рабочий день", 22: "22 рабочих дня",
		25: "25 рабочих дней", 111: "111 рабочих дней",
	} {
		if got := workingDays(n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int]string{1: "1 день", 3: "3 дня", 5: "5 дней", 11: "11 дней", 21: "21 день", 0: "0 дней"} {
		if got := dayCount(n); got != want {
			t.Errorf("dayCount(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int]string{1: "1 обращение", 2: "2 обращения", 7: "7 обращений", 14: "14 обращений", 31: "31 обращение"} {
		if got := requestCount(n); got != want {
			t.Errorf("requestCount(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestRuDate(t *testing.T) {
	if got := ruDate(calendar.NewDate(2026, time.May, 8)); got != "08.05.2026" {
		t.Errorf("ruDate: %q", got)
	}
	msk := time.FixedZone("MSK", 3*3600)
	if got := ruTime(time.Date(2026, 5, 18, 11, 30, 0, 0, time.UTC), msk); got != "18.05.2026 14:30" {
		t.Errorf("ruTime: %q", got)
	}
}

// Every type, status, channel and event kind has a Russian name.
func TestRussianNames(t *testing.T) {
	for _, ty := range deadlines.RequestTypes() {
		if typeName(ty) == string(ty) {
			t.Errorf("type %s has no Russian name", ty)
		}
		obls, _ := deadlines.ObligationsOf(ty)
		for _, o := range obls {
			if obligationName(o.ID) == o.ID {
				t.Errorf("obligation %s has no Russian name", o.ID)
			}
		}
	}
	for _, s := range register.Statuses() {
		if statusName(s) == string(s) {
			t.Errorf("status %s has no Russian name", s)
		}
	}
	for _, c := range register.Channels() {
		if channelName(c) == string(c) {
			t.Errorf("channel %s has no Russian name", c)
		}
	}
	for _, r := range register.CancelReasons() {
		if cancelReasonNames[r] == "" {
			t.Errorf("cancel reason %s has no Russian name", r)
		}
	}
}

func TestBasisName(t *testing.T) {
	for in, want := range map[string]string{
		"152-FZ art. 20 part 1":          "ч. 1 ст. 20 152-ФЗ",
		"152-FZ art. 21 part 3.1 item 2": "п. 2 ч. 3.1 ст. 21 152-ФЗ",
		"152-FZ art. 10.1 part 14":       "ч. 14 ст. 10.1 152-ФЗ",
		"152-FZ art. 16":                 "ст. 16 152-ФЗ",
		"Civil Code art. 191":            "Civil Code art. 191",
	} {
		if got := basisName(in); got != want {
			t.Errorf("basisName(%q) = %q, want %q", in, got, want)
		}
	}
	for _, o := range deadlines.AllObligations() {
		if got := basisName(o.Basis); got == o.Basis {
			t.Errorf("the basis of %s, %q, is not put in Russian", o.ID, o.Basis)
		}
	}
}
