package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/mailer/mailertest"
	"github.com/srok/srok/pkg/remind"
	dt "github.com/srok/srok/pkg/remind/delivertest"
	"github.com/srok/srok/pkg/srok"
	"github.com/srok/srok/pkg/store"
	"github.com/srok/srok/pkg/store/pgtest"
)

// workingZone returns a time zone (Etc/GMT±N) in which now falls on a
// working day of the production calendar, away from midnight, so that the
// real clock of `srok serve` plans the same local date all through a test.
func workingZone(now time.Time) (string, bool) {
	cal, err := calendar.Embedded()
	if err != nil {
		return "", false
	}
	for off := 14; off >= -12; off-- {
		// Etc/GMT-3 is UTC+3: the sign of the name is the other way round.
		name := fmt.Sprintf("Etc/GMT%+d", -off)
		loc, err := time.LoadLocation(name)
		if err != nil {
			continue
		}
		local := now.In(loc)
		if local.Hour() >= 1 && local.Hour() <= 22 && cal.IsWorkday(calendar.DateOf(local)) {
			return name, true
		}
	}
	return "", false
}

// TestTwoServesScanAndSendOnce runs two `srok serve` processes on one
// PostgreSQL over a register of overdue requests, with nothing queued
// beforehand: both scanners plan the day's reminders at once and both
// deliverers send them, and each reminder reaches the SMTP server exactly
// once (counted at the sink), to the assignee, or to the officer when the
// request has none.
func TestTwoServesScanAndSendOnce(t *testing.T) {
	now := time.Now()
	zone, ok := workingZone(now)
	if !ok {
		t.Skipf("no time zone from UTC-12 to UTC+14 is on a working day at %s", now.UTC().Format(time.RFC3339))
	}
	bin := srokBinary(t)
	ctx := context.Background()
	vars := map[string]string{"DATABASE_URL": pgtest.MustDatabase(t)}
	st, err := store.Open(ctx, vars["DATABASE_URL"], "", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	alice := dt.MustUser(t, st, "alice@example.ru", srok.RoleOperator)
	boss := dt.MustUser(t, st, "boss@example.ru", srok.RoleOfficer)
	// Sending hour 00:00: whatever the hour in the zone, today's reminders are due.
	for _, u := range []string{alice, boss} {
		if err := st.PutReminderSettings(ctx, u, remind.Settings{SoonDays: 3, TomorrowDays: 1, SendHour: 0}, now, nil); err != nil {
			t.Fatal(err)
		}
	}
	const n = 40
	received := now.AddDate(0, -3, 0)
	for i := range n {
		id, email := "", ""
		if i%2 == 0 {
			id, email = alice, "alice@example.ru"
		}
		r := dt.MustRequest(t, st, received, id, email)
		dt.Exec(t, st, `UPDATE requests SET time_zone = ? WHERE id = ?`, zone, r.ID)
	}

	sink := mailertest.Start(t)
	sink.SetDelay(time.Millisecond)
	vars = smtpVars(sink, vars)
	a, b := startServe(t, bin, vars), startServe(t, bin, vars)
	// The scan is done when the outbox stops growing and all of it is sent.
	deadline := time.Now().Add(40 * time.Second)
	for {
		s := dt.Statuses(t, st)
		if s["sent"] >= n && s["pending"] == 0 && sink.Count() == s["sent"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox %v, sink %d within 40s\n%s%s", s, sink.Count(), a.stderr.String(), b.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // more scans and deliveries: a double would appear now
	a.stop(t)
	b.stop(t)

	s := dt.Statuses(t, st)
	rows := dt.Count(t, st, `SELECT COUNT(*) FROM reminders`)
	if s["sent"] != rows {
		t.Errorf("outbox %v: want all %d rows sent", s, rows)
	}
	wantEachOnce(t, sink, rows)
	// Every request is overdue: one reminder a day per open obligation, to
	// its assignee (alice) or, unassigned, to the officer.
	if got := dt.Count(t, st, `SELECT COUNT(DISTINCT request_id) FROM reminders WHERE stage = 'overdue'`); got != n {
		t.Errorf("%d requests got an overdue reminder, want %d", got, n)
	}
	wrong := dt.Count(t, st, `SELECT COUNT(*) FROM reminders m JOIN requests r ON r.id = m.request_id
		WHERE m.recipient_id <> COALESCE(r.assignee_id, ?)`, boss)
	if wrong != 0 {
		t.Errorf("%d reminders went to someone other than the assignee or, unassigned, the officer", wrong)
	}
	if got := dt.Count(t, st, `SELECT COUNT(DISTINCT local_date) FROM reminders`); got != 1 {
		t.Errorf("reminders for %d local dates, want today's only", got)
	}
	t.Logf("zone %s: %d reminders planned by two scanners, each sent once", zone, rows)
}
