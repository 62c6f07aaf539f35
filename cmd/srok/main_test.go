package main

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinary builds the real srok binary and runs it as a user would: the
// process wiring of main (arguments, output streams, exit codes) works.
func TestBinary(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build the binary")
	}
	bin := filepath.Join(t.TempDir(), "srok")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	runBin := func(args ...string) (code int, stdout, stderr string) {
		var out, errb bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		cmd.Env = []string{"PATH=/usr/bin:/bin"} // no TZ, no ZONEINFO, no SROK_ settings
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), out.String(), errb.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, out.String(), errb.String()
	}

	code, out, errOut := runBin("deadline", "--type", "access", "--trigger", "2026-04-29T02:00:00+10:00", "--tz", "Asia/Vladivostok", "--json")
	if code != 0 || errOut != "" || !strings.Contains(out, `"due_date": "2026-05-15"`) || !strings.Contains(out, `"time_zone": "Asia/Vladivostok"`) {
		t.Errorf("deadline: exit %d, stdout %s, stderr %s", code, out, errOut)
	}
	code, out, errOut = runBin("deadline", "--type", "complaint", "--trigger", "2026-04-30")
	if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "srok deadline: unknown --type") {
		t.Errorf("bad type: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = runBin("calendar", "--year", "2026")
	if code != 0 || !strings.Contains(out, "Working days: 247") {
		t.Errorf("calendar: exit %d, stdout %.200s", code, out)
	}
}
