package remind

import "github.com/srok/srok/pkg/srok"

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
