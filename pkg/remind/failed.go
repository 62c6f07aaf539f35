package remind

import (
	"time"

	"github.com/srok/srok/deadlines/calendar"
)

// FailedReminder is a reminder that failed for good: the SMTP server
// refused it (5xx), so no one was told of the term it speaks of and a
// person must see to it.
type FailedReminder struct {
	ID int64
	// RequestID and Number are the request the reminder was about.
	RequestID, Number string
	ObligationID      string
	Stage             string
	RecipientEmail    string
	// LocalDate is the operator's date the reminder was for.
	LocalDate calendar.Date
	Attempts  int
	// LastError is the SMTP server's last reply, as recorded.
	LastError string
	// FailedAt is when it was marked failed.
	FailedAt time.Time
}
