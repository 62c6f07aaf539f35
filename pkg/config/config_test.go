package config

import (
	"bytes"
	"strings"
	"testing"

	"github.com/caarlos0/env/v11"
)

// getenv returns a getenv that reads vars.
func getenv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestConfigDefaults(t *testing.T) {
	c, err := Load(getenv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "data" || c.ShutdownTimeout.String() != "15s" || c.DBMaxConns != 10 {
		t.Errorf("defaults: %+v", c)
	}
}

// TestConfigErrors checks that every error of Load names the variable, shows
// its value (masked if secret) and what to give instead, on one line, and
// never shows the password.
func TestConfigErrors(t *testing.T) {
	const password = "s3cret"
	// A good DATABASE_URL with the password, set unless a case sets its own.
	good := "postgres://srok:" + password + "@db:5432/srok?sslmode=require"
	for _, c := range []struct {
		key, value string
		want       string // in the error, after key=
	}{
		{"SROK_ADDR", "8080", `"8080": give host:port`},
		{"SROK_TIME_ZONE", "Moscow", `"Moscow": give an IANA time zone such as Europe/Moscow`},
		{"SROK_TIME_ZONE", "Local", `"Local": give an IANA time zone`},
		{"SROK_LOG_LEVEL", "loud", `"loud": give debug, info, warn or error`},
		{"SROK_SHUTDOWN_TIMEOUT", "abc", `"abc": give a duration such as 15s or 1m30s`},
		{"SROK_SHUTDOWN_TIMEOUT", "15", `"15": give a duration such as 15s or 1m30s`},
		{"SROK_SHUTDOWN_TIMEOUT", "-5s", `"-5s": give a positive duration such as 15s or 1m30s`},
		{"SROK_SHUTDOWN_TIMEOUT", "0s", `"0s": give a positive duration`},
		{"SROK_DB_MAX_CONNS", "x", `"x": give a whole number from 1 to 1000`},
		{"SROK_DB_MAX_CONNS", "2.5", `"2.5": give a whole number from 1 to 1000`},
		{"SROK_DB_MAX_CONNS", "0", `"0": give a whole number from 1 to 1000`},
		{"SROK_DB_MAX_CONNS", "1001", `"1001": give a whole number from 1 to 1000`},
		{"SROK_DB_MAX_CONNS", "99999999999999999999", `"99999999999999999999": give a whole number`},
		{"SROK_RATE_LIMIT", "fast", `"fast": give requests per second`},
		{"SROK_RATE_LIMIT", "-1", `"-1": give requests per second`},
		{"SROK_RATE_BURST", "0", `"0": give a whole number from 1 to 100000`},
		{"SROK_MAX_IN_FLIGHT", "none", `"none": give a whole number from 1 to 100000`},
		{"SROK_TRUSTED_PROXIES", "10.0.0.0/33", `"10.0.0.0/33": give networks in CIDR form`},
		{"SROK_TRUSTED_PROXIES", "proxy.local", `"proxy.local": give networks in CIDR form`},
		{"SROK_PUBLIC_URL", "srok.example.ru", `"srok.example.ru": give the http:// or https:// address`},
		{"SROK_PUBLIC_URL", "ftp://srok.example.ru", `"ftp://srok.example.ru": give the http:// or https:// address`},
		{"SROK_SESSION_IDLE_TIMEOUT", "0s", `"0s": give a positive duration such as 30m`},
		{"SROK_SESSION_LIFETIME", "10m", `"10m": give a positive duration such as 12h, not shorter than SROK_SESSION_IDLE_TIMEOUT`},
		{"SROK_DATA_DIR", "  ", `"  ": give the folder of the embedded database`},
		{"DATABASE_URL", "mysql://srok:" + password + "@db/srok", `"mysql://srok:xxxxx@db/srok": give postgres://`},
		{"DATABASE_URL", "host=db user=srok password=" + password + " dbname=srok",
			`"host=db user=srok password=xxxxx dbname=srok": give a URL rather than keyword=value settings`},
		{"DATABASE_URL", "host=db password='" + password + " x' dbname=srok", `"host=db password=xxxxx dbname=srok": give a URL`},
		{"DATABASE_URL", "postgres://srok:" + password + " x@db/srok", `"(unparsable URL)": give a URL such as postgres://`},
		{"DATABASE_URL", "postgres://srok:12/" + password + "@db/srok", `"(unparsable URL)": give a URL such as postgres://`},
		{"DATABASE_URL", "postgres://srok:" + password + "?x@db/srok", `"(unparsable URL)": give a URL such as postgres://`},
		{"DATABASE_URL", "srok:" + password + "@db/srok", `"(unparsable URL)": give postgres://`},
		{"DATABASE_URL", password, `"(not a URL)": give postgres://`},
	} {
		vars := map[string]string{"DATABASE_URL": good}
		if c.key == "SROK_DATA_DIR" {
			delete(vars, "DATABASE_URL") // SROK_DATA_DIR is used without one only
		}
		vars[c.key] = c.value
		_, err := Load(getenv(vars))
		if err == nil {
			t.Errorf("%s=%q: no error", c.key, c.value)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, c.key+"=") || !strings.Contains(msg, c.key+"="+c.want) {
			t.Errorf("%s=%q: error %q, want %s=%s...", c.key, c.value, msg, c.key, c.want)
		}
		if strings.Contains(msg, password) {
			t.Errorf("%s=%q: error shows the password: %q", c.key, c.value, msg)
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("%s=%q: error of several lines: %q", c.key, c.value, msg)
		}
	}
}

func TestConfigSeveralParseErrors(t *testing.T) {
	_, err := Load(getenv(map[string]string{"SROK_SHUTDOWN_TIMEOUT": "soon", "SROK_DB_MAX_CONNS": "many"}))
	want := `SROK_SHUTDOWN_TIMEOUT="soon": give a duration such as 15s or 1m30s; SROK_DB_MAX_CONNS="many": give a whole number from 1 to 1000`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestConfigGood(t *testing.T) {
	for _, u := range []string{
		"", "sqlite:/var/lib/srok/srok.db", "postgres://srok:s3%2Fcret@db:5432/srok?sslmode=require",
		"postgresql://srok:p@ss@db/srok", "postgres:///srok?host=/run/postgresql",
	} {
		if _, err := Load(getenv(map[string]string{"DATABASE_URL": u})); err != nil {
			t.Errorf("DATABASE_URL=%q: %v", u, err)
		}
	}
	c, err := Load(getenv(map[string]string{"SROK_SHUTDOWN_TIMEOUT": "1m30s", "SROK_DB_MAX_CONNS": "1000", "SROK_ADDR": ":8080"}))
	if err != nil || c.ShutdownTimeout.String() != "1m30s" || c.DBMaxConns != 1000 || c.Addr != ":8080" {
		t.Errorf("Load = %+v, %v", c, err)
	}
}

// TestConfigVariables checks that every variable is described, has a hint
// and belongs to a field, so that parse errors can name it.
func TestConfigVariables(t *testing.T) {
	params, err := env.GetFieldParams(&Config{})
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, k := range fieldKeys() {
		keys[k] = true
	}
	if len(keys) != len(params) {
		t.Errorf("fieldKeys has %d variables, env %d", len(keys), len(params))
	}
	for _, p := range params {
		if descriptions[p.Key] == "" || hints[p.Key] == "" || !keys[p.Key] {
			t.Errorf("%s: description %q, hint %q, field %v", p.Key, descriptions[p.Key], hints[p.Key], keys[p.Key])
		}
	}
	var buf bytes.Buffer
	c, _ := Load(getenv(map[string]string{"DATABASE_URL": "postgres://srok:s3cret@db/srok"}))
	if err := c.Print(&buf); err != nil || strings.Contains(buf.String(), "s3cret") || !strings.Contains(buf.String(), "srok:xxxxx@db") {
		t.Errorf("Print: %v\n%s", err, buf.String())
	}
}

// TestConfigMigrateURL: SROK_MIGRATE_DATABASE_URL is the owner's PostgreSQL
// URL beside a serving DATABASE_URL of another role; `srok config` says
// whether the audit trail is out of the serving role's reach.
func TestConfigMigrateURL(t *testing.T) {
	const owner = "postgres://srok_owner:0wner-s3cret@db:5432/srok"
	for _, c := range []struct {
		name        string
		vars        map[string]string
		wantErr     string
		protected   bool
		wantPrinted string
	}{
		{"two roles", map[string]string{"DATABASE_URL": "postgres://srok_app:s3cret@db:5432/srok", "SROK_MIGRATE_DATABASE_URL": owner},
			"", true, "# audit trail: protected"},
		{"one role", map[string]string{"DATABASE_URL": "postgres://srok:s3cret@db:5432/srok"}, "", false,
			"# audit trail: not protected: DATABASE_URL's role owns the tables"},
		{"sqlite", map[string]string{}, "", false, "# audit trail: not protected: whoever can write the SQLite file"},
		{"sqlite with an owner", map[string]string{"SROK_MIGRATE_DATABASE_URL": owner},
			`SROK_MIGRATE_DATABASE_URL="postgres://srok_owner:xxxxx@db:5432/srok": it needs a PostgreSQL DATABASE_URL`, false, ""},
		{"same role", map[string]string{"DATABASE_URL": "postgres://srok_owner:s3cret@db:5432/srok", "SROK_MIGRATE_DATABASE_URL": owner},
			`SROK_MIGRATE_DATABASE_URL="postgres://srok_owner:xxxxx@db:5432/srok": give the owner's role, not DATABASE_URL's`, false, ""},
		{"serving role unnamed", map[string]string{"DATABASE_URL": "postgres://db:5432/srok", "SROK_MIGRATE_DATABASE_URL": owner},
			`DATABASE_URL="postgres://db:5432/srok": name the serving role's user`, false, ""},
		{"not postgres", map[string]string{"DATABASE_URL": "postgres://srok_app@db/srok", "SROK_MIGRATE_DATABASE_URL": "sqlite:/tmp/x.db"},
			`SROK_MIGRATE_DATABASE_URL="sqlite:/tmp/x.db": give the owner's postgres://`, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Load(getenv(c.vars))
			if c.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), c.wantErr) || strings.Contains(err.Error(), "s3cret") {
					t.Fatalf("error %v, want %s…", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p, _ := cfg.AuditProtected(); p != c.protected {
				t.Errorf("protected %v", p)
			}
			var out bytes.Buffer
			if err := cfg.Print(&out); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "\n"+c.wantPrinted) || strings.Contains(out.String(), "s3cret") {
				t.Errorf("srok config:\n%s\nwant %q, no password", out.String(), c.wantPrinted)
			}
		})
	}
}
