package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/remind"
)

var _ remind.SettingsStore = (*Reminders)(nil)

// ReminderSettings implements remind.SettingsStore.
func (s *Reminders) ReminderSettings(ctx context.Context, userID string) (remind.Settings, error) {
	var c settingsColumns
	err := s.reads.QueryRowContext(ctx, `SELECT digest, soon_days, tomorrow_days, send_hour FROM reminder_settings WHERE user_id = `+s.placeholder(1),
		userID).Scan(c.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return remind.DefaultSettings(), nil
	}
	if err != nil {
		return remind.Settings{}, s.wrap("get reminder settings", err)
	}
	return c.settings(), nil
}

// PutReminderSettings implements remind.SettingsStore.
func (s *Reminders) PutReminderSettings(ctx context.Context, userID string, st remind.Settings, now time.Time, trail []*audit.Entry) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO reminder_settings (user_id, digest, soon_days, tomorrow_days, send_hour, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET digest = excluded.digest, soon_days = excluded.soon_days,
				tomorrow_days = excluded.tomorrow_days, send_hour = excluded.send_hour, updated_at = excluded.updated_at`,
			userID, st.Digest, st.SoonDays, st.TomorrowDays, st.SendHour, utc(now)).Error; err != nil {
			return err
		}
		return appendAudit(tx, trail)
	})
	return s.wrap("put reminder settings", err)
}
