package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"github.com/srok/srok/pkg/intake"
	"github.com/srok/srok/pkg/srok"
)

// errLeaseLost ends a session whose lease another instance has taken.
var errLeaseLost = errors.New("mailbox: the lease was taken over")

// Fetcher is the loop of one mailbox. Any number of instances may run one
// for the same mailbox on one database: the one holding the mailbox's
// lease fetches, the others wait and take over once it has run out. Its
// logs name the mailbox by id and URL without credentials, never a
// message's sender or subject.
type Fetcher struct {
	Source Source
	Store  Store
	Ingest Ingester
	// Holder names this instance in the lease.
	Holder string
	// TLS is the TLS configuration (TLSConfig).
	TLS *tls.Config
	// DoneFolder, when set, is where ingested messages are moved;
	// otherwise they are flagged \Seen and stay.
	DoneFolder string
	// Interval is the pause between polls when the server offers no IDLE
	// (1 minute by default).
	Interval time.Duration
	// Lease is how long a holder keeps the mailbox without renewing it (2
	// minutes by default); renewed every third of it.
	Lease time.Duration
	// Timeout bounds the connection and each command (DialTimeout).
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the pause after a failure, doubled
	// from one to the next (5 s and 10 min by default).
	MinBackoff, MaxBackoff time.Duration
	Now                    func() time.Time
	Log                    *slog.Logger
}

func (f *Fetcher) defaults() {
	if f.Interval <= 0 {
		f.Interval = time.Minute
	}
	if f.Lease <= 0 {
		f.Lease = 2 * time.Minute
	}
	if f.Timeout <= 0 {
		f.Timeout = DialTimeout
	}
	if f.MinBackoff <= 0 {
		f.MinBackoff = 5 * time.Second
	}
	if f.MaxBackoff <= 0 {
		f.MaxBackoff = 10 * time.Minute
	}
	if f.Now == nil {
		f.Now = time.Now
	}
	if f.Log == nil {
		f.Log = slog.New(slog.DiscardHandler)
	}
	f.Log = f.Log.With("mailbox", f.Source.ID, "url", f.Source.Redacted())
}

// Run fetches until ctx ends, then gives the lease back. A failure never
// ends it: it is recorded (state failing, its code) and tried again after a
// pause that doubles up to MaxBackoff.
func (f *Fetcher) Run(ctx context.Context) {
	f.defaults()
	failures := 0
	for ctx.Err() == nil {
		now := f.Now()
		held, err := f.Store.TakeMailboxLease(ctx, f.Source.ID, f.Holder, now, now.Add(f.Lease))
		if err != nil {
			if ctx.Err() == nil {
				f.Log.Warn("mailbox: unable to take the lease", "error", err.Error())
			}
			sleep(ctx, f.renewEvery())
			continue
		}
		if !held {
			// Another instance fetches; look again when its lease may run out.
			sleep(ctx, f.renewEvery())
			continue
		}
		err = f.session(ctx, &failures)
		if ctx.Err() != nil {
			break
		}
		if errors.Is(err, errLeaseLost) {
			continue
		}
		failures++
		e := asError(err)
		f.Log.Warn("mailbox: fetching failed; trying again later", "code", string(e.Code), "error", e.Detail, "failures", failures)
		_ = f.Store.SetMailboxStatus(ctx, f.Source.ID, Status{State: StateFailing, Err: e}, f.Now())
		sleep(ctx, f.backoff(failures))
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = f.Store.ReleaseMailboxLease(rctx, f.Source.ID, f.Holder)
}

// renewEvery is how often the lease is renewed, and how often an instance
// without it looks again.
func (f *Fetcher) renewEvery() time.Duration { return f.Lease / 3 }

// backoff is the pause after the n-th failure in a row: MinBackoff doubled
// n-1 times, at most MaxBackoff, less up to a fifth at random so that
// instances do not retry in step.
func (f *Fetcher) backoff(n int) time.Duration {
	d := f.MinBackoff
	for i := 1; i < n && d < f.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, f.MaxBackoff)
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeFetch, Detail: err.Error(), Err: err}
}

// session connects, fetches what is new, and waits for more (IDLE, else a
// pause of Interval), until an error, ctx's end or the loss of the lease.
func (f *Fetcher) session(ctx context.Context, failures *int) error {
	cn, err := dial(ctx, f.Source, f.TLS, f.Timeout)
	if err != nil {
		return err
	}
	defer cn.close()
	cur, err := f.Store.MailboxCursor(ctx, f.Source.ID)
	if err != nil {
		return &Error{Code: CodeStore, Detail: err.Error(), Err: err}
	}
	if cur.UIDValidity != cn.status.UidValidity {
		// A new folder (or one recreated): its UIDs start over. What was
		// fetched before is recognised by the intake, not stored again.
		if cur.UIDValidity != 0 {
			f.Log.Info("mailbox: the folder's UIDVALIDITY changed; fetching it anew", "uidvalidity", cn.status.UidValidity)
		}
		cur = Cursor{UIDValidity: cn.status.UidValidity}
		if err := f.Store.SaveMailboxCursor(ctx, f.Source.ID, f.Holder, cur); err != nil {
			return &Error{Code: CodeStore, Detail: err.Error(), Err: err}
		}
	}
	idle, _ := cn.c.Support("IDLE")
	// Updates the server sends unasked (EXISTS while idling) wake the loop;
	// they are drained at once so that the client never blocks on them.
	updates := make(chan client.Update, 64)
	wake := make(chan struct{}, 1)
	cn.c.Updates = updates
	go func() {
		for u := range updates {
			if mu, ok := u.(*client.MailboxUpdate); ok && mu.Mailbox != nil {
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}
	}()
	defer func() { cn.c.Updates = nil }()
	lastFetch := time.Time{}
	var notice *Error
	for {
		if time.Since(lastFetch) >= f.Interval || idle || lastFetch.IsZero() {
			n, skipped, err := f.fetchNew(ctx, cn, &cur)
			if err != nil {
				return err
			}
			if skipped != nil {
				notice = skipped
			}
			lastFetch = time.Now()
			now := f.Now()
			if err := f.Store.SetMailboxStatus(ctx, f.Source.ID, Status{State: StateOK, Err: notice, Fetched: &now}, now); err != nil {
				return &Error{Code: CodeStore, Detail: err.Error(), Err: err}
			}
			*failures = 0
			if n > 0 {
				f.Log.Info("mailbox: emails fetched", "count", n)
			}
		}
		now := f.Now()
		held, err := f.Store.TakeMailboxLease(ctx, f.Source.ID, f.Holder, now, now.Add(f.Lease))
		if err != nil {
			return &Error{Code: CodeStore, Detail: err.Error(), Err: err}
		}
		if !held {
			return errLeaseLost
		}
		wait := f.renewEvery()
		if !idle {
			wait = min(wait, f.Interval-time.Since(lastFetch))
		}
		wait = max(min(wait, f.Timeout/2), 10*time.Millisecond)
		if err := f.wait(ctx, cn, idle, wait, wake); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// wait idles (or sleeps) for at most d, until the server announces mail or
// ctx ends.
func (f *Fetcher) wait(ctx context.Context, cn *conn, idle bool, d time.Duration, wake <-chan struct{}) error {
	if !idle {
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
		return nil
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- cn.c.Idle(stop, &client.IdleOptions{LogoutTimeout: -1}) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			return &Error{Code: CodeConnect, Detail: "the connection ended while idling: " + err.Error(), Err: err}
		}
		return nil
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	}
	close(stop)
	if err := <-done; err != nil && ctx.Err() == nil {
		return &Error{Code: CodeConnect, Detail: "the connection ended while idling: " + err.Error(), Err: err}
	}
	return nil
}

// fetched is a message's envelope as the server lists it.
type fetched struct {
	uid      uint32
	size     uint32
	internal time.Time
}

// fetchNew takes the messages after cur.LastUID, one by one in the order
// of their UIDs: each is ingested, then flagged or moved, then the cursor
// moves past it. A crash between two steps makes the message fetched again
// next time, and the intake recognises it: never a duplicate, never a loss.
// It returns how many it stored, and a notice of the last message passed
// over (over the size limit), if any.
func (f *Fetcher) fetchNew(ctx context.Context, cn *conn, cur *Cursor) (int, *Error, error) {
	set := new(imap.SeqSet)
	set.AddRange(cur.LastUID+1, 0)
	// UID FETCH n:* always answers the last message, even below n: those
	// are filtered out.
	ch := make(chan *imap.Message, 64)
	errc := make(chan error, 1)
	go func() {
		errc <- cn.c.UidFetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchRFC822Size, imap.FetchInternalDate}, ch)
	}()
	var list []fetched
	for m := range ch {
		if m.Uid > cur.LastUID {
			list = append(list, fetched{uid: m.Uid, size: m.Size, internal: m.InternalDate})
		}
	}
	if err := <-errc; err != nil {
		return 0, nil, f.imapError(ctx, "list the new messages", err)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].uid < list[j].uid })
	stored := 0
	var notice *Error
	for _, m := range list {
		if ctx.Err() != nil {
			return stored, notice, ctx.Err()
		}
		if m.size > intake.MaxSize || m.size == 0 {
			// As the intake refuses it (413, or empty): left in the folder,
			// unread, for a person to see there; fetching goes on.
			notice = &Error{Code: CodeTooLarge, Detail: fmt.Sprintf("message UID %d (%d bytes) is over the limit of %d bytes: left in the folder, unread",
				m.uid, m.size, intake.MaxSize)}
			f.Log.Warn("mailbox: a message over the size limit was left in the folder", "uid", m.uid, "size", m.size)
		} else {
			raw, err := f.body(cn, m.uid)
			if err != nil {
				return stored, notice, f.imapError(ctx, "fetch a message", err)
			}
			_, created, err := f.Ingest.IngestArrived(ctx, raw, f.Source.ID, m.internal)
			switch {
			case err == nil:
				if created {
					stored++
				}
			case srok.ErrorCode(err) == srok.ETOOLARGE || srok.ErrorCode(err) == srok.EMALFORMED:
				notice = &Error{Code: CodeTooLarge, Detail: fmt.Sprintf("message UID %d was refused by the intake: left in the folder, unread", m.uid)}
				f.Log.Warn("mailbox: the intake refused a message; it was left in the folder", "uid", m.uid, "error", err.Error())
				*cur = Cursor{UIDValidity: cur.UIDValidity, LastUID: m.uid}
				if err := f.Store.SaveMailboxCursor(ctx, f.Source.ID, f.Holder, *cur); err != nil {
					return stored, notice, &Error{Code: CodeStore, Detail: err.Error(), Err: err}
				}
				continue
			default:
				return stored, notice, &Error{Code: CodeStore, Detail: "unable to store a message: " + err.Error(), Err: err}
			}
			if err := f.done(cn, m.uid); err != nil {
				return stored, notice, err
			}
		}
		*cur = Cursor{UIDValidity: cur.UIDValidity, LastUID: m.uid}
		if err := f.Store.SaveMailboxCursor(ctx, f.Source.ID, f.Holder, *cur); err != nil {
			return stored, notice, &Error{Code: CodeStore, Detail: err.Error(), Err: err}
		}
	}
	return stored, notice, nil
}

// body fetches a message's bytes without setting \Seen (BODY.PEEK[]).
func (f *Fetcher) body(cn *conn, uid uint32) ([]byte, error) {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	section := &imap.BodySectionName{Peek: true}
	ch := make(chan *imap.Message, 1)
	errc := make(chan error, 1)
	go func() { errc <- cn.c.UidFetch(set, []imap.FetchItem{imap.FetchUid, section.FetchItem()}, ch) }()
	var raw []byte
	var rerr error
	for m := range ch {
		if m.Uid != uid {
			continue
		}
		if lit := m.GetBody(section); lit != nil {
			raw, rerr = io.ReadAll(io.LimitReader(lit, intake.MaxSize+1))
		}
	}
	if err := <-errc; err != nil {
		return nil, err
	}
	if rerr != nil {
		return nil, rerr
	}
	if raw == nil {
		return nil, fmt.Errorf("the server sent no body for UID %d", uid)
	}
	return raw, nil
}

// done flags the message \Seen and, with a done folder, moves it there
// (MOVE where offered; else it is copied there and stays, flagged, in the
// folder: Srok never deletes a message).
func (f *Fetcher) done(cn *conn, uid uint32) error {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	if err := cn.c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []any{imap.SeenFlag}, nil); err != nil {
		return f.imapError(context.Background(), "flag a message \\Seen", err)
	}
	if f.DoneFolder == "" {
		return nil
	}
	if has, _ := cn.c.Support("MOVE"); has {
		if err := cn.c.UidMove(set, f.DoneFolder); err != nil {
			return &Error{Code: CodeFolder, Detail: fmt.Sprintf("unable to move a message to %q: %s", f.DoneFolder, serverText(err)), Err: err}
		}
		return nil
	}
	if err := cn.c.UidCopy(set, f.DoneFolder); err != nil {
		return &Error{Code: CodeFolder, Detail: fmt.Sprintf("unable to copy a message to %q: %s", f.DoneFolder, serverText(err)), Err: err}
	}
	return nil
}

// imapError classifies an error met while fetching.
func (f *Fetcher) imapError(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if _, ok := err.(*imap.ErrStatusResp); ok {
		return &Error{Code: CodeFetch, Detail: "unable to " + what + ": " + serverText(err), Err: err}
	}
	return &Error{Code: CodeConnect, Detail: "the connection failed while trying to " + what + ": " + netDetail(err), Err: err}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
