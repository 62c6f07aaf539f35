// Package feeds is each user's calendar feed (подписка в календаре): the
// terms of the requests they answer for, served as an iCalendar file
// (RFC 5545) at a secret address that a calendar app (Outlook, Google,
// Apple, Thunderbird) reads again and again. The operator must answer
// within the terms of 152-FZ art. 14, 20 and 21; a term that sits in the
// calendar people plan their days in is harder to miss.
//
// The address is the credential: a calendar app sends neither a session
// nor a bearer token. So it is made like an API token — 256 random bits,
// only their SHA-256 stored, shown once — and the feed holds no personal
// data at all: the registration number, the type of the request and its
// dates, a link to the request's page (which asks to sign in). Whoever
// finds a leaked address learns when something is due, never who asked.
//
// Which obligations a feed lists follows the reminders (package remind):
// those of the requests assigned to the user; for the responsible officers
// (or the administrators while there is no officer) also those nobody
// works on. The package imports neither Echo nor GORM; storage implements
// Store.
package feeds

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/srok/srok/deadlines"
	"github.com/srok/srok/deadlines/calendar"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/remind"
	"github.com/srok/srok/pkg/srok"
)

// SecretPrefix starts every feed's secret, so that a leaked address is
// recognised by secret scanners and by people.
const SecretPrefix = "srokcal_"

// secretLen is the entropy of a secret, in bytes: 256 bits.
const secretLen = 32

// TouchInterval is how often at most a feed's LastReadAt is written:
// calendar apps poll every few minutes to hours, and the minute is precise
// enough to see whether a feed is in use. Reading a feed leaves no audit
// entry beyond this time: it shows no personal data, and an entry per poll
// would bury the trail.
const TouchInterval = time.Minute

// MaxItems bounds the events of one feed: the nearest targets first. A
// calendar app chokes on a feed of many thousand events, and a person who
// answers for more than that needs the register, not a calendar.
const MaxItems = 2000

// Feed is a user's calendar feed as listed: never its secret.
type Feed struct {
	UserID    string
	CreatedAt time.Time
	// LastReadAt is when a calendar app last read the feed, to
	// TouchInterval; nil when never.
	LastReadAt *time.Time
}

// Owner is the user a feed belongs to, as the feed is read.
type Owner struct {
	UserID string
	Role   srok.Role
	Active bool
}

// Item is one open obligation (обязанность оператора) of an open request,
// as a feed lists it: no personal data.
type Item struct {
	RequestID    string
	Number       string
	Type         deadlines.RequestType
	ObligationID string
	Basis        string
	// Target is the internal target date, Legal the legal date (152-FZ
	// art. 14, 20, 21), both the extended date once extended (art. 20
	// part 2, art. 21 part 5.1), as the reminders count them; DueAt is the
	// instant the term runs out (exact for terms in hours, art. 21 part
	// 3.1).
	Target calendar.Date
	Legal  calendar.Date
	DueAt  time.Time
	// Location is the operator's zone of the request.
	Location *time.Location
}

// ItemQuery selects the items of a feed.
type ItemQuery struct {
	// UserID: the open obligations of the requests assigned to that user.
	UserID string
	// Unassigned adds those of the open requests with no active assignee
	// (nobody, a disabled user, or a name typed before accounts existed).
	Unassigned bool
	// Limit is the most items returned, nearest target first.
	Limit int
}

// Store keeps the feeds. Its errors are srok.Errors.
type Store interface {
	// PutCalendarFeed stores f with the hash of its secret, replacing the
	// user's earlier feed, and trail, in one transaction.
	PutCalendarFeed(ctx context.Context, f Feed, hash string, trail []*audit.Entry) error
	// DeleteCalendarFeed removes the user's feed and stores trail in the
	// same transaction; false (and nothing stored) when there was none.
	DeleteCalendarFeed(ctx context.Context, userID string, trail []*audit.Entry) (bool, error)
	// CalendarFeed returns the user's feed, ENOTFOUND when none.
	CalendarFeed(ctx context.Context, userID string) (Feed, error)
	// CalendarFeedByHash returns the feed whose secret has hash, with its
	// user; ENOTFOUND when none.
	CalendarFeedByHash(ctx context.Context, hash string) (Feed, Owner, error)
	// TouchCalendarFeed sets the feed's LastReadAt to at when it is unset
	// or not after staleBefore.
	TouchCalendarFeed(ctx context.Context, userID string, at, staleBefore time.Time) error
	// CalendarFeedItems returns the items q selects, nearest target first.
	CalendarFeedItems(ctx context.Context, q ItemQuery) ([]Item, error)
	// ReminderOfficers returns who answers for the requests nobody works
	// on (remind.Store): the same answer for reminders and feeds.
	ReminderOfficers(ctx context.Context) ([]remind.Recipient, error)
}

// Service makes, revokes and serves the signed-in user's calendar feed.
type Service struct {
	store   Store
	audit   audit.Trail
	cals    calendar.Source
	baseURL string
	now     func() time.Time
}

// NewService returns the service on st. baseURL is where users open Srok
// (SROK_PUBLIC_URL): the feed's address and its links to requests start
// with it. cals is the production calendar in use, which places each
// event's alarm on the working day before. Every creation and revocation
// is recorded through a (152-FZ art. 19 part 2: who changed what).
func NewService(st Store, a audit.Trail, cals calendar.Source, baseURL string, now func() time.Time) *Service {
	return &Service{store: st, audit: a, cals: cals, baseURL: strings.TrimRight(baseURL, "/"), now: now}
}

// FeedPath is the path of the feed with secret.
func FeedPath(secret string) string { return "/feeds/" + secret + ".ics" }

// URL is the address of the feed with secret, for a calendar app.
func (s *Service) URL(secret string) string { return s.baseURL + FeedPath(secret) }

// user returns the user acting: a feed is a user's own, so the system and
// actors without a user have none; nor has a narrowed token.
func user(ctx context.Context) (srok.Actor, error) {
	a, ok := srok.ActorFrom(ctx)
	if !ok {
		return srok.Actor{}, srok.Errorf(srok.EUNAUTHENTICATED, "sign in to manage your calendar feed")
	}
	if a.UserID == "" {
		return srok.Actor{}, srok.Errorf(srok.EFORBIDDEN, "a calendar feed belongs to a user; %s has none", a.Name)
	}
	if a.Scope != srok.ScopeFull {
		return srok.Actor{}, srok.Errorf(srok.EFORBIDDEN, "an API token of scope %s cannot manage a calendar feed", a.Scope)
	}
	return a, nil
}

// MayHaveFeed reports whether a user of role may have a feed: whether they
// answer for requests. A feed lists the terms of the requests one is
// assigned or responsible for, and a viewer is neither, so least privilege
// gives a viewer no feed rather than an empty one whose address would be
// one more secret to leak.
func MayHaveFeed(role srok.Role) bool { return srok.Can(role, srok.ScopeFull, srok.ActRequestAnswer) }

// Get returns the acting user's feed, ENOTFOUND when they have none.
func (s *Service) Get(ctx context.Context) (Feed, error) {
	a, err := user(ctx)
	if err != nil {
		return Feed{}, err
	}
	return s.store.CalendarFeed(ctx, a.UserID)
}

// Create makes a new feed for the acting user, replacing their earlier one
// (whose address stops working at once), and returns its secret, shown
// this once and never again. The audit trail records it.
func (s *Service) Create(ctx context.Context) (secret string, f Feed, err error) {
	a, err := user(ctx)
	if err != nil {
		return "", Feed{}, err
	}
	if !MayHaveFeed(a.Role) {
		err := srok.Errorf(srok.EFORBIDDEN, "a %s answers for no requests, so has no calendar feed: "+
			"it lists the terms of the requests one is assigned or responsible for", a.Role)
		s.denied(ctx, audit.ActionCalendarFeedCreate)
		return "", Feed{}, err
	}
	_, err = s.store.CalendarFeed(ctx, a.UserID)
	replaced := err == nil
	if err != nil && srok.ErrorCode(err) != srok.ENOTFOUND {
		return "", Feed{}, err
	}
	detail := "created"
	if replaced {
		detail = "replaced the earlier feed"
	}
	trail, err := s.prepare(ctx, audit.ActionCalendarFeedCreate, detail)
	if err != nil {
		return "", Feed{}, err
	}
	secret = newSecret()
	hash, _ := secretHash(secret)
	f = Feed{UserID: a.UserID, CreatedAt: s.now().UTC().Truncate(time.Second)}
	if err := s.store.PutCalendarFeed(ctx, f, hash, trail); err != nil {
		return "", Feed{}, err
	}
	return secret, f, nil
}

// Revoke removes the acting user's feed: its address answers 404 at once.
// ENOTFOUND when they have none. The audit trail records it.
func (s *Service) Revoke(ctx context.Context) error {
	a, err := user(ctx)
	if err != nil {
		return err
	}
	trail, err := s.prepare(ctx, audit.ActionCalendarFeedRevoke, "")
	if err != nil {
		return err
	}
	ok, err := s.store.DeleteCalendarFeed(ctx, a.UserID, trail)
	if err != nil {
		return err
	}
	if !ok {
		return srok.Errorf(srok.ENOTFOUND, "you have no calendar feed to revoke")
	}
	return nil
}

func (s *Service) prepare(ctx context.Context, act audit.Action, detail string) ([]*audit.Entry, error) {
	if s.audit == nil {
		return nil, nil
	}
	return s.audit.Prepare(ctx, audit.Entry{Action: act, Outcome: audit.OutcomeOK, Detail: detail})
}

func (s *Service) denied(ctx context.Context, act audit.Action) {
	if s.audit != nil {
		_ = s.audit.Record(ctx, audit.Entry{Action: act, Outcome: audit.OutcomeDenied})
	}
}

// errNoFeed is the one answer to a secret that reads no feed, whatever is
// wrong with it: unknown, revoked, replaced, or its user disabled or no
// longer answering for requests.
func errNoFeed() error {
	return srok.Errorf(srok.ENOTFOUND, "no calendar feed at this address: it is unknown, revoked or replaced")
}

// Read returns the feed with secret as an iCalendar file (RFC 5545), and
// notes when it was read (at most once per TouchInterval). It needs no
// actor: the secret is the credential.
func (s *Service) Read(ctx context.Context, secret string) ([]byte, error) {
	hash, ok := secretHash(secret)
	if !ok {
		return nil, errNoFeed()
	}
	f, o, err := s.store.CalendarFeedByHash(ctx, hash)
	switch {
	case srok.ErrorCode(err) == srok.ENOTFOUND:
		return nil, errNoFeed()
	case err != nil:
		return nil, err
	}
	if !o.Active || !MayHaveFeed(o.Role) {
		return nil, errNoFeed()
	}
	now := s.now()
	if f.LastReadAt == nil || now.Sub(*f.LastReadAt) >= TouchInterval {
		if err := s.store.TouchCalendarFeed(ctx, f.UserID, now, now.Add(-TouchInterval)); err != nil {
			return nil, err
		}
	}
	officers, err := s.store.ReminderOfficers(ctx)
	if err != nil {
		return nil, err
	}
	responsible := slices.ContainsFunc(officers, func(r remind.Recipient) bool { return r.UserID == o.UserID })
	items, err := s.store.CalendarFeedItems(ctx, ItemQuery{UserID: o.UserID, Unassigned: responsible, Limit: MaxItems})
	if err != nil {
		return nil, err
	}
	return s.render(items, now)
}

// newSecret returns SecretPrefix followed by 32 random bytes,
// base64url-encoded without padding: letters, digits, - and _, safe in a
// path.
func newSecret() string {
	b := make([]byte, secretLen)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24)
	return SecretPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// secretHash returns the SHA-256 (hex) of a secret shaped as newSecret
// makes them, and false for anything else. A fast hash is right: the secret
// has 256 random bits, so no dictionary helps, and the hash is looked up by
// an index.
func secretHash(secret string) (string, bool) {
	rest, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok || len(rest) != base64.RawURLEncoding.EncodedLen(secretLen) {
		return "", false
	}
	if b, err := base64.RawURLEncoding.Strict().DecodeString(rest); err != nil || len(b) != secretLen {
		return "", false
	}
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:]), true
}
