package web

import (
	"testing"
	"time"
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
