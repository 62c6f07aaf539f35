package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/srok/srok/pkg/mailbox/imaptest"
)

func TestMailCheckCommand(t *testing.T) {
	srv := imaptest.MustStart(t)
	good := fmt.Sprintf("imaps://srok:app-password@%s/INBOX", srv.TLSAddr())
	r := runSrok(t, map[string]string{"SROK_IMAP_URL": good, "SROK_IMAP_CA_FILE": srv.CAFile()}, fixedNow, "mail", "check")
	if r.code != 0 || !strings.Contains(r.stdout, "srok (imaps://"+srv.TLSAddr()+"/INBOX): подключение работает") {
		t.Errorf("a working mailbox: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// Without the private CA, and with a wrong password: each says what failed, exit 1.
	bad := fmt.Sprintf("imap://srok:wrong-password@%s/INBOX?tls=starttls", srv.Addr())
	r = runSrok(t, map[string]string{"SROK_IMAP_URL": good + " " + bad}, fixedNow, "mail", "check")
	if r.code != 1 || !strings.Contains(r.stdout, "не работает — не удалось установить защищённое соединение") ||
		strings.Count(r.stdout, "\n") != 2 {
		t.Errorf("without the CA: exit %d, stdout %q", r.code, r.stdout)
	}
	r = runSrok(t, map[string]string{"SROK_IMAP_URL": bad, "SROK_IMAP_CA_FILE": srv.CAFile()}, fixedNow, "mail", "check")
	if r.code != 1 || !strings.Contains(r.stdout, "сервер отклонил логин или пароль") || strings.Contains(r.stdout+r.stderr, "wrong-password") {
		t.Errorf("a wrong password: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// None configured: a usage error in Russian.
	r = runSrok(t, nil, fixedNow, "mail", "check")
	if r.code != 2 || !strings.Contains(r.stderr, "почтовые ящики не настроены") {
		t.Errorf("no mailbox: exit %d, stderr %q", r.code, r.stderr)
	}
}
