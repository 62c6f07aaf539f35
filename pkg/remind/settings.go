package remind

import (
	"context"
	"time"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// Settings are one user's reminder settings.
type Settings struct {
	// Digest: one daily email listing everything due, instead of one email
	// per reminder.
	Digest bool `json:"digest"`
	// SoonDays and TomorrowDays are the working days before the internal
	// target of the "soon" and "tomorrow" stages.
	SoonDays     int `json:"soon_days"`
	TomorrowDays int `json:"tomorrow_days"`
	// SendHour is the local hour, in the request's time zone, reminders
	// are sent at.
	SendHour int `json:"send_hour"`
}

// DefaultSettings are the settings of a user who set none: "soon" three
// working days before the target, "tomorrow" one, at 09:00, one email each.
func DefaultSettings() Settings {
	return Settings{SoonDays: 3, TomorrowDays: 1, SendHour: 9}
}

// MaxOffset is the largest SoonDays or TomorrowDays (the database checks the
// same bound).
const MaxOffset = 30

// Validate checks the settings and names every offending field.
func (s Settings) Validate() error {
	var f srok.Fields
	if s.SoonDays < 1 || s.SoonDays > MaxOffset {
		f.Add("soon_days", "must be a number of working days from 1 to %d", MaxOffset)
	}
	if s.TomorrowDays < 1 || s.TomorrowDays > MaxOffset {
		f.Add("tomorrow_days", "must be a number of working days from 1 to %d", MaxOffset)
	} else if s.TomorrowDays > s.SoonDays && s.SoonDays >= 1 {
		f.Add("tomorrow_days", "must not exceed soon_days (%d): the \"tomorrow\" reminder comes after the \"soon\" one", s.SoonDays)
	}
	if s.SendHour < 0 || s.SendHour > 23 {
		f.Add("send_hour", "must be an hour from 0 to 23")
	}
	return f.Err()
}

// SettingsStore keeps each user's reminder settings.
type SettingsStore interface {
	// ReminderSettings returns the user's settings, the defaults when the
	// user set none.
	ReminderSettings(ctx context.Context, userID string) (Settings, error)
	// PutReminderSettings stores the user's settings and, in the same
	// transaction, the audit entries of the change.
	PutReminderSettings(ctx context.Context, userID string, s Settings, now time.Time, trail []*audit.Entry) error
}

// SettingsService reads and changes the signed-in user's own reminder
// settings.
type SettingsService struct {
	store SettingsStore
	audit audit.Trail
	now   func() time.Time
}

// NewSettingsService returns the service on st; every change is recorded
// through a (152-FZ art. 19 part 2: who changed what).
func NewSettingsService(st SettingsStore, a audit.Trail, now func() time.Time) *SettingsService {
	return &SettingsService{store: st, audit: a, now: now}
}

// user returns the user acting: settings are a user's own, so the system
// and actors without a user have none.
func user(ctx context.Context) (string, error) {
	a, ok := srok.ActorFrom(ctx)
	if !ok {
		return "", srok.Errorf(srok.EUNAUTHENTICATED, "sign in to see your reminder settings")
	}
	if a.UserID == "" {
		return "", srok.Errorf(srok.EFORBIDDEN, "reminder settings belong to a user; %s has none", a.Name)
	}
	if a.Scope != srok.ScopeFull {
		return "", srok.Errorf(srok.EFORBIDDEN, "an API token of scope %s cannot read or change reminder settings", a.Scope)
	}
	return a.UserID, nil
}

// Get returns the acting user's settings.
func (s *SettingsService) Get(ctx context.Context) (Settings, error) {
	id, err := user(ctx)
	if err != nil {
		return Settings{}, err
	}
	return s.store.ReminderSettings(ctx, id)
}

// Put replaces the acting user's settings with in, once valid, and records
// which fields changed in the audit trail.
func (s *SettingsService) Put(ctx context.Context, in Settings) (Settings, error) {
	id, err := user(ctx)
	if err != nil {
		return Settings{}, err
	}
	if err := in.Validate(); err != nil {
		return Settings{}, err
	}
	cur, err := s.store.ReminderSettings(ctx, id)
	if err != nil {
		return Settings{}, err
	}
	var fields []string
	for _, f := range []struct {
		name    string
		changed bool
	}{
		{"digest", cur.Digest != in.Digest},
		{"soon_days", cur.SoonDays != in.SoonDays},
		{"tomorrow_days", cur.TomorrowDays != in.TomorrowDays},
		{"send_hour", cur.SendHour != in.SendHour},
	} {
		if f.changed {
			fields = append(fields, f.name)
		}
	}
	var trail []*audit.Entry
	if s.audit != nil {
		if trail, err = s.audit.Prepare(ctx, audit.Entry{Action: audit.ActionReminderSettings, Outcome: audit.OutcomeOK, Fields: fields}); err != nil {
			return Settings{}, err
		}
	}
	if err := s.store.PutReminderSettings(ctx, id, in, s.now(), trail); err != nil {
		return Settings{}, err
	}
	return in, nil
}
