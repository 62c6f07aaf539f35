package config

import (
	"bytes"
	"strings"
	"testing"
)

func TestSMTPConfig(t *testing.T) {
	for _, c := range []struct {
		vars map[string]string
		want string // "" for no error
	}{
		{map[string]string{}, ""},
		{map[string]string{"SROK_SMTP_HOST": "smtp.example.ru", "SROK_SMTP_FROM": "Srok <srok@example.ru>"}, ""},
		{map[string]string{"SROK_SMTP_HOST": "smtp.example.ru"}, `SROK_SMTP_FROM="": give the sender's address`},
		{map[string]string{"SROK_SMTP_HOST": "smtp.example.ru:587", "SROK_SMTP_FROM": "a@b.ru"}, `SROK_SMTP_HOST="smtp.example.ru:587": give a host name`},
		{map[string]string{"SROK_SMTP_TLS": "ssl"}, `SROK_SMTP_TLS="ssl": give none, starttls or tls`},
		{map[string]string{"SROK_SMTP_PORT": "70000"}, `SROK_SMTP_PORT="70000"`},
		{map[string]string{"SROK_SMTP_PORT": "x"}, `SROK_SMTP_PORT="x"`},
		{map[string]string{"SROK_SMTP_TIMEOUT": "0s"}, `SROK_SMTP_TIMEOUT="0s"`},
		{map[string]string{"SROK_SCHEDULER": "maybe"}, `SROK_SCHEDULER="maybe": give on or off`},
		{map[string]string{"SROK_ACK_EMAILS": "yes"}, `SROK_ACK_EMAILS="yes": give on or off`},
		{map[string]string{"SROK_SCHEDULER_INTERVAL": "1ms"}, `SROK_SCHEDULER_INTERVAL="1ms"`},
		{map[string]string{"SROK_REMINDER_LEASE": "0s"}, `SROK_REMINDER_LEASE="0s"`},
		{map[string]string{"SROK_SMTP_HELO": "srok.example.ru"}, ""},
		{map[string]string{"SROK_SMTP_HELO": "[192.0.2.10]"}, ""},
		{map[string]string{"SROK_SMTP_HELO": "[IPv6:2001:db8::1]"}, ""},
		{map[string]string{"SROK_SMTP_HELO": "srok example"}, `SROK_SMTP_HELO="srok example": give a host name`},
		{map[string]string{"SROK_SMTP_HELO": "srok.example.ru:587"}, `SROK_SMTP_HELO="srok.example.ru:587"`},
		{map[string]string{"SROK_SMTP_HELO": "192.0.2.10"}, `SROK_SMTP_HELO="192.0.2.10"`},
		{map[string]string{"SROK_SMTP_HELO": "-srok.ru"}, `SROK_SMTP_HELO="-srok.ru"`},
	} {
		_, err := Load(getenv(c.vars))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v", c.vars, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: error %v, want %q", c.vars, err, c.want)
		}
	}
	cfg, err := Load(getenv(map[string]string{"SROK_SMTP_HOST": "smtp.example.ru", "SROK_SMTP_FROM": "srok@example.ru",
		"SROK_SMTP_USERNAME": "srok", "SROK_SMTP_PASSWORD": "p4ssw0rd"}))
	if err != nil {
		t.Fatal(err)
	}
	if m := cfg.SMTP(); m.Host != "smtp.example.ru" || m.TLS != "starttls" || m.Password != "p4ssw0rd" {
		t.Errorf("SMTP() = %+v", m)
	}
	var b bytes.Buffer
	if err := cfg.Print(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "p4ssw0rd") || !strings.Contains(b.String(), "SROK_SMTP_PASSWORD=********") {
		t.Errorf("the password is not masked:\n%s", b.String())
	}
}

// TestHELO: SROK_SMTP_HELO, else the host of SROK_PUBLIC_URL, else none
// (the mailer gives the machine's host name).
func TestHELO(t *testing.T) {
	for _, c := range []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{}, ""},
		{map[string]string{"SROK_PUBLIC_URL": "https://srok.example.ru:8443/base"}, "srok.example.ru"},
		{map[string]string{"SROK_PUBLIC_URL": "http://192.0.2.10:8080"}, "[192.0.2.10]"},
		{map[string]string{"SROK_PUBLIC_URL": "http://[2001:db8::1]:8080"}, "[IPv6:2001:db8::1]"},
		{map[string]string{"SROK_PUBLIC_URL": "https://srok.example.ru", "SROK_SMTP_HELO": "mx.example.ru"}, "mx.example.ru"},
	} {
		cfg, err := Load(getenv(c.vars))
		if err != nil {
			t.Fatalf("%v: %v", c.vars, err)
		}
		if got := cfg.SMTP().HELO; got != c.want {
			t.Errorf("%v: HELO %q, want %q", c.vars, got, c.want)
		}
	}
}
