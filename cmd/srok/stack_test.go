package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/srok/srok/pkg/config"
	"github.com/srok/srok/pkg/dsn"
)

// There is no container engine where the tests run: docker-compose.yml is
// loaded with the loader of the Compose specification (what `docker
// compose config` runs: schema, interpolation, consistency), and the
// Dockerfile with BuildKit's own parser and linter (what `docker build
// --check` runs). Then both are held against what srok itself knows: its
// variables, its listen address, its commands.

const repoRoot = "../.."

// loadCompose loads a compose file as `docker compose config` does, with
// an empty environment (the defaults of ${VAR:-default} apply) and without
// .env files, so that the result does not depend on the machine.
func loadCompose(path string) (*types.Project, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	o, err := cli.NewProjectOptions([]string{abs}, cli.WithWorkingDirectory(filepath.Dir(abs)), cli.WithName("srok"),
		cli.WithEnv(nil), cli.WithInterpolation(true), cli.WithNormalization(true), cli.WithConsistency(true),
		cli.WithResolvedPaths(true))
	if err != nil {
		return nil, err
	}
	return o.LoadProject(context.Background())
}

// dockerfile is what the stack check needs of the Dockerfile.
type dockerfile struct {
	stages     []instructions.Stage
	env        map[string]string // of the final stage
	user       string            // the final stage's last USER
	expose     []string
	entrypoint []string
	cmd        []string
	healthTest []string
	// copied are the destinations of COPY --from in the final stage.
	copied []string
	// runs are the RUN command lines of all stages but the last.
	runs []string
}

// lintDockerfile parses src with BuildKit's parser and runs its linter's
// rules: those BuildKit checks while parsing (StageNameCasing, FromAsCasing,
// MaintainerDeprecated, the parser's NoEmptyContinuation), and, written
// here, the ones it checks only while building, which would pull BuildKit's
// whole build graph (gRPC, containerd) into go.mod: ConsistentInstructionCasing
// (upper case here), JSONArgsRecommended, LegacyKeyValueFormat and
// MultipleInstructionsDisallowed. It returns what the file says and every
// warning as a problem.
func lintDockerfile(src []byte) (*dockerfile, []string) {
	var problems []string
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, []string{"parse: " + err.Error()}
	}
	for _, w := range res.Warnings {
		problems = append(problems, "parser: "+w.Short)
	}
	for _, n := range res.AST.Children {
		if word, _, _ := strings.Cut(strings.TrimSpace(n.Original), " "); word != strings.ToUpper(word) {
			problems = append(problems, fmt.Sprintf("line %d: ConsistentInstructionCasing: %s is not in upper case", n.StartLine, word))
		}
	}
	lint := linter.New(&linter.Config{Warn: func(rule, _, _, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		problems = append(problems, fmt.Sprintf("line %d: %s: %s", line, rule, msg))
	}})
	stages, _, err := instructions.Parse(res.AST, lint)
	if err != nil {
		return nil, append(problems, "instructions: "+err.Error())
	}
	if len(stages) == 0 {
		return nil, append(problems, "no FROM")
	}
	d := &dockerfile{stages: stages, env: map[string]string{}}
	for i, st := range stages {
		final := i == len(stages)-1
		once := map[string]int{}
		for _, c := range st.Commands {
			once[strings.ToUpper(c.Name())]++
			switch c := c.(type) {
			case *instructions.RunCommand:
				if !final {
					d.runs = append(d.runs, strings.Join(c.CmdLine, " "))
				}
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					if kv.NoDelim {
						problems = append(problems, fmt.Sprintf("LegacyKeyValueFormat: ENV %s %s: give ENV %[1]s=%[2]s", kv.Key, kv.Value))
					}
				}
				if final {
					for _, kv := range c.Env {
						d.env[kv.Key] = kv.Value
					}
				}
			case *instructions.UserCommand:
				if final {
					d.user = c.User
				}
			case *instructions.ExposeCommand:
				if final {
					d.expose = append(d.expose, c.Ports...)
				}
			case *instructions.EntrypointCommand:
				if final {
					if c.PrependShell {
						problems = append(problems, "JSONArgsRecommended: ENTRYPOINT in shell form: signals would reach the shell, not srok")
					}
					d.entrypoint = c.CmdLine
				}
			case *instructions.CmdCommand:
				if c.PrependShell {
					problems = append(problems, "JSONArgsRecommended: CMD in shell form")
				}
				if final {
					d.cmd = c.CmdLine
				}
			case *instructions.HealthCheckCommand:
				if final && c.Health != nil {
					d.healthTest = c.Health.Test
				}
			case *instructions.CopyCommand:
				if final && c.From != "" {
					d.copied = append(d.copied, c.DestPath)
				}
			}
		}
		// BuildKit's MultipleInstructionsDisallowed, which its linter
		// checks only while building: a second one silently wins.
		for _, name := range []string{"CMD", "ENTRYPOINT", "HEALTHCHECK"} {
			if once[name] > 1 {
				problems = append(problems, fmt.Sprintf("stage %d: %d %s instructions, of which only the last counts", i, once[name], name))
			}
		}
	}
	return d, problems
}

// pinned reports whether an image reference names a tag other than latest
// (or a digest).
func pinned(ref string) bool {
	if strings.Contains(ref, "@sha256:") {
		return true
	}
	name := ref[strings.LastIndex(ref, "/")+1:]
	_, tag, ok := strings.Cut(name, ":")
	return ok && tag != "" && tag != "latest"
}

// checkDockerfile holds the Dockerfile against the rules of the image: a
// multi-stage build of a static binary, a final image with no root, a
// HEALTHCHECK and an ENTRYPOINT that are srok commands.
func checkDockerfile(d *dockerfile) []string {
	var p []string
	if len(d.stages) < 2 {
		p = append(p, "not a multi-stage build: the compiler would ship in the image")
	}
	for _, st := range d.stages {
		if st.BaseName != "scratch" && !slices.ContainsFunc(d.stages, func(s instructions.Stage) bool { return s.Name == st.BaseName }) && !pinned(st.BaseName) {
			p = append(p, fmt.Sprintf("FROM %s: pin a tag other than latest", st.BaseName))
		}
	}
	final := d.stages[len(d.stages)-1].BaseName
	if final != "scratch" && !strings.HasPrefix(final, "gcr.io/distroless/static") {
		p = append(p, fmt.Sprintf("final stage FROM %s: use scratch or distroless/static for a static binary", final))
	}
	build := strings.Join(d.runs, "\n")
	for _, want := range []string{"CGO_ENABLED=0", "go build", "-trimpath", "./cmd/srok"} {
		if !strings.Contains(build, want) {
			p = append(p, fmt.Sprintf("the build stage does not run %q", want))
		}
	}
	user, _, _ := strings.Cut(d.user, ":")
	if user == "" || user == "root" || user == "0" {
		p = append(p, fmt.Sprintf("final stage USER %q: run as a user without privileges", d.user))
	}
	if len(d.entrypoint) == 0 || !slices.Contains(d.copied, d.entrypoint[0]) {
		p = append(p, fmt.Sprintf("ENTRYPOINT %q is not a binary copied from the build stage (%q)", d.entrypoint, d.copied))
	}
	bin := ""
	if len(d.entrypoint) > 0 {
		bin = d.entrypoint[0]
	}
	if len(d.healthTest) < 3 || d.healthTest[0] != "CMD" || d.healthTest[1] != bin || d.healthTest[2] != "healthcheck" {
		p = append(p, fmt.Sprintf("HEALTHCHECK %q: give CMD [%q, \"healthcheck\"] (the image has no curl)", d.healthTest, bin))
	}
	if !slices.Equal(d.cmd, []string{"serve", "--migrate"}) {
		p = append(p, fmt.Sprintf("CMD %q: give [\"serve\", \"--migrate\"]", d.cmd))
	}
	addr := d.env["SROK_ADDR"]
	host, port, err := net.SplitHostPort(addr)
	if err != nil || (host != "" && !net.ParseIP(host).IsUnspecified()) {
		p = append(p, fmt.Sprintf("ENV SROK_ADDR=%q: listen on all interfaces of the container, such as 0.0.0.0:8080", addr))
	}
	if !slices.Contains(d.expose, port) && !slices.Contains(d.expose, port+"/tcp") {
		p = append(p, fmt.Sprintf("EXPOSE %q lacks SROK_ADDR's port %s", d.expose, port))
	}
	for k := range d.env {
		if strings.HasPrefix(k, "SROK_") && !slices.Contains(config.Variables(), k) {
			p = append(p, fmt.Sprintf("ENV %s: srok reads no such variable", k))
		}
	}
	return p
}

// checkStack holds the loaded compose project against srok and its image.
func checkStack(t *testing.T, pr *types.Project, d *dockerfile) []string {
	t.Helper()
	var p []string
	bad := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	names := pr.ServiceNames()
	slices.Sort(names)
	if !slices.Equal(names, []string{"mailpit", "postgres", "srok"}) {
		bad("services %v, want mailpit, postgres, srok", names)
		return p
	}
	for _, name := range names {
		s := pr.Services[name]
		if s.Build == nil && !pinned(s.Image) {
			bad("%s: image %q: pin a tag other than latest", name, s.Image)
		}
		if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) < 2 {
			bad("%s: no healthcheck: depends_on cannot wait for it to be ready", name)
		}
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeVolume {
				if _, ok := pr.Volumes[v.Source]; !ok {
					bad("%s: volume %q is not declared", name, v.Source)
				}
			}
		}
	}
	envOf := func(service, key string) string {
		if v := pr.Services[service].Environment[key]; v != nil {
			return *v
		}
		return ""
	}
	published := func(service string, target uint32) *types.ServicePortConfig {
		for _, port := range pr.Services[service].Ports {
			if port.Target == target && port.Published != "" {
				return &port
			}
		}
		return nil
	}

	pg := pr.Services["postgres"]
	if !strings.HasPrefix(pg.Image, "postgres:") {
		bad("postgres: image %q is not PostgreSQL", pg.Image)
	}
	if !slices.ContainsFunc(pg.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Type == types.VolumeTypeVolume && v.Target == "/var/lib/postgresql/data"
	}) {
		bad("postgres: its data are not on a named volume at /var/lib/postgresql/data: they would go with the container")
	}

	mp := pr.Services["mailpit"]
	if !strings.HasPrefix(mp.Image, "axllent/mailpit:") {
		bad("mailpit: image %q is not axllent/mailpit", mp.Image)
	}
	if published("mailpit", 8025) == nil {
		bad("mailpit: its web UI (8025) is not published")
	}

	s := pr.Services["srok"]
	if s.Build == nil {
		bad("srok: not built from the Dockerfile")
	} else {
		root, _ := filepath.Abs(repoRoot)
		if s.Build.Context != root || s.Build.Dockerfile != "Dockerfile" {
			bad("srok: build context %q, dockerfile %q: give context . and dockerfile Dockerfile", s.Build.Context, s.Build.Dockerfile)
		}
	}
	for _, dep := range []string{"postgres", "mailpit"} {
		if c := s.DependsOn[dep].Condition; c != types.ServiceConditionHealthy {
			bad("srok: depends_on %s condition %q: give service_healthy", dep, c)
		}
	}
	if hc := s.HealthCheck; hc != nil && d != nil && len(d.entrypoint) > 0 &&
		!slices.Equal([]string(hc.Test), []string{"CMD", d.entrypoint[0], "healthcheck"}) {
		bad("srok: healthcheck %q: give [CMD, %s, healthcheck]", hc.Test, d.entrypoint[0])
	}

	// Every variable is one srok reads, and its value one srok accepts.
	known := config.Variables()
	vars := map[string]string{}
	for k, v := range s.Environment {
		switch {
		case v == nil:
			bad("srok: %s has no value", k)
		case slices.Contains(known, k):
			vars[k] = *v
		default:
			bad("srok: environment %s: srok reads no such variable (it reads %s)", k, strings.Join(known, ", "))
		}
	}
	getenv := func(k string) string { return vars[k] }
	if _, err := config.Load(getenv); err != nil {
		bad("srok: srok would refuse this environment: %v", err)
		return p
	}
	// ... and `srok config` shows it as set.
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"config"}, env{getenv: getenv, stdout: &out, stderr: &errb}); code != 0 {
		bad("srok config: exit %d: %s", code, errb.String())
	}
	for k, v := range vars {
		if k == "DATABASE_URL" || k == "SROK_MIGRATE_DATABASE_URL" {
			v = dsn.Redact(v)
		}
		if !strings.Contains(out.String(), "\n"+k+"="+v+" ") && !strings.HasPrefix(out.String(), k+"="+v+" ") {
			bad("srok config does not show %s=%s:\n%s", k, v, out.String())
		}
	}

	// It listens on all interfaces of its container, on the published port.
	host, port, _ := net.SplitHostPort(vars["SROK_ADDR"])
	if host != "" && !net.ParseIP(host).IsUnspecified() {
		bad("srok: SROK_ADDR=%s: listen on all interfaces (0.0.0.0) or nothing reaches it from outside its container", vars["SROK_ADDR"])
	}
	n, _ := strconv.Atoi(port)
	main := published("srok", uint32(n))
	if main == nil {
		bad("srok: SROK_ADDR's port %s is not published", port)
	}
	if d != nil && d.env["SROK_ADDR"] != vars["SROK_ADDR"] {
		bad("srok: SROK_ADDR=%s, the image's is %s", vars["SROK_ADDR"], d.env["SROK_ADDR"])
	}
	if u, err := url.Parse(vars["SROK_PUBLIC_URL"]); err != nil || main == nil || u.Port() != main.Published {
		bad("srok: SROK_PUBLIC_URL=%s does not name the published port", vars["SROK_PUBLIC_URL"])
	}
	// The metrics listener has no authentication: published on the
	// loopback of the host only.
	if m := vars["SROK_METRICS_ADDR"]; m != "" {
		_, mport, _ := net.SplitHostPort(m)
		n, _ := strconv.Atoi(mport)
		if pp := published("srok", uint32(n)); pp == nil || pp.HostIP != "127.0.0.1" {
			bad("srok: SROK_METRICS_ADDR's port %s must be published on 127.0.0.1 only", mport)
		}
	}

	// SROK_MIGRATE_DATABASE_URL is the postgres service, with its user (the
	// owner) and database; DATABASE_URL the same database as a role of its
	// own, which the postgres service creates when it initialises.
	owner, err := url.Parse(vars["SROK_MIGRATE_DATABASE_URL"])
	if err != nil || owner.User == nil {
		bad("srok: SROK_MIGRATE_DATABASE_URL %q: migrate as the postgres service's owner, serve as another role, or the audit trail is not protected",
			dsn.Redact(vars["SROK_MIGRATE_DATABASE_URL"]))
		return p
	}
	pw, _ := owner.User.Password()
	if owner.Hostname() != "postgres" || owner.Port() != "5432" || owner.User.Username() != envOf("postgres", "POSTGRES_USER") ||
		pw != envOf("postgres", "POSTGRES_PASSWORD") || strings.TrimPrefix(owner.Path, "/") != envOf("postgres", "POSTGRES_DB") {
		bad("srok: SROK_MIGRATE_DATABASE_URL %s does not match the postgres service", dsn.Redact(vars["SROK_MIGRATE_DATABASE_URL"]))
	}
	u, err := url.Parse(vars["DATABASE_URL"])
	if err != nil || u.User == nil {
		bad("srok: DATABASE_URL %q", dsn.Redact(vars["DATABASE_URL"]))
		return p
	}
	pw, _ = u.User.Password()
	if u.Hostname() != "postgres" || u.Port() != "5432" || strings.TrimPrefix(u.Path, "/") != envOf("postgres", "POSTGRES_DB") {
		bad("srok: DATABASE_URL %s does not match the postgres service", dsn.Redact(vars["DATABASE_URL"]))
	}
	create := fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s';", u.User.Username(), pw)
	if !slices.ContainsFunc(pg.Configs, func(c types.ServiceConfigObjConfig) bool {
		return strings.HasPrefix(c.Target, "/docker-entrypoint-initdb.d/") && strings.HasSuffix(c.Target, ".sql") &&
			strings.Contains(pr.Configs[c.Source].Content, create)
	}) {
		bad("srok: DATABASE_URL's role %s is not created by the postgres service (an init script in /docker-entrypoint-initdb.d with %q)",
			u.User.Username(), create)
	}
	if !strings.Contains(out.String(), "\n# audit trail: protected") {
		bad("srok config does not say the audit trail is protected:\n%s", out.String())
	}
	// Reminders go to Mailpit's SMTP port, in the clear.
	if h := envOf("srok", "SROK_SMTP_HOST"); h != "mailpit" || envOf("srok", "SROK_SMTP_PORT") != "1025" || envOf("srok", "SROK_SMTP_TLS") != "none" {
		bad("srok: SROK_SMTP_HOST=%s SROK_SMTP_PORT=%s SROK_SMTP_TLS=%s: give mailpit, 1025, none", h,
			envOf("srok", "SROK_SMTP_PORT"), envOf("srok", "SROK_SMTP_TLS"))
	}
	return p
}

func readRepoFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDockerfile(t *testing.T) {
	d, problems := lintDockerfile(readRepoFile(t, "Dockerfile"))
	if d != nil {
		problems = append(problems, checkDockerfile(d)...)
	}
	for _, p := range problems {
		t.Errorf("Dockerfile: %s", p)
	}
	// The commands the image runs are srok's.
	for _, args := range [][]string{{"serve", "--help"}, {"healthcheck", "--help"}} {
		r := runSrok(t, nil, fixedNow, args...)
		if r.code != 0 {
			t.Errorf("srok %v: exit %d %s", args, r.code, r.stderr)
		}
		if args[0] == "serve" && !strings.Contains(r.stdout, "-migrate") {
			t.Errorf("srok serve has no --migrate flag: %s", r.stdout)
		}
	}
}

func TestDockerIgnore(t *testing.T) {
	ignore := strings.Fields(string(readRepoFile(t, ".dockerignore")))
	for _, want := range []string{".git", "bin", "data"} {
		if !slices.Contains(ignore, want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
	// Nothing that the binary embeds is left out.
	for _, kept := range []string{"migrations", "api", "deadlines", "cmd", "pkg", "go.mod", "go.sum"} {
		if slices.Contains(ignore, kept) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", kept)
		}
	}
}

func TestComposeFile(t *testing.T) {
	pr, err := loadCompose(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	d, _ := lintDockerfile(readRepoFile(t, "Dockerfile"))
	for _, p := range checkStack(t, pr, d) {
		t.Errorf("docker-compose.yml: %s", p)
	}
}

// The checks fail on a broken copy: each mutation is one mistake the stack
// must not ship with.
func TestStackChecksCatchMistakes(t *testing.T) {
	compose := string(readRepoFile(t, "docker-compose.yml"))
	dockerfileSrc := string(readRepoFile(t, "Dockerfile"))
	d, _ := lintDockerfile([]byte(dockerfileSrc))
	composeMutations := []struct {
		name, old, new, want string
	}{
		{"misspelt variable", "SROK_ADDR: 0.0.0.0:8080", "SROK_ADRR: 0.0.0.0:8080", "SROK_ADRR: srok reads no such variable"},
		{"value srok refuses", "SROK_TIME_ZONE: ${SROK_TIME_ZONE:-Europe/Moscow}", "SROK_TIME_ZONE: Europe/Mars", "srok would refuse"},
		{"loopback only", "SROK_ADDR: 0.0.0.0:8080", "SROK_ADDR: 127.0.0.1:8080", "listen on all interfaces"},
		{"unpublished port", `- "8080:8080"`, `- "8081:8081"`, "port 8080 is not published"},
		{"latest image", "axllent/mailpit:v1", "axllent/mailpit:latest #", "pin a tag"},
		{"untagged image", "image: postgres:17-bookworm", "image: postgres", "pin a tag"},
		{"wrong database host", "@postgres:5432/", "@db:5432/", "does not match the postgres service"},
		{"wrong database password", "POSTGRES_PASSWORD: srok", "POSTGRES_PASSWORD: other", "does not match the postgres service"},
		{"one role", "      SROK_MIGRATE_DATABASE_URL: postgres://srok:srok@postgres:5432/srok?sslmode=disable\n", "", "the audit trail is not protected"},
		{"owner serves", "DATABASE_URL: postgres://srok_app:srok_app@", "DATABASE_URL: postgres://srok:srok@", "give the owner's role, not DATABASE_URL's"},
		{"serving role not created", "CREATE ROLE srok_app LOGIN", "CREATE ROLE srok_web LOGIN", "srok_app is not created by the postgres service"},
		{"wrong serving password", "PASSWORD 'srok_app'", "PASSWORD 'other'", "srok_app is not created by the postgres service"},
		{"no wait for health", "condition: service_healthy", "condition: service_started", "give service_healthy"},
		{"metrics on every interface", `- "127.0.0.1:9090:9090"`, `- "9090:9090"`, "published on 127.0.0.1 only"},
		{"smtp elsewhere", "SROK_SMTP_PORT: \"1025\"", "SROK_SMTP_PORT: \"25\"", "give mailpit, 1025, none"},
		{"no healthcheck", "      test: [\"CMD\", \"/mailpit\", \"readyz\"]\n", "      disable: true\n", "mailpit: no healthcheck"},
		// Mistakes the Compose loader itself refuses.
		{"misspelt key", "    healthcheck:\n      test: [\"CMD\", \"/usr/local/bin/srok\"", "    helthcheck:\n      test: [\"CMD\", \"/usr/local/bin/srok\"", "helthcheck"},
		{"undeclared volume", "      - postgres:/var/lib/postgresql/data", "      - pgdata:/var/lib/postgresql/data", "pgdata"},
		{"dependency on nothing", "      mailpit:\n        condition", "      mail:\n        condition", `undefined service "mail"`},
	}
	for _, m := range composeMutations {
		t.Run("compose/"+m.name, func(t *testing.T) {
			if !strings.Contains(compose, m.old) {
				t.Fatalf("docker-compose.yml no longer has %q: update the mutation", m.old)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "docker-compose.yml")
			if err := os.WriteFile(path, []byte(strings.Replace(compose, m.old, m.new, 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			var problems []string
			pr, err := loadCompose(path)
			if err != nil {
				problems = []string{err.Error()}
			} else {
				// The copy lies elsewhere: its build context is that folder.
				root, _ := filepath.Abs(repoRoot)
				pr.Services["srok"].Build.Context = root
				problems = checkStack(t, pr, d)
			}
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, m.want) }) {
				t.Errorf("not caught: want a problem with %q, got %q", m.want, problems)
			}
		})
	}

	dockerMutations := []struct {
		name, old, new, want string
	}{
		{"root", "USER 65532:65532", "USER root", "run as a user without privileges"},
		{"no user", "USER 65532:65532\n", "", "run as a user without privileges"},
		{"cgo", "CGO_ENABLED=0 go build", "go build", "CGO_ENABLED=0"},
		{"single stage", "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /out/srok /usr/local/bin/srok\n", "", "not a multi-stage build"},
		{"no healthcheck", "HEALTHCHECK --interval", "# HEALTHCHECK --interval", "HEALTHCHECK"},
		{"shell-form entrypoint", `ENTRYPOINT ["/usr/local/bin/srok"]`, `ENTRYPOINT /usr/local/bin/srok`, "ENTRYPOINT in shell form"},
		{"loopback address", "SROK_ADDR=0.0.0.0:8080", "SROK_ADDR=127.0.0.1:8080", "listen on all interfaces"},
		{"latest base", "golang:1.26-bookworm", "golang:latest", "pin a tag"},
		{"casing (linter)", "AS build", "as build", "FromAsCasing"},
		{"legacy ENV (linter)", "ENV SROK_ADDR=0.0.0.0:8080 \\", "ENV SROK_ADDR 0.0.0.0:8080\nENV \\", "LegacyKeyValueFormat"},
		{"casing", "USER 65532", "user 65532", "ConsistentInstructionCasing"},
		{"shell-form CMD", `CMD ["serve", "--migrate"]`, `CMD serve --migrate`, "JSONArgsRecommended"},
		{"maintainer (linter)", "WORKDIR /src", "WORKDIR /src\nMAINTAINER someone", "MaintainerDeprecated"},
		{"empty continuation (parser)", "    && mkdir -p /out/data", "\n    && mkdir -p /out/data", "Empty continuation"},
		{"second CMD", `CMD ["serve", "--migrate"]`, "CMD [\"serve\", \"--migrate\"]\nCMD [\"serve\"]", "only the last counts"},
		{"unknown variable", "SROK_DATA_DIR=/var/lib/srok", "SROK_DATADIR=/var/lib/srok", "SROK_DATADIR: srok reads no such variable"},
	}
	for _, m := range dockerMutations {
		t.Run("dockerfile/"+m.name, func(t *testing.T) {
			if !strings.Contains(dockerfileSrc, m.old) {
				t.Fatalf("Dockerfile no longer has %q: update the mutation", m.old)
			}
			d, problems := lintDockerfile([]byte(strings.Replace(dockerfileSrc, m.old, m.new, 1)))
			if d != nil {
				problems = append(problems, checkDockerfile(d)...)
			}
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, m.want) }) {
				t.Errorf("not caught: want a problem with %q, got %q", m.want, problems)
			}
		})
	}
}
