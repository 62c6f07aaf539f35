//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/srok/srok/deadlines/calendar"
)

// The README's commands are run as a user pastes them, from the repository
// root, with only these documented substitutions.
const (
	// readmeAddr is the service address the README's curl commands name;
	// it becomes the address of the `srok serve --migrate` this test starts.
	readmeAddr = "127.0.0.1:8080"
	// readmeCalendarDir is the README's example calendar folder (and, with
	// /2028.json, file); it becomes a temporary folder holding a made-up
	// 2028 calendar (readmeCalendar2028).
	readmeCalendarDir = "/etc/srok/calendar"
	// readmeBuild is the README's build line: the test runs it first, as
	// written, and every later `bin/srok …` line uses the binary it builds.
	readmeBuild = "go build -o bin/srok ./cmd/srok"
	// readmeServe is the server the README starts (`make run`, or: this
	// line); the test starts it from the same bin/srok.
	readmeServe = "bin/srok serve --migrate"
)

// readmeSkipped are the README commands this test knowingly does not run, and
// why. A `make …` line must be listed here: the test fails on one it does not
// know, and on an entry the README no longer has.
var readmeSkipped = map[string]string{
	"make run":   "serves until Ctrl-C; .ci/run exercises it, and this test runs what it does: the go build line and bin/srok serve --migrate",
	"make test":  "is this test run itself",
	"make build": "equals the go build line, which this test runs as written",
}

// readmeCalendar2028 is a made-up 2028 calendar in Srok's data format (2027
// is shipped): the holidays of Labour Code art. 112 on weekdays, 4 November
// moved off its Saturday to Monday 6 November, and invented transfers of 1
// and 2 January. 2028 has 260 weekdays; 13 of them are days off here, so 247
// working days. Its decree is labelled as a test example.
const readmeCalendar2028 = `{
  "description": "A made-up 2028 calendar written by TestREADMECommands (cmd/srok/readme_test.go); not the official calendar.",
  "years": {"2028": {
    "decree": "TEST EXAMPLE of TestREADMECommands, not a Government decree: от 01.10.2027 № 0000",
    "transfers": [{"from": "2028-01-01", "to": "2028-01-10"}, {"from": "2028-01-02", "to": "2028-05-02"}],
    "nonworking_weekdays": ["2028-01-03", "2028-01-04", "2028-01-05", "2028-01-06", "2028-01-07", "2028-01-10",
      "2028-02-23", "2028-03-08", "2028-05-01", "2028-05-02", "2028-05-09", "2028-06-12", "2028-11-06"],
    "working_weekends": [],
    "working_days": 247}}}
`

// readmeCommand is one command of a ```sh block of the README: its text
// without the trailing comment, continuation lines joined.
type readmeCommand struct {
	line int    // README.md line where it starts
	text string // as written, `# comment` stripped, `\`-newline joined
	alt  bool   // offered in a comment ("# or: bin/srok serve --migrate")
}

// TestREADMECommands runs every command of the README's ```sh blocks with
// bash, as written, from the repository root: a README command that fails
// when pasted fails this test.
func TestREADMECommands(t *testing.T) {
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is needed to run the README's commands", tool)
			}
			t.Skipf("no %s on PATH to run the README's commands", tool)
		}
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := readmeCommands(string(readme))
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}

	// No command may escape: every one is run, started as the server or
	// knowingly skipped, and every skip is still in the README.
	var build *readmeCommand
	var toRun []readmeCommand
	seen := map[string]bool{}
	for i, c := range cmds {
		seen[c.text] = true
		switch _, skipped := readmeSkipped[c.text]; {
		case skipped:
		case c.text == readmeServe:
		case strings.HasPrefix(c.text, "make ") || c.text == "make":
			t.Errorf("README.md:%d: %q: make lines are not run here; list it in readmeSkipped with the reason, or test it", c.line, c.text)
		case c.text == readmeBuild:
			build = &cmds[i]
		case c.alt:
			t.Errorf("README.md:%d: %q is offered in a comment (# or: …), where nothing runs it: make it a command line, or list it in readmeSkipped", c.line, c.text)
		default:
			if strings.HasPrefix(c.text, "curl ") && !strings.Contains(c.text, readmeAddr) {
				t.Errorf("README.md:%d: %q: a curl command must name the service at %s", c.line, c.text, readmeAddr)
				continue
			}
			toRun = append(toRun, c)
		}
	}
	for c := range readmeSkipped {
		if !seen[c] {
			t.Errorf("readmeSkipped lists %q, which README.md no longer has", c)
		}
	}
	if build == nil {
		t.Fatalf("README.md has no %q line, which builds the bin/srok its other commands use", readmeBuild)
	}
	if t.Failed() {
		t.FailNow()
	}

	// Nothing outlives the test: every command and the server are killed at
	// the deadline, well before go test's own.
	deadline := time.Now().Add(9 * time.Minute)
	if d, ok := t.Deadline(); ok && d.Add(-20*time.Second).Before(deadline) {
		deadline = d.Add(-20 * time.Second)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	t.Cleanup(cancel) // registered first, so it runs after the server's SIGTERM

	// The commands see the user's environment without Srok's settings; a
	// command that opens the database opens the test server's.
	dataDir := t.TempDir()
	env := []string{"SROK_DATA_DIR=" + dataDir}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(k, "SROK_") && k != "DATABASE_URL" && k != "BASH_ENV" {
			env = append(env, kv)
		}
	}

	calDir := t.TempDir()
	if _, err := calendar.ParseData("2028.json", []byte(readmeCalendar2028)); err != nil {
		t.Fatalf("the test's 2028 calendar: %v", err)
	}
	if err := os.WriteFile(filepath.Join(calDir, "2028.json"), []byte(readmeCalendar2028), 0o644); err != nil {
		t.Fatal(err)
	}

	out, stderr, err := runREADMECommand(ctx, root, env, build.text, 6*time.Minute)
	if err != nil {
		t.Fatalf("README.md:%d: %s: %v\n%s%s", build.line, build.text, err, out, stderr)
	}
	addr := startREADMEServer(t, ctx, root, env)

	created := false
	for _, c := range toRun {
		cmd := strings.ReplaceAll(c.text, readmeAddr, addr)
		cmd = strings.ReplaceAll(cmd, readmeCalendarDir, calDir)
		// An `export NAME=…` line sets NAME for the commands after it, as in
		// the reader's shell: its value is read back and kept.
		exported := readmeExport.FindStringSubmatch(c.text)
		if exported != nil {
			cmd += ` && printf '%s' "$` + exported[1] + `"`
		}
		out, stderr, err := runREADMECommand(ctx, root, env, cmd, 30*time.Second)
		if err != nil {
			t.Errorf("README.md:%d: %s\n%v\nstdout: %.2000s\nstderr: %.2000s", c.line, c.text, err, out, stderr)
			continue
		}
		t.Logf("README.md:%d: ran %s", c.line, c.text)
		if exported != nil {
			if out == "" {
				t.Errorf("README.md:%d: %s set %s to nothing\nstderr: %.2000s", c.line, c.text, exported[1], stderr)
			}
			env = append(env, exported[1]+"="+out)
			continue
		}
		fail := func(format string, args ...any) {
			t.Helper()
			t.Errorf("README.md:%d: %s\n%s\nstdout: %.2000s\nstderr: %.2000s", c.line, c.text, fmt.Sprintf(format, args...), out, stderr)
		}
		isCurl := strings.HasPrefix(c.text, "curl ")
		// A calendar feed is iCalendar, not JSON.
		if isCurl && strings.Contains(c.text, "/feeds/$SROK_FEED") {
			if !strings.HasPrefix(out, "BEGIN:VCALENDAR\r\n") {
				fail("the answer is not a calendar feed")
			}
			continue
		}
		if isCurl || readmeJSONFlag.MatchString(c.text) {
			var compact bytes.Buffer
			if err := json.Compact(&compact, []byte(out)); err != nil {
				fail("the output is not JSON: %v", err)
				continue
			}
			if strings.Contains(compact.String(), `"type":"urn:srok:problem`) {
				fail("the answer is a problem document")
				continue
			}
			// A curl that saves a file prints its status (-w): it must be a success.
			var written struct {
				Status int `json:"status"`
			}
			if isCurl && strings.Contains(c.text, " -w ") && json.Unmarshal(compact.Bytes(), &written) == nil && written.Status >= 400 {
				fail("the answer's status is %d", written.Status)
				continue
			}
		}
		if isCurl && readmeCreate.MatchString(c.text) {
			var r struct {
				Number string `json:"number"`
			}
			if err := json.Unmarshal([]byte(out), &r); err != nil || !regexp.MustCompile(`^\d{4}-\d{6}$`).MatchString(r.Number) {
				fail("no registration number in the answer (%v)", err)
				continue
			}
			created = true
		}
		// The test's calendar was read: 2028 is no longer provisional.
		if strings.Contains(c.text, readmeCalendarDir) && strings.Contains(strings.ToLower(out), "provisional") {
			fail("the output is provisional: the calendar in %s was not used", calDir)
		}
	}
	if !created {
		t.Errorf("README.md has no curl command registering a request (POST /api/v1/requests) that this test checked")
	}
}

var (
	// readmeJSONFlag finds a command asking for JSON output.
	readmeJSONFlag = regexp.MustCompile(`(^|\s)--json(\s|=|$)`)
	// readmeCreate finds the curl command registering a request.
	readmeCreate = regexp.MustCompile(`-X\s*POST\s+'?https?://\S+/api/v1/requests['"\s]`)
	// readmeExport finds a command that sets a variable for the next ones.
	readmeExport = regexp.MustCompile(`^export ([A-Za-z_][A-Za-z0-9_]*)=`)
	// readmeAlt finds a command offered in a comment.
	readmeAlt = regexp.MustCompile(`^#\s*or:\s*(.+)$`)
)

// readmeCommands returns the commands of the ```sh blocks of a Markdown text.
// A command continues on the next line after a `\` or inside an open quote; a
// `# comment` after it is stripped where bash would read a comment (not in
// quotes, not inside a word); blank and comment lines are skipped. A fenced
// block marked as another shell, or not marked at all, is an error: its
// commands would escape the test.
func readmeCommands(md string) ([]readmeCommand, error) {
	var cmds []readmeCommand
	lines := strings.Split(md, "\n")
	inSh, inOther := false, false
	var cur strings.Builder
	start := 0
	var quote byte
	for i, line := range lines {
		n := i + 1
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") && !inSh && !inOther {
			lang, _, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(trimmed, "```")), " ")
			switch lang {
			case "sh":
				inSh = true
			case "", "bash", "shell", "console", "zsh", "sh-session", "shell-session", "terminal":
				return nil, fmt.Errorf("line %d: a ```%s block: mark commands ```sh so that TestREADMECommands runs them, or mark the block with its content's language (```text, ```json)", n, lang)
			default:
				inOther = true
			}
			continue
		}
		if trimmed == "```" {
			if inSh && cur.Len() > 0 {
				return nil, fmt.Errorf("line %d: the block ends inside the command of line %d (an open quote or a final \\)", n, start)
			}
			inSh, inOther = false, false
			continue
		}
		if !inSh {
			continue
		}
		if cur.Len() == 0 {
			if trimmed == "" {
				continue
			}
			if strings.HasPrefix(trimmed, "#") {
				if m := readmeAlt.FindStringSubmatch(trimmed); m != nil {
					cmds = append(cmds, readmeCommand{line: n, text: strings.TrimSpace(m[1]), alt: true})
				}
				continue
			}
			start = n
		}
		code, comment, q, cont := scanShellLine(line, quote)
		quote = q
		if m := readmeAlt.FindStringSubmatch(strings.TrimSpace(comment)); m != nil {
			cmds = append(cmds, readmeCommand{line: n, text: strings.TrimSpace(m[1]), alt: true})
		}
		switch {
		case cont: // bash drops the `\` and the newline
			cur.WriteString(strings.TrimSuffix(code, `\`))
		case quote != 0: // the newline is part of the quoted word
			cur.WriteString(code + "\n")
		default:
			cur.WriteString(code)
			cmds = append(cmds, readmeCommand{line: start, text: strings.TrimSpace(cur.String())})
			cur.Reset()
		}
	}
	if inSh {
		return nil, errors.New("a ```sh block is not closed")
	}
	return cmds, nil
}

// scanShellLine reads one line of a command as bash does, starting inside the
// given quote (0, ' or "). It returns the code before a comment, the comment,
// the quote open at the end of the line, and whether a final unquoted `\`
// continues the command on the next line.
func scanShellLine(line string, quote byte) (code, comment string, open byte, cont bool) {
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch quote {
		case '\'':
			if c == '\'' {
				quote = 0
			}
		case '"':
			switch {
			case c == '\\' && i == len(line)-1:
				return line, "", quote, true
			case c == '\\':
				i++
			case c == '"':
				quote = 0
			}
		default:
			switch {
			case c == '\\' && i == len(line)-1:
				return line, "", 0, true
			case c == '\\':
				i++
			case c == '\'' || c == '"':
				quote = c
			case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
				return strings.TrimRight(line[:i], " \t"), line[i:], 0, false
			}
		}
	}
	return line, "", quote, false
}

// runREADMECommand runs one command line with bash in dir; it and everything
// it starts are killed after timeout.
func runREADMECommand(ctx context.Context, dir string, env []string, command string, timeout time.Duration) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", "-c", command)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("did not finish within %s: %w", timeout, err)
	}
	return out.String(), errb.String(), err
}

// startREADMEServer starts `bin/srok serve --migrate` from the binary the
// README's build line made, on a free loopback port and its own data folder,
// and returns its address. At the end of the test it gets a SIGTERM and must
// stop cleanly.
func startREADMEServer(t *testing.T, ctx context.Context, root string, env []string) string {
	t.Helper()
	args := strings.Fields(readmeServe)
	srv := exec.CommandContext(ctx, filepath.Join(root, args[0]), args[1:]...)
	srv.Dir = root
	srv.Env = append(env[:len(env):len(env)], "SROK_ADDR=127.0.0.1:0", "SROK_SHUTDOWN_TIMEOUT=5s")
	var out, errb lockedBuffer
	srv.Stdout, srv.Stderr = &out, &errb
	srv.WaitDelay = 5 * time.Second
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	t.Cleanup(func() {
		select {
		case err := <-exited:
			t.Errorf("%s stopped before the end of the test: %v\n%s", readmeServe, err, errb.String())
			return
		default:
		}
		if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
			t.Errorf("SIGTERM: %v", err)
		}
		select {
		case err := <-exited:
			if err != nil || !strings.Contains(errb.String(), `"msg":"stopped"`) {
				t.Errorf("%s did not stop cleanly on SIGTERM: %v\n%s", readmeServe, err, errb.String())
			}
		case <-time.After(20 * time.Second):
			_ = srv.Process.Kill()
			<-exited
			t.Errorf("%s did not stop within 20s of SIGTERM\n%s", readmeServe, errb.String())
		}
	})

	urlRe := regexp.MustCompile(`serving on (http://\S+)`)
	wait := time.NewTimer(30 * time.Second)
	defer wait.Stop()
	for {
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		for sc.Scan() {
			if m := urlRe.FindStringSubmatch(sc.Text()); m != nil {
				u, err := url.Parse(m[1])
				if err != nil {
					t.Fatal(err)
				}
				return u.Host
			}
		}
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("%s exited: %v\nstdout %s\nstderr %s", readmeServe, err, out.String(), errb.String())
		case <-wait.C:
			t.Fatalf("%s printed no address within 30s\nstdout %s\nstderr %s", readmeServe, out.String(), errb.String())
		case <-ctx.Done():
			t.Fatalf("%s: %v", readmeServe, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestREADMECommandExtraction pins down how commands are read from the
// README: comments, quotes, continuations, alternatives and fences.
func TestREADMECommandExtraction(t *testing.T) {
	md := "prose `make lint`\n" +
		"```sh\n" +
		"make run        # or: bin/srok serve --migrate\n" +
		"\n" +
		"# a comment line\n" +
		"curl -s 'http://x/?a=1#frag' -H \"X: a # b\" -d '{\n" +
		"  \"k\": \"v # w\"}'   # trailing\n" +
		"go build -o bin/srok \\\n" +
		"  ./cmd/srok     # or: make build\n" +
		"echo a#b \\# c\n" +
		"```\n" +
		"```json\n" +
		"{\"not\": \"a command\"}\n" +
		"```\n"
	got, err := readmeCommands(md)
	if err != nil {
		t.Fatal(err)
	}
	want := []readmeCommand{
		{3, "bin/srok serve --migrate", true},
		{3, "make run", false},
		{6, "curl -s 'http://x/?a=1#frag' -H \"X: a # b\" -d '{\n  \"k\": \"v # w\"}'", false},
		{9, "make build", true},
		{8, "go build -o bin/srok   ./cmd/srok", false},
		{10, "echo a#b \\# c", false},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	for _, bad := range []string{
		"```bash\nls\n```\n",
		"```\nls\n```\n",
		"```sh\necho 'open\n```\n",
		"```sh\nls\n",
	} {
		if _, err := readmeCommands(bad); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
}
