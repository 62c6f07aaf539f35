package remind

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/srok/srok/pkg/mailer"
	"github.com/srok/srok/pkg/register"
	"github.com/srok/srok/pkg/srok"
)

// Delivery of the reminders outbox.
//
// A row is marked sent only after the SMTP server accepted its email (250
// at the end of DATA), in one transaction with its attempt and timeline
// event. The only window in which an email can go out twice is between that
// acceptance and the commit of the mark: if the process dies (or the
// database is unreachable) exactly there, the row's lease runs out and the
// row is sent again. Delivery is therefore at-least-once across a crash in
// that window, and exactly-once otherwise. That is the right side to err
// on: a reminder of a statutory term (152-FZ art. 20, 21) received twice
// costs a glance; one never received can cost a missed term. The window is
// kept to one commit: each email is marked as soon as it is accepted, not
// at the end of its batch.
//
// Rows are claimed with FOR UPDATE SKIP LOCKED and a lease (locked_by,
// locked_until) on PostgreSQL, so that any number of instances deliver
// disjoint rows; on SQLite the single writer serialises the claims.
//
// A lease must outlast the send it covers, or a slow server (one answering
// the end of DATA after the lease ran out) lets another instance claim the
// row and send it a second time while the first send is still waiting for
// its 250. So the lease is taken twice:
//
//   - the claim leases the batch for SROK_REMINDER_LEASE, which only has to
//     cover the wait before each email's send starts (and the batch gives
//     back what is left once half of it is used);
//   - as each email's send starts, HoldReminders checks, in one UPDATE, that
//     its rows are still pending and leased to this instance, and extends
//     their lease to cover the longest send: the SMTP timeout for each
//     command of a send (MAIL, RCPT, DATA, the message and its end, RSET),
//     or SROK_REMINDER_LEASE if longer. A row whose lease was lost is not
//     sent by this instance: another one holds it.
//
// A row whose send has started is therefore claimable again only once that
// send can no longer be running (go-mail's deadlines end it first): by then
// its outcome is written, or its holder died or lost the database, which is
// the window of the trade-off above. No heartbeat is needed, and the rows
// of a dead instance not yet being sent come back after the short lease.
// (go-mail sets one deadline for a whole message; counting one timeout per
// command keeps the bound safe should it set one per command instead.)

// Deliverer sends the due reminders of the outbox.
type Deliverer struct {
	store    OutboxStore
	sender   *mailer.Sender
	composer *Composer
	now      func() time.Time
	instance string
	batch    int
	lease    time.Duration
	log      *slog.Logger
	jitter   func() float64
	// hold is the lease of an email being sent: the longest send.
	hold time.Duration
	// authRefused is set once the server refused the login: no round logs
	// in again with the same credentials (they change only with a restart).
	authRefused atomic.Bool
}

// SendCommands is how many SMTP commands one send may wait on, each up to
// the SMTP timeout: MAIL, RCPT (one recipient, a digest too), DATA, the
// message with its end, and the RSET before the next one.
const SendCommands = 5

// SendLease is the lease an email being sent is held for: the longest its
// send may take with SMTP timeout timeout, or lease if longer.
func SendLease(timeout, lease time.Duration) time.Duration {
	return max(lease, timeout*SendCommands)
}

// DelivererConfig configures a Deliverer.
type DelivererConfig struct {
	Store    OutboxStore
	Sender   *mailer.Sender
	Composer *Composer
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// Instance names this process in leases and attempts (host:pid).
	Instance string
	// BatchSize is how many rows one claim takes (default 100).
	BatchSize int
	// Lease is how long a claim holds its rows (default 2 minutes): longer
	// than a batch takes to send, so that only a dead holder loses them.
	Lease time.Duration
	Log   *slog.Logger
}

// NewDeliverer returns a Deliverer.
func NewDeliverer(c DelivererConfig) *Deliverer {
	d := &Deliverer{store: c.Store, sender: c.Sender, composer: c.Composer, now: c.Now, instance: c.Instance,
		batch: c.BatchSize, lease: c.Lease, log: c.Log, jitter: rand.Float64}
	if d.now == nil {
		d.now = time.Now
	}
	if d.batch <= 0 {
		d.batch = 100
	}
	if d.lease <= 0 {
		d.lease = 2 * time.Minute
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.instance == "" {
		d.instance = "srok"
	}
	d.hold = d.lease
	if d.sender != nil {
		d.hold = SendLease(d.sender.Timeout(), d.lease)
		if d.hold > d.lease {
			d.log.Warn("reminders: SROK_REMINDER_LEASE is shorter than the longest send (SROK_SMTP_TIMEOUT for each of its commands): "+
				"an email being sent is held for the longer time", "lease", d.lease.String(),
				"smtp_timeout", d.sender.Timeout().String(), "send_lease", d.hold.String())
		}
	}
	return d
}

// Backoff is the wait before attempt n+1 after n failed ones: one minute,
// doubled each time, at most an hour, ±20% so that instances and rows
// that failed together do not come back together.
func Backoff(n int, jitter float64) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	return time.Duration(float64(d) * (0.8 + 0.4*jitter))
}

// Stats counts what one Deliver did.
type Stats struct {
	Sent, Retried, Failed, Cancelled int
}

// ErrNoSMTP is returned by Deliver when no SMTP server is configured: the
// reminders stay pending, to be sent once one is.
var ErrNoSMTP = errors.New("remind: no SMTP server configured (SROK_SMTP_HOST): reminders stay pending and are not sent")

// errConnection ends a Deliver when the SMTP server cannot be reached: the
// rows wait for the next round.
var errConnection = errors.New("remind: the SMTP server cannot be reached")

// ErrAuthRefused is returned by Deliver once the SMTP server refused the
// login (a wrong SROK_SMTP_USERNAME or SROK_SMTP_PASSWORD): the reminders
// of the batch that met the refusal are recorded failed (permanent, with
// the server's code), and this Deliverer logs in no more, so that the
// account is not locked by retries; the rest stay pending until Srok is
// restarted with the right credentials.
var ErrAuthRefused = errors.New("remind: the SMTP server refused the login (SROK_SMTP_USERNAME, SROK_SMTP_PASSWORD): " +
	"reminders are not sent until the credentials are corrected and Srok restarted")

// Deliver sends the reminders due at now, batch after batch, until none is
// left, and returns how many rows were sent.
func (d *Deliverer) Deliver(ctx context.Context, now time.Time) (int, error) {
	st, err := d.DeliverStats(ctx, now)
	return st.Sent, err
}

// DeliverStats is Deliver with all its counts.
func (d *Deliverer) DeliverStats(ctx context.Context, now time.Time) (Stats, error) {
	var total Stats
	if d.sender == nil {
		return total, ErrNoSMTP
	}
	if d.authRefused.Load() {
		return total, ErrAuthRefused
	}
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		// The lease counts from the claim, not from the round's start.
		claimed := d.now()
		items, err := d.store.ClaimReminders(ctx, d.instance, now, claimed.Add(d.lease), d.batch)
		if err != nil {
			return total, err
		}
		if len(items) == 0 {
			return total, nil
		}
		st, err := d.deliverBatch(ctx, items, claimed)
		total.Sent += st.Sent
		total.Retried += st.Retried
		total.Failed += st.Failed
		total.Cancelled += st.Cancelled
		if err != nil {
			return total, err
		}
	}
}

// stale says why item no longer applies ("" when it does): the request or
// obligation is no longer open, or the recipient is no longer the one the
// stage is for (reassigned, disabled, no longer an officer).
func stale(it OutboxItem) string {
	officer := it.RecipientRole == srok.RoleOfficer || it.RecipientRole == srok.RoleAdmin
	switch {
	case !it.RequestStatus.Open():
		return "the request is " + string(it.RequestStatus)
	case !it.ObligationOpen:
		return "the obligation is no longer open"
	case !it.RecipientActive:
		return "the recipient's account is disabled"
	case it.Stage == "escalation":
		if !officer {
			return "the recipient is no longer an officer"
		}
	case it.AssigneeID != "":
		if it.RecipientID != it.AssigneeID {
			return "the request was reassigned"
		}
	case !officer:
		return "the request is unassigned and the recipient is no longer an officer"
	}
	return ""
}

// group is the rows of one email.
type group struct {
	items  []OutboxItem
	digest bool
}

func (g group) ids() []int64 {
	out := make([]int64, len(g.items))
	for i, it := range g.items {
		out[i] = it.ID
	}
	return out
}

func (g group) attempts() int {
	n := 0
	for _, it := range g.items {
		n = max(n, it.Attempts)
	}
	return n
}

// groups splits items (ordered by recipient and date) into emails: each
// individual row alone, each recipient's digest rows of a date together.
func groups(items []OutboxItem) []group {
	var out []group
	at := map[[2]string]int{}
	for _, it := range items {
		if !it.Digest {
			out = append(out, group{items: []OutboxItem{it}})
			continue
		}
		key := [2]string{it.RecipientID, it.LocalDate.String()}
		if i, ok := at[key]; ok {
			out[i].items = append(out[i].items, it)
			continue
		}
		at[key] = len(out)
		out = append(out, group{items: []OutboxItem{it}, digest: true})
	}
	return out
}

func (d *Deliverer) deliverBatch(ctx context.Context, items []OutboxItem, claimed time.Time) (Stats, error) {
	var st Stats
	var live []OutboxItem
	byReason := map[string][]int64{}
	for _, it := range items {
		if why := stale(it); why != "" {
			byReason[why] = append(byReason[why], it.ID)
			continue
		}
		live = append(live, it)
	}
	for why, ids := range byReason {
		if err := d.store.CancelReminders(ctx, ids, why, d.now()); err != nil {
			return st, err
		}
		st.Cancelled += len(ids)
	}
	gs := groups(live)
	if len(gs) == 0 {
		return st, nil
	}
	conn, err := d.sender.Dial(ctx)
	if err != nil && mailer.AuthRefused(err) {
		n, err := d.refused(ctx, gs, err)
		st.Failed += n
		return st, err
	}
	if err != nil {
		if ctx.Err() != nil { // shutting down: no attempt was made
			return st, errors.Join(ctx.Err(), d.store.ReleaseReminders(context.WithoutCancel(ctx), ids(gs), d.instance))
		}
		n, rerr := d.retryAll(ctx, gs, err)
		st.Retried += n
		return st, errors.Join(fmt.Errorf("%w: %v", errConnection, codeText(err)), rerr)
	}
	defer func() {
		if conn != nil {
			_ = conn.Close()
		}
	}()
	for i, g := range gs {
		if ctx.Err() != nil {
			return st, errors.Join(ctx.Err(), d.store.ReleaseReminders(context.WithoutCancel(ctx), ids(gs[i:]), d.instance))
		}
		now := d.now()
		if now.Sub(claimed) > d.lease/2 {
			// A slow server used half the lease: give the rest back before
			// another instance may take them while this one still sends.
			return st, d.store.ReleaseReminders(context.WithoutCancel(ctx), ids(gs[i:]), d.instance)
		}
		msg, err := d.composer.Compose(g.items, g.digest, now)
		if err != nil {
			if ferr := d.fail(ctx, g, err, 0); ferr != nil {
				return st, ferr
			}
			st.Failed += len(g.items)
			continue
		}
		held, err := d.store.HoldReminders(ctx, g.ids(), d.instance, now.Add(d.hold))
		if err != nil {
			return st, errors.Join(err, d.store.ReleaseReminders(context.WithoutCancel(ctx), ids(gs[i:]), d.instance))
		}
		if !held {
			// The lease ran out before the send started and another
			// instance holds (or sent) some of these rows: not sent here.
			if err := d.store.ReleaseReminders(context.WithoutCancel(ctx), g.ids(), d.instance); err != nil {
				return st, err
			}
			continue
		}
		_, err = conn.Send(msg)
		if err == nil {
			if err := d.markSent(ctx, g, msg.MessageID, d.now()); err != nil {
				return st, err
			}
			st.Sent += len(g.items)
			continue
		}
		code := mailer.CodeOf(err)
		if mailer.Permanent(err) {
			if ferr := d.fail(ctx, g, err, code); ferr != nil {
				return st, ferr
			}
			st.Failed += len(g.items)
			continue
		}
		if rerr := d.retry(ctx, g, err, code); rerr != nil {
			return st, rerr
		}
		st.Retried += len(g.items)
		if code == 0 {
			// The connection itself failed: try a new one once.
			_ = conn.Close()
			if conn, err = d.sender.Dial(ctx); err != nil {
				n, rerr := d.retryAll(ctx, gs[i+1:], err)
				st.Retried += n
				return st, errors.Join(fmt.Errorf("%w: %v", errConnection, codeText(err)), rerr)
			}
		}
	}
	return st, nil
}

func ids(gs []group) []int64 {
	var out []int64
	for _, g := range gs {
		out = append(out, g.ids()...)
	}
	return out
}

// codeText describes a mail error without its text, which may quote an
// address: for logs.
func codeText(err error) string {
	if c := mailer.CodeOf(err); c != 0 {
		return fmt.Sprintf("SMTP %d", c)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "no SMTP reply (connection)"
}

// markSent records the acceptance. It is retried for a while on a database
// error: giving up here is what would send the email again.
func (d *Deliverer) markSent(ctx context.Context, g group, messageID string, at time.Time) error {
	events := make([]register.Event, len(g.items))
	for i, it := range g.items {
		events[i] = d.event(it, EventReminderSent, at, map[string]any{"message_id": messageID})
	}
	del := Delivery{At: at, Instance: d.instance, MessageID: messageID, Code: 250, Events: events}
	var err error
	wait := 100 * time.Millisecond
	for range 6 {
		// Not ctx: a shutdown must not leave an accepted email unmarked.
		if err = d.store.MarkRemindersSent(context.WithoutCancel(ctx), g.ids(), del); err == nil {
			return nil
		}
		time.Sleep(wait)
		wait *= 2
	}
	return err
}

// refused records the rows of gs failed for the login the server refused,
// and stops this Deliverer's delivery (see ErrAuthRefused). The error kept
// is go-mail's, which quotes the server's reply, never the password.
func (d *Deliverer) refused(ctx context.Context, gs []group, cause error) (int, error) {
	d.authRefused.Store(true)
	d.log.Error("reminders: the SMTP server refused the login; check SROK_SMTP_USERNAME and SROK_SMTP_PASSWORD, then restart",
		"smtp", d.sender.Describe(), "code", mailer.CodeOf(cause))
	n := 0
	for _, g := range gs {
		if err := d.fail(ctx, g, cause, mailer.CodeOf(cause)); err != nil {
			return n, errors.Join(ErrAuthRefused, err)
		}
		n += len(g.items)
	}
	return n, ErrAuthRefused
}

func (d *Deliverer) retry(ctx context.Context, g group, cause error, code int) error {
	now := d.now()
	next := now.Add(Backoff(g.attempts()+1, d.jitter()))
	return d.store.RetryReminders(context.WithoutCancel(ctx), g.ids(), next,
		Delivery{At: now, Instance: d.instance, Code: code, Error: cause.Error()})
}

func (d *Deliverer) retryAll(ctx context.Context, gs []group, cause error) (int, error) {
	n := 0
	for _, g := range gs {
		if err := d.retry(ctx, g, cause, mailer.CodeOf(cause)); err != nil {
			return n, err
		}
		n += len(g.items)
	}
	return n, nil
}

func (d *Deliverer) fail(ctx context.Context, g group, cause error, code int) error {
	now := d.now()
	events := make([]register.Event, len(g.items))
	for i, it := range g.items {
		after := map[string]any{"error": cause.Error()}
		if code != 0 {
			after["smtp_code"] = code
		}
		events[i] = d.event(it, EventReminderFailed, now, after)
	}
	return d.store.FailReminders(context.WithoutCancel(ctx), g.ids(), Delivery{At: now, Instance: d.instance, Code: code,
		Error: cause.Error(), Events: events})
}

// event is the timeline entry of a reminder sent or failed.
func (d *Deliverer) event(it OutboxItem, kind register.EventKind, at time.Time, after map[string]any) register.Event {
	after["stage"] = it.Stage
	after["obligation_id"] = it.ObligationID
	after["recipient"] = it.RecipientEmail
	after["digest"] = it.Digest
	return register.Event{RequestID: it.RequestID, At: at, ActorID: DeliveryActor.ID, ActorName: DeliveryActor.Name,
		Kind: kind, After: after}
}
