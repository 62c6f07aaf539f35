package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// appendOnly are the tables the serving role may only read and append to:
// the audit trail (152-FZ art. 19 part 2) and the requests' timeline. Their
// triggers refuse UPDATE, DELETE and TRUNCATE, but a table's owner may
// disable triggers; a role that does not own them and lacks the privileges
// cannot.
var appendOnly = []string{"audit_entries", "events"}

// readOnly are the tables the serving role may only read: the chain's head
// (written by the owner's SECURITY DEFINER trigger) and goose's versions.
var readOnly = []string{"audit_chain", "goose_db_version"}

// GrantServing gives role, the role Srok serves as, what serving needs in
// the schema this store (the owner's) migrated: SELECT, INSERT, UPDATE and
// DELETE on every table and the use of every sequence, but only SELECT and
// INSERT on the audit trail and the timeline, and only SELECT on the
// chain's head and the migrations' versions. Never ownership, TRUNCATE or
// TRIGGER. It is run after every migration, so that a table a migration
// adds is covered, and it is idempotent. PostgreSQL only.
func (s *Store) GrantServing(ctx context.Context, role string) error {
	if s.dialect != Postgres {
		return fmt.Errorf("store: roles are PostgreSQL's: %s has none", s.where)
	}
	if role == "" {
		return fmt.Errorf("store: grant: no serving role named")
	}
	r := pgx.Identifier{role}.Sanitize()
	var who struct{ Schema, Me string }
	if err := s.db.WithContext(ctx).Raw(`SELECT current_schema() AS schema, current_user AS me`).Scan(&who).Error; err != nil {
		return s.wrap("grant", err)
	}
	schema, me := who.Schema, who.Me
	if me == role {
		return fmt.Errorf("store: grant: the serving role %s is the owner that migrates: give DATABASE_URL another role", role)
	}
	sc := pgx.Identifier{schema}.Sanitize()
	list := func(names []string) string {
		q := make([]string, len(names))
		for i, n := range names {
			q[i] = pgx.Identifier{n}.Sanitize()
		}
		return strings.Join(q, ", ")
	}
	stmts := []string{
		"GRANT USAGE ON SCHEMA " + sc + " TO " + r,
		"REVOKE ALL ON ALL TABLES IN SCHEMA " + sc + " FROM " + r,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + sc + " TO " + r,
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA " + sc + " TO " + r,
		"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON " + list(appendOnly) + " FROM " + r,
		"REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON " + list(readOnly) + " FROM " + r,
	}
	return s.wrap("grant", s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, q := range stmts {
			if err := tx.Exec(q).Error; err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	}))
}

// AuditProtected reports whether the role this store connects as cannot
// change or erase the audit trail: on PostgreSQL, it neither owns
// audit_entries (an owner may disable its triggers) nor may update, delete
// or truncate it. On SQLite it is never protected (whoever writes the file
// may drop the triggers); the hash chain shows a change all the same.
func (s *Store) AuditProtected(ctx context.Context) (bool, error) {
	if s.dialect != Postgres {
		return false, nil
	}
	var unprotected bool
	err := s.db.WithContext(ctx).Raw(`SELECT pg_has_role(current_user, c.relowner, 'USAGE')
			OR has_table_privilege(c.oid, 'UPDATE') OR has_table_privilege(c.oid, 'DELETE')
			OR has_table_privilege(c.oid, 'TRUNCATE') OR has_table_privilege(c.oid, 'TRIGGER')
		FROM pg_class c WHERE c.oid = 'audit_entries'::regclass`).Scan(&unprotected).Error
	if err != nil {
		return false, s.wrap("audit protection", err)
	}
	return !unprotected, nil
}
