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
		{map[string]string{"SROK_SCHEDULER_INTERVAL": "1ms"}, `SROK_SCHEDULER_INTERVAL="1ms"`},
		{map[string]string{"SROK_REMINDER_LEASE": "0s"}, `SROK_REMINDER_LEASE="0s"`},
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
