package api

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/srok/srok/pkg/store/pgtest"
)

func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	// A run of a few tests (-run) logs little: the log is still checked,
	// but need not be long.
	whole := flag.Lookup("test.run").Value.String() == ""
	if code == 0 {
		if err := checkLogs(suiteLogs.String(), whole); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL: the log of the whole HTTP suite:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// suiteLogs collects the log of every harness of the suite.
var suiteLogs syncBuffer

// secretsInLogs are the patterns of what must never reach the log: API and
// setup tokens, the tests' password, the subjects' emails (every test
// address is @example.ru), their phones, and any Cyrillic text (subjects'
// names; Srok's log messages are English).
var secretsInLogs = []struct {
	what string
	re   *regexp.Regexp
}{
	{"an API or setup token", regexp.MustCompile(`srok_[A-Za-z0-9_-]{10,}`)},
	{"the password", regexp.MustCompile(`correct horse battery staple`)},
	{"an email address", regexp.MustCompile(`(?i)[a-z0-9._%+-]+@example\.ru`)},
	{"a phone number", regexp.MustCompile(`\+7[\d\s()-]{9,}`)},
	{"a session id", regexp.MustCompile(`srok_session=`)},
}

// checkLogs fails on any seeded secret or subject's data in log, which must
// not be short when whole (a suite that logged nothing proves nothing).
func checkLogs(log string, whole bool) error {
	if whole && (len(log) < 10_000 || !strings.Contains(log, `"msg":"http"`)) {
		return fmt.Errorf("only %d bytes were logged: the check needs the suite's log", len(log))
	}
	for _, s := range secretsInLogs {
		if m := s.re.FindString(log); m != "" {
			return fmt.Errorf("%s reached the log: %.40q…", s.what, m)
		}
	}
	if i := strings.IndexFunc(log, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }); i >= 0 {
		return fmt.Errorf("Cyrillic text (a subject's name?) reached the log: %.80q", log[max(0, i-40):])
	}
	return nil
}

// The check itself finds what it looks for.
func TestCheckLogsFindsSecrets(t *testing.T) {
	base := strings.Repeat(`{"msg":"http","route":"/api/v1/requests"}`+"\n", 400)
	if err := checkLogs(base, true); err != nil {
		t.Fatalf("a clean log: %v", err)
	}
	for _, leak := range []string{"srok_AbCdEfGhIjKlMnOp", "Bearer srok_setup_0123456789ab", "ivan@example.ru",
		"+7 912 000-00-00", "Иван Петров", "correct horse battery staple", "srok_session=abc"} {
		if err := checkLogs(base+`{"msg":"x","v":"`+leak+`"}`, true); err == nil {
			t.Errorf("%q was not found", leak)
		}
	}
	if err := checkLogs(`{"msg":"http"}`, true); err == nil {
		t.Error("an empty log passed")
	}
}
