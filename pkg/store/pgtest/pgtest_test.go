package pgtest

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// startServer starts a private server for one test and closes it at the end.
func startServer(t *testing.T) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t0 := time.Now()
	s, err := Start(ctx)
	if err != nil {
		noServer(t, err)
	}
	t.Logf("started PostgreSQL as %s on port %d in %s (%v)", s.runAs, s.Port(), s.Dir(), time.Since(t0).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func open(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatalf("sql.Open(%q): %v", url, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func selectOne(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, "select 1").Scan(&n); err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("select 1 = %d", n)
	}
	return nil
}

func TestServer(t *testing.T) {
	s := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	if want := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/x?sslmode=disable", s.Port()); s.URL("x") != want {
		t.Errorf("URL = %q, want %q", s.URL("x"), want)
	}

	url1, err := s.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	url2, err := s.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if url1 == url2 {
		t.Fatalf("CreateDatabase returned the same URL twice: %s", url1)
	}
	db1, db2 := open(t, url1), open(t, url2)
	for i, db := range []*sql.DB{db1, db2} {
		if err := selectOne(ctx, db); err != nil {
			t.Fatalf("db%d: %v", i+1, err)
		}
		var name, user string
		if err := db.QueryRowContext(ctx, "select current_database(), current_user").Scan(&name, &user); err != nil {
			t.Fatal(err)
		}
		if want := databaseName([]string{url1, url2}[i]); name != want || user != "postgres" {
			t.Errorf("db%d: connected to %s as %s, want %s as postgres", i+1, name, user, want)
		}
	}

	// The databases are separate and empty.
	if _, err := db1.ExecContext(ctx, "create table t (s text)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db2.ExecContext(ctx, "select * from t"); err == nil {
		t.Error("table t of db1 is visible in db2")
	}

	// Our migrations need pg_trgm.
	if _, err := db1.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_trgm"); err != nil {
		t.Fatalf("pg_trgm: %v", err)
	}
	var sim float64
	if err := db1.QueryRowContext(ctx, "select similarity('kitten', 'sitting')").Scan(&sim); err != nil || sim <= 0 {
		t.Fatalf("similarity = %v, %v", sim, err)
	}
	if _, err := db1.ExecContext(ctx, "insert into t values ('kept across restart')"); err != nil {
		t.Fatal(err)
	}

	// Outage: queries fail while the server is down.
	t0 := time.Now()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("Stop took %v", time.Since(t0).Round(time.Millisecond))
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	qctx, qcancel := context.WithTimeout(ctx, 5*time.Second)
	if err := selectOne(qctx, db1); err == nil {
		t.Fatal("select 1 works while the server is stopped")
	} else {
		t.Logf("while stopped: %v", err)
	}
	qcancel()
	if _, err := os.Stat(s.Dir()); err != nil {
		t.Fatalf("Stop removed the folder: %v", err)
	}

	// Recovery: the same pool works again after Restart (perhaps after a
	// broken connection or two), and the data is still there.
	t0 = time.Now()
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	t.Logf("Restart took %v", time.Since(t0).Round(time.Millisecond))
	var lastErr error
	for i := 0; i < 5; i++ {
		if lastErr = selectOne(ctx, db1); lastErr == nil {
			break
		}
		t.Logf("after Restart, attempt %d: %v", i+1, lastErr)
	}
	if lastErr != nil {
		t.Fatalf("select 1 after Restart: %v", lastErr)
	}
	if err := selectOne(ctx, open(t, url2)); err != nil {
		t.Fatalf("new pool after Restart: %v", err)
	}
	var kept string
	if err := db1.QueryRowContext(ctx, "select s from t").Scan(&kept); err != nil || kept != "kept across restart" {
		t.Fatalf("data after Restart: %q, %v", kept, err)
	}
	// Restart of a running server restarts it.
	if err := s.Restart(); err != nil {
		t.Fatalf("second Restart: %v", err)
	}
	if err := selectOne(ctx, open(t, url1)); err != nil {
		t.Fatalf("after second Restart: %v", err)
	}

	// Close stops the server and removes the folder.
	db1.Close()
	db2.Close()
	dir, port := s.Dir(), s.Port()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("folder %s still there after Close: %v", dir, err)
	}
	if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
		c.Close()
		t.Errorf("port %d still accepts connections after Close", port)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("Stop after Close: %v", err)
	}
	if err := s.Restart(); err == nil {
		t.Error("Restart after Close succeeded")
	}
}

func TestMustDatabase(t *testing.T) {
	var mu sync.Mutex
	var names []string
	t.Run("group", func(t *testing.T) {
		for i := 0; i < 4; i++ {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				url := MustDatabase(t)
				db := open(t, url)
				ctx := context.Background()
				// Each database is fresh: the same table name in all of them.
				if _, err := db.ExecContext(ctx, "create table items (id int primary key)"); err != nil {
					t.Fatal(err)
				}
				if err := selectOne(ctx, db); err != nil {
					t.Fatal(err)
				}
				mu.Lock()
				names = append(names, databaseName(url))
				mu.Unlock()
				// Leave the connection open: the cleanup drops with FORCE.
			})
		}
	})
	if t.Failed() {
		return
	}
	srv, err := Shared()
	if err != nil {
		noServer(t, err)
	}
	db := open(t, srv.URL("postgres"))
	if srv.external != "" {
		db = open(t, srv.external)
	}
	for _, name := range names {
		var n int
		if err := db.QueryRow("select count(*) from pg_database where datname = $1", name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("database %s not dropped after its test", name)
		}
	}
}

func TestExternal(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	for _, admin := range []string{
		s.URL("postgres"),
		fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=disable", s.Port()),
	} {
		ext, err := openExternal(ctx, admin)
		if err != nil {
			t.Fatalf("openExternal(%q): %v", admin, err)
		}
		url, err := ext.CreateDatabase(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var name string
		if err := open(t, url).QueryRowContext(ctx, "select current_database()").Scan(&name); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		if name != databaseName(url) || !strings.HasPrefix(name, "pgtest_") {
			t.Errorf("%s: connected to %q", url, name)
		}
		if err := ext.DropDatabase(ctx, name); err != nil {
			t.Error(err)
		}
		if err := ext.Stop(); !errors.Is(err, ErrExternal) {
			t.Errorf("Stop of external = %v", err)
		}
		if err := ext.Close(); err != nil {
			t.Errorf("Close of external = %v", err)
		}
	}
	if _, err := openExternal(ctx, "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2"); err == nil {
		t.Error("openExternal of a closed port succeeded")
	}
}

// TestWatchdog checks that a server is stopped and removed when the process
// that started it exits without Close.
func TestWatchdog(t *testing.T) {
	if os.Getenv("PGTEST_WATCHDOG_CHILD") == "1" {
		s, err := Start(context.Background())
		if err != nil {
			fmt.Println("ERROR", err)
			os.Exit(2)
		}
		fmt.Println(s.Dir(), s.Port())
		os.Exit(0) // no Close
	}
	if _, err := findBinDir(); err != nil {
		startServer(t) // skips or fails with the usual message
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWatchdog$", "-test.count=1")
	cmd.Env = append(os.Environ(), "PGTEST_WATCHDOG_CHILD=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var dir string
	var port int
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if n, _ := fmt.Sscan(sc.Text(), &dir, &port); n == 2 {
			break
		}
	}
	if port == 0 {
		t.Fatalf("child output: %s", out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, statErr := os.Stat(dir)
		c, dialErr := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if dialErr == nil {
			c.Close()
		}
		if errors.Is(statErr, os.ErrNotExist) && dialErr != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after the child exited: folder %s: %v; port %d: %v", dir, statErr, port, dialErr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestVersionOf(t *testing.T) {
	for path, want := range map[string]float64{
		"/usr/lib/postgresql/15/bin":          15,
		"/usr/lib/postgresql/9.6/bin":         9.6,
		"/usr/pgsql-16/bin":                   16,
		"/opt/homebrew/opt/postgresql@17/bin": 17,
		"/usr/local/pgsql/bin":                0,
	} {
		if got := versionOf(path); got != want {
			t.Errorf("versionOf(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestWithDatabase(t *testing.T) {
	for _, c := range []struct{ in, db, want string }{
		{"postgres://u:p@h:5432/postgres?sslmode=disable", "x", "postgres://u:p@h:5432/x?sslmode=disable"},
		{"postgresql://h/", "x", "postgresql://h/x"},
		{"host=h dbname=postgres", "it's", `host=h dbname=postgres dbname='it\'s'`},
	} {
		got := withDatabase(c.in, c.db)
		if got != c.want {
			t.Errorf("withDatabase(%q, %q) = %q, want %q", c.in, c.db, got, c.want)
		}
		if name := databaseName(got); name != c.db {
			t.Errorf("databaseName(%q) = %q, want %q", got, name, c.db)
		}
	}
}

func TestNoBinaries(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	saved := binDirPatterns
	binDirPatterns = []string{t.TempDir() + "/*/bin"}
	defer func() { binDirPatterns = saved }()
	s, err := Start(context.Background())
	if !errors.Is(err, ErrNoPostgres) || s != nil {
		t.Fatalf("Start without binaries = %v, %v; want ErrNoPostgres", s, err)
	}
}

// fakeTB records how noServer ends a test.
type fakeTB struct {
	testing.TB
	how, msg string
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Skip(args ...any)  { f.how, f.msg = "skip", fmt.Sprint(args...) }
func (f *fakeTB) Fatal(args ...any) { f.how, f.msg = "fatal", fmt.Sprint(args...) }

func TestNoServer(t *testing.T) {
	for _, c := range []struct{ env, how string }{{"", "fatal"}, {"0", "fatal"}, {"1", "skip"}} {
		t.Setenv("SROK_SKIP_POSTGRES", c.env)
		f := &fakeTB{}
		noServer(f, ErrNoPostgres)
		if f.how != c.how || !strings.Contains(f.msg, "postgresql-15") || !strings.Contains(f.msg, "TEST_DATABASE_URL") {
			t.Errorf("SROK_SKIP_POSTGRES=%q: %s %q", c.env, f.how, f.msg)
		}
	}
}

// TestSharedIgnoresDatabaseURL checks that DATABASE_URL, which names the
// developer's own database, is never used: a throwaway server is started.
func TestSharedIgnoresDatabaseURL(t *testing.T) {
	if _, err := findBinDir(); err != nil {
		startServer(t) // skips or fails with the usual message
	}
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return "postgres://srok:s3cret@127.0.0.1:1/srok?sslmode=disable&connect_timeout=2"
		}
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, started, err := sharedFrom(ctx, getenv)
	if err != nil {
		t.Fatalf("sharedFrom with DATABASE_URL set: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if !started || srv.external != "" || srv.Port() == 1 {
		t.Fatalf("sharedFrom with DATABASE_URL set: started %v, external %q, port %d; want a throwaway server", started, srv.external, srv.Port())
	}
	if err := selectOne(ctx, open(t, srv.URL("postgres"))); err != nil {
		t.Fatal(err)
	}
}

// TestSharedBadTestDatabaseURL checks that a TEST_DATABASE_URL that cannot be
// used is reported as such, its password masked, with no advice to install
// PostgreSQL, and that SROK_SKIP_POSTGRES=1 still skips.
func TestSharedBadTestDatabaseURL(t *testing.T) {
	for _, c := range []struct{ url, want, cause string }{
		{"postgres://srok:s3cret@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2",
			`TEST_DATABASE_URL="postgres://srok:xxxxx@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2"`, "cannot connect"},
		{"host=127.0.0.1 port=1 user=srok password='s3 cret' dbname=postgres sslmode=disable connect_timeout=2",
			`TEST_DATABASE_URL="host=127.0.0.1 port=1 user=srok password=xxxxx dbname=postgres sslmode=disable connect_timeout=2"`, "cannot connect"},
		{"postgres://srok:s3cret@127.0.0.1:badport/postgres", `TEST_DATABASE_URL="(unparsable URL)"`, "cannot parse it"},
		{"postgres://srok:s3/cret@127.0.0.1/postgres", `TEST_DATABASE_URL="(unparsable URL)"`, "cannot parse it"},
	} {
		getenv := func(k string) string {
			return map[string]string{"TEST_DATABASE_URL": c.url, "DATABASE_URL": "postgres://other/db"}[k]
		}
		srv, started, err := sharedFrom(context.Background(), getenv)
		if err == nil || srv != nil || started {
			t.Errorf("%s: sharedFrom = %v, %v, %v; want an error", c.url, srv, started, err)
			continue
		}
		for _, skipEnv := range []string{"", "1"} {
			t.Setenv("SROK_SKIP_POSTGRES", skipEnv)
			f := &fakeTB{}
			noServer(f, err)
			if wantHow := map[string]string{"": "fatal", "1": "skip"}[skipEnv]; f.how != wantHow {
				t.Errorf("%s, SROK_SKIP_POSTGRES=%q: %s, want %s", c.url, skipEnv, f.how, wantHow)
			}
			for _, want := range []string{c.want, c.cause, "unset it"} {
				if !strings.Contains(f.msg, want) {
					t.Errorf("%s: message lacks %q:\n%s", c.url, want, f.msg)
				}
			}
			for _, bad := range []string{"s3", "apt-get install", "DATABASE_URL=\"postgres://other"} {
				if strings.Contains(f.msg, bad) {
					t.Errorf("%s: message has %q:\n%s", c.url, bad, f.msg)
				}
			}
		}
	}
}

func TestNoServerStartFailure(t *testing.T) {
	t.Setenv("SROK_SKIP_POSTGRES", "")
	f := &fakeTB{}
	noServer(f, errors.New("pgtest: initdb (as nobody): exit status 1"))
	if f.how != "fatal" || !strings.Contains(f.msg, "initdb (as nobody)") || !strings.Contains(f.msg, "TEST_DATABASE_URL") || strings.Contains(f.msg, "apt-get install") {
		t.Errorf("%s %q", f.how, f.msg)
	}
}

func TestRedact(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://srok:s3cret@db:5432/srok", "postgres://srok:xxxxx@db:5432/srok"},
		{"postgres://srok@db/srok?sslmode=disable", "postgres://srok@db/srok?sslmode=disable"},
		{"postgres://db/srok?password=s3cret&sslmode=require", "postgres://db/srok?password=xxxxx&sslmode=require"},
		{"postgres://a b@%zz", "(unparsable URL)"},
		{"postgres://srok:12/s3cret@db/srok", "(unparsable URL)"},
		{"host=db user=srok password=s3cret dbname=srok", "host=db user=srok password=xxxxx dbname=srok"},
		{"host=db password='a b' dbname=srok", "host=db password=xxxxx dbname=srok"},
		{`host=db password='it\'s' sslpassword=s3cret`, "host=db password=xxxxx sslpassword=xxxxx"},
		{"host=db password='s3cret dbname=srok", "host=db password=xxxxx"},
	} {
		if got := redact(c.in); got != c.want {
			t.Errorf("redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
