package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

type tokenRow struct {
	ID         string `gorm:"primaryKey"`
	UserID     string
	Name       string
	Scope      string
	Hash       string
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

func (tokenRow) TableName() string { return "api_tokens" }

// tokenUserRow is a token read with its user's columns, prefixed u_.
type tokenUserRow struct {
	Token tokenRow `gorm:"embedded"`
	User  userRow  `gorm:"embedded;embeddedPrefix:u_"`
}

// tokenUserColumns selects a tokenUserRow from api_tokens t JOIN users u;
// never the password hash.
const tokenUserColumns = `t.id, t.user_id, t.name, t.scope, t.hash, t.created_at, t.expires_at, t.revoked_at, t.last_used_at,
	u.id AS u_id, u.email AS u_email, u.email_lower AS u_email_lower, u.name AS u_name, u.role AS u_role,
	u.active AS u_active, u.created_at AS u_created_at, u.updated_at AS u_updated_at`

type setupTokenRow struct {
	Hash      string    `gorm:"primaryKey"`
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt time.Time
	UsedAt    *time.Time
}

func (setupTokenRow) TableName() string { return "setup_tokens" }

func toTokenRow(t account.Token, hash string) tokenRow {
	return tokenRow{
		ID:         t.ID,
		UserID:     t.UserID,
		Name:       t.Name,
		Scope:      string(t.Scope),
		Hash:       hash,
		CreatedAt:  utc(t.CreatedAt),
		ExpiresAt:  utcPtr(t.ExpiresAt),
		RevokedAt:  utcPtr(t.RevokedAt),
		LastUsedAt: utcPtr(t.LastUsedAt),
	}
}

func toToken(row tokenRow, userEmail string) account.Token {
	return account.Token{
		ID:         row.ID,
		UserID:     row.UserID,
		UserEmail:  userEmail,
		Name:       row.Name,
		Scope:      srok.Scope(row.Scope),
		CreatedAt:  row.CreatedAt.UTC(),
		ExpiresAt:  utcPtr(row.ExpiresAt),
		RevokedAt:  utcPtr(row.RevokedAt),
		LastUsedAt: utcPtr(row.LastUsedAt),
	}
}

// CreateToken implements account.Store.
func (s *Accounts) CreateToken(ctx context.Context, t account.Token, hash string, trail []*audit.Entry) error {
	row := toTokenRow(t, hash)
	return s.wrap("create token", s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return appendAudit(tx, trail)
	}))
}

// Tokens implements account.Store.
func (s *Accounts) Tokens(ctx context.Context, userID string) ([]account.Token, error) {
	q := `SELECT ` + tokenUserColumns + ` FROM api_tokens t JOIN users u ON u.id = t.user_id`
	var args []any
	if userID != "" {
		q += ` WHERE t.user_id = ?`
		args = append(args, userID)
	}
	// UUID v7 ids grow with their creation time: the newest first.
	q += ` ORDER BY t.created_at DESC, t.id DESC`
	var rows []tokenUserRow
	if err := s.db.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, s.wrap("list tokens", err)
	}
	out := make([]account.Token, 0, len(rows))
	for _, r := range rows {
		out = append(out, toToken(r.Token, r.User.Email))
	}
	return out, nil
}

// tokenWhere reads the one token matching where, with its user.
func (s *Accounts) tokenWhere(ctx context.Context, op, where string, arg any) (tokenUserRow, error) {
	var rows []tokenUserRow
	err := s.db.WithContext(ctx).Raw(`SELECT `+tokenUserColumns+` FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE `+where, arg).
		Scan(&rows).Error
	if err != nil {
		return tokenUserRow{}, s.wrap(op, err)
	}
	if len(rows) == 0 {
		return tokenUserRow{}, srok.Errorf(srok.ENOTFOUND, "no such token")
	}
	return rows[0], nil
}

// Token implements account.Store.
func (s *Accounts) Token(ctx context.Context, id string) (account.Token, error) {
	row, err := s.tokenWhere(ctx, "get token", "t.id = ?", id)
	if err != nil {
		return account.Token{}, err
	}
	return toToken(row.Token, row.User.Email), nil
}

// TokenByHash implements account.Store. It is one indexed read per
// authenticated API request (api_tokens.hash is UNIQUE).
//
// It is on the path of every API call, so it skips GORM: one prepared
// statement scanned by hand costs a third of the reflective scan, which
// was most of what authentication added to a request.
func (s *Accounts) TokenByHash(ctx context.Context, hash string) (account.Token, account.User, error) {
	q := `SELECT t.id, t.user_id, t.name, t.scope, t.created_at, t.expires_at, t.revoked_at, t.last_used_at,
		u.email, u.name, u.role, u.active, u.created_at, u.updated_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ` + s.placeholder(1)
	var t account.Token
	var u account.User
	var scope, role string
	var expires, revoked, used sql.NullTime
	err := s.reads.QueryRowContext(ctx, q, hash).Scan(&t.ID, &t.UserID, &t.Name, &scope, &t.CreatedAt, &expires, &revoked, &used,
		&u.Email, &u.Name, &role, &u.Active, &u.CreatedAt, &u.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return account.Token{}, account.User{}, srok.Errorf(srok.ENOTFOUND, "no such token")
	}
	if err != nil {
		return account.Token{}, account.User{}, s.wrap("authenticate token", err)
	}
	at := func(n sql.NullTime) *time.Time {
		if !n.Valid {
			return nil
		}
		x := n.Time.UTC()
		return &x
	}
	t.Scope, t.UserEmail = srok.Scope(scope), u.Email
	t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt = t.CreatedAt.UTC(), at(expires), at(revoked), at(used)
	u.ID, u.Role, u.CreatedAt, u.UpdatedAt = t.UserID, srok.Role(role), u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return t, u, nil
}

// RevokeToken implements account.Store.
func (s *Accounts) RevokeToken(ctx context.Context, id string, at time.Time, trail []*audit.Entry) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&tokenRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return srok.Errorf(srok.ENOTFOUND, "no token with id %q", id)
		}
		if err := tx.Model(&tokenRow{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", utc(at)).Error; err != nil {
			return err
		}
		if err := appendAudit(tx, trail); err != nil {
			return err
		}
		return s.notifyAuth(tx)
	})
	return s.wrap("revoke token", err)
}

// TouchToken implements account.Store.
func (s *Accounts) TouchToken(ctx context.Context, id string, at, staleBefore time.Time) error {
	err := s.db.WithContext(ctx).Model(&tokenRow{}).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at <= ?)", id, utc(staleBefore)).
		Update("last_used_at", utc(at)).Error
	return s.wrap("touch token", err)
}

// lockSetup serialises the transactions of the first-run setup on
// PostgreSQL, so that two of them cannot both see no user and both create
// one. On SQLite every write transaction begins IMMEDIATE and holds the
// database's one write lock already.
func (s *Accounts) lockSetup(tx *gorm.DB) error {
	if s.dialect != Postgres {
		return nil
	}
	return tx.Exec(`LOCK TABLE setup_tokens IN EXCLUSIVE MODE`).Error
}

// CreateSetupToken implements account.Store.
func (s *Accounts) CreateSetupToken(ctx context.Context, hash string, createdAt, expiresAt time.Time) (bool, error) {
	created := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockSetup(tx); err != nil {
			return err
		}
		has, err := s.hasUsers(tx)
		if err != nil || has {
			return err
		}
		// The unused ones go: only the newest token printed works.
		if err := tx.Where("used_at IS NULL").Delete(&setupTokenRow{}).Error; err != nil {
			return err
		}
		row := setupTokenRow{Hash: hash, CreatedAt: utc(createdAt), ExpiresAt: utc(expiresAt)}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		return false, s.wrap("create setup token", err)
	}
	return created, nil
}

// SetupTokenValid implements account.Store.
func (s *Accounts) SetupTokenValid(ctx context.Context, hash string, at time.Time) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&setupTokenRow{}).
		Where("hash = ? AND used_at IS NULL AND expires_at > ?", hash, utc(at)).Count(&n).Error
	if err != nil {
		return false, s.wrap("check setup token", err)
	}
	return n > 0, nil
}

// errSetupRefused ends a CompleteSetup transaction that must write nothing.
var errSetupRefused = errors.New("setup refused")

// CompleteSetup implements account.Store.
func (s *Accounts) CompleteSetup(ctx context.Context, hash string, at time.Time, u account.User, passwordHash string) (account.SetupOutcome, error) {
	outcome := account.SetupCompleted
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockSetup(tx); err != nil {
			return err
		}
		has, err := s.hasUsers(tx)
		if err != nil {
			return err
		}
		if has {
			outcome = account.SetupUsersExist
			return errSetupRefused
		}
		res := tx.Model(&setupTokenRow{}).Where("hash = ? AND used_at IS NULL AND expires_at > ?", hash, utc(at)).
			Update("used_at", utc(at))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			outcome = account.SetupTokenInvalid
			return errSetupRefused
		}
		return s.createUser(tx, toUserRow(u, passwordHash))
	})
	switch {
	case errors.Is(err, errSetupRefused):
		return outcome, nil
	case err != nil:
		return outcome, s.wrap("complete setup", err)
	}
	return account.SetupCompleted, nil
}
