// Package intake is how an incoming email becomes a request: the raw
// message is stored exactly as received (152-FZ art. 14 part 3: the request
// itself is the evidence of when and what the subject asked), read with a
// MIME library into its sender, date, subject, readable text and
// attachments, and the type of request it most likely is suggested from its
// Russian wording. It imports neither Echo nor GORM.
package intake

import (
	"time"

	"github.com/srok/srok/deadlines"
)

// MaxSize is the largest raw message accepted: 25 MiB, what mail servers
// commonly accept.
const MaxSize = 25 << 20

// Address is a sender.
type Address struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Attachment describes one attachment; its bytes are read on their own.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// Email is what was read of a stored message. When the message is a
// forwarded email (an attached message/rfc822), From and Date are the inner
// message's: that is who asked and when.
type Email struct {
	ID        string `json:"id"`
	MessageID string `json:"message_id"`
	// From is nil when the message names no sender that could be read.
	From *Address `json:"from"`
	// Date is the message's Date header with its own offset, nil when
	// missing or unreadable.
	Date    *time.Time `json:"date"`
	Subject string     `json:"subject"`
	// Text is the readable body: the text part, or the HTML part converted
	// to text.
	Text string `json:"text"`
	// SuggestedType is the request type the wording suggests, nil when
	// nothing matched.
	SuggestedType *deadlines.RequestType `json:"suggested_type"`
	Attachments   []Attachment           `json:"attachments"`
	// Warnings lists what could not be read (a truncated part, an unknown
	// charset, no sender); the message is stored all the same.
	Warnings []string `json:"warnings"`
	// Size is the raw message's length in bytes; SHA256 its hash, hex.
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// ReceivedAt is when the operator's mail server received the message
	// (the IMAP INTERNALDATE), for an email fetched from a mailbox; nil
	// for one sent in by hand. MailboxID names that mailbox.
	ReceivedAt *time.Time `json:"received_at"`
	MailboxID  string     `json:"-"`
	// StoredAt is when it was first stored, StoredBy who stored it.
	StoredAt time.Time `json:"stored_at"`
	StoredBy string    `json:"-"`

	// References are the Message-IDs its In-Reply-To and References
	// headers name, without angle brackets, nearest last: read to find
	// the request a reply answers, not stored.
	References []string `json:"-"`
	// ReplyTo is the request Srok attaches the email to on its own (a
	// reply that named it, see Replies), with ReplyNote saying how; Hint a
	// registration number its subject named when Srok may not attach it
	// on its own. Written with the email when it is stored now.
	ReplyTo   string `json:"-"`
	ReplyNote string `json:"-"`
	Hint      string `json:"-"`
}
