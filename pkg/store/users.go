package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/srok/srok/pkg/account"
	"github.com/srok/srok/pkg/audit"
	"github.com/srok/srok/pkg/srok"
)

// Accounts keeps who may use Srok: the users, their API tokens and the
// one-time setup tokens, and tells other processes when an authentication
// may have ended (ListenAuthChanges). The browser sessions are kept by the
// session manager itself (scs), in the sessions table.
type Accounts struct{ *core }

var _ account.Store = (*Accounts)(nil)

type userRow struct {
	ID           string `gorm:"primaryKey"`
	Email        string
	EmailLower   string
	Name         string
	Role         string
	Active       bool
	PasswordHash string
	// SessionGeneration is account.User's; a new user starts at 0.
	SessionGeneration int64
	CreatedAt         time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt         time.Time `gorm:"autoUpdateTime:false"`
}

func (userRow) TableName() string { return "users" }

func toUserRow(u account.User, passwordHash string) userRow {
	return userRow{
		ID:                u.ID,
		Email:             u.Email,
		EmailLower:        strings.ToLower(u.Email),
		Name:              u.Name,
		Role:              string(u.Role),
		Active:            u.Active,
		PasswordHash:      passwordHash,
		SessionGeneration: u.SessionGeneration,
		CreatedAt:         utc(u.CreatedAt),
		UpdatedAt:         utc(u.UpdatedAt),
	}
}

func toUser(row userRow) account.User {
	return account.User{
		ID:                row.ID,
		Email:             row.Email,
		Name:              row.Name,
		Role:              srok.Role(row.Role),
		Active:            row.Active,
		SessionGeneration: row.SessionGeneration,
		CreatedAt:         row.CreatedAt.UTC(),
		UpdatedAt:         row.UpdatedAt.UTC(),
	}
}

// isUniqueViolation reports whether err is a unique violation of the
// column of table, in either dialect.
func isUniqueViolation(err error, table, column string) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// PostgreSQL names a column's UNIQUE constraint table_column_key.
		return pe.Code == "23505" && pe.ConstraintName == table+"_"+column+"_key"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed: "+table+"."+column)
}

// errEmailTaken is the conflict of a second user with the same email.
func errEmailTaken(email string) error {
	return &srok.Error{Code: srok.ECONFLICT, Reason: "email_taken",
		Message: "a user with the email " + email + " exists already (emails are compared in any letter case)"}
}

// CreateUser implements account.Store.
func (s *Accounts) CreateUser(ctx context.Context, u account.User, passwordHash string, trail []*audit.Entry) error {
	row := toUserRow(u, passwordHash)
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.createUser(tx, row); err != nil {
			return err
		}
		return s.wrap("create user", appendAudit(tx, trail))
	})
}

func (s *Accounts) createUser(tx *gorm.DB, row userRow) error {
	if err := tx.Create(&row).Error; err != nil {
		if isUniqueViolation(err, "users", "email_lower") {
			return errEmailTaken(row.Email)
		}
		return s.wrap("create user", err)
	}
	return nil
}

// Users implements account.Store.
func (s *Accounts) Users(ctx context.Context) ([]account.User, error) {
	var rows []userRow
	if err := s.db.WithContext(ctx).Omit("password_hash").Order("email_lower").Find(&rows).Error; err != nil {
		return nil, s.wrap("list users", err)
	}
	out := make([]account.User, 0, len(rows))
	for _, r := range rows {
		out = append(out, toUser(r))
	}
	return out, nil
}

// UserByEmail implements account.Store.
func (s *Accounts) UserByEmail(ctx context.Context, emailLower string) (account.User, string, error) {
	q := "SELECT id, email, name, role, active, session_generation, created_at, updated_at, password_hash FROM users WHERE email_lower = " + s.placeholder(1)
	var u account.User
	var role, hash string
	err := s.reads.QueryRowContext(ctx, q, emailLower).Scan(&u.ID, &u.Email, &u.Name, &role, &u.Active, &u.SessionGeneration, &u.CreatedAt, &u.UpdatedAt, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return account.User{}, "", srok.Errorf(srok.ENOTFOUND, "no user with email %q", emailLower)
	}
	if err != nil {
		return account.User{}, "", s.wrap("get user", err)
	}
	u.Role, u.CreatedAt, u.UpdatedAt = srok.Role(role), u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, hash, nil
}

// UserByID implements account.Store. A signed-in browser asks it at every
// request (the role is never kept in the session), so it is one statement
// scanned by hand, without GORM's reflection; the same for the assignee
// lookup by email.
func (s *Accounts) UserByID(ctx context.Context, id string) (account.User, error) {
	u, err := s.userWhere(ctx, "id", id)
	if errors.Is(err, sql.ErrNoRows) {
		return account.User{}, srok.Errorf(srok.ENOTFOUND, "no user with id %q", id)
	}
	return u, s.wrap("get user", err)
}

// userWhere reads the user whose column equals v, without the password hash.
func (s *Accounts) userWhere(ctx context.Context, column, v string) (account.User, error) {
	q := "SELECT id, email, name, role, active, session_generation, created_at, updated_at FROM users WHERE " + column + " = " + s.placeholder(1)
	var u account.User
	var role string
	if err := s.reads.QueryRowContext(ctx, q, v).Scan(&u.ID, &u.Email, &u.Name, &role, &u.Active, &u.SessionGeneration, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return account.User{}, err
	}
	u.Role, u.CreatedAt, u.UpdatedAt = srok.Role(role), u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, nil
}

// updateUser sets columns of the user with id, or returns ENOTFOUND, and
// returns the user's session generation after the change.
//
// Every change of a user may end their authentications (disabled, another
// role, a new password): it notifies every srok process on the database in
// the same transaction (ListenAuthChanges).
func (s *Accounts) updateUser(ctx context.Context, op, id string, set map[string]any, trail []*audit.Entry) (int64, error) {
	var gen int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&userRow{}).Where("id = ?", id).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return srok.Errorf(srok.ENOTFOUND, "no user with id %q", id)
		}
		if err := tx.Model(&userRow{}).Where("id = ?", id).Pluck("session_generation", &gen).Error; err != nil {
			return err
		}
		if err := appendAudit(tx, trail); err != nil {
			return err
		}
		return s.notifyAuth(tx)
	})
	return gen, s.wrap(op, err)
}

// endSessions is the update that raises a user's session generation: the
// increment is done by the database, so that two changes at once both count.
var endSessions = gorm.Expr("session_generation + 1")

// SetUserActive implements account.Store.
func (s *Accounts) SetUserActive(ctx context.Context, id string, active bool, at time.Time, trail []*audit.Entry) error {
	set := map[string]any{"active": active, "updated_at": utc(at)}
	if !active {
		set["session_generation"] = endSessions
	}
	_, err := s.updateUser(ctx, "set user active", id, set, trail)
	return err
}

// SetPasswordHash implements account.Store.
func (s *Accounts) SetPasswordHash(ctx context.Context, id, passwordHash string, at time.Time, end bool, trail []*audit.Entry) (int64, error) {
	set := map[string]any{"password_hash": passwordHash, "updated_at": utc(at)}
	if end {
		set["session_generation"] = endSessions
	}
	return s.updateUser(ctx, "set password", id, set, trail)
}

// HasUsers implements account.Store.
func (s *Accounts) HasUsers(ctx context.Context) (bool, error) {
	return s.hasUsers(s.db.WithContext(ctx))
}

func (s *Accounts) hasUsers(tx *gorm.DB) (bool, error) {
	var n int64
	if err := tx.Raw(`SELECT count(*) FROM (SELECT 1 FROM users LIMIT 1) AS u`).Scan(&n).Error; err != nil {
		return false, s.wrap("count users", err)
	}
	return n > 0, nil
}
