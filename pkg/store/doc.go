// Package store keeps the register in a SQL database through GORM:
// PostgreSQL in production, an embedded pure-Go SQLite file as the
// zero-setup default. It is the only package that imports GORM; its row
// structs are its own and are converted to and from the domain's, and it
// translates database errors at the boundary (core.wrap) into srok.Error.
//
// # Parts
//
// Store is split by what it keeps. Each part is a type on the one shared
// handle (core: the connections, the dialect, the limits) and implements
// the interfaces of the domain package it serves:
//
//	Requests   requests, obligations, timelines, counters, idempotency keys  register.Store, register.RecomputeStore
//	Accounts   users, API tokens, setup tokens                               account.Store
//	Throttle   failed sign-ins                                               account.ThrottleStore
//	Emails     incoming emails and who sent them in                          intake.Store, register.Emails
//	Reminders  reminder settings, the scan, the outbox                       remind.Store, remind.OutboxStore, remind.SettingsStore
//	Audit      the audit trail and its hash chain                            audit.Store, audit.ChainStore
//	Calendar   the imported years of the production calendar                calendars.Store, calendars.ProvisionalStore
//
// Store embeds them all, so that one *Store stands for every part (cmd/srok
// passes it to every service), and keeps what concerns the database as a
// whole: Open, Close, Migrate, Ping, the roles (GrantServing). A new method
// goes on the part whose tables it reads or writes; one that writes another
// part's table in the same transaction (a change and its audit entry) calls
// that part's package-level helper (appendAudit, insertEvents) with the
// transaction.
//
// # Reaching the database
//
// The database is reached in these ways and no other:
//
//  1. GORM's builder (s.db.WithContext(ctx).Where(…).Find(&rows), Create,
//     Updates) for the simple reads and writes of one table through its row
//     struct.
//  2. GORM's Raw and Exec, with ? parameters that GORM binds in the
//     dialect's syntax, for SQL written by hand: joins, upserts (ON
//     CONFLICT), counters (RETURNING), locks (FOR UPDATE SKIP LOCKED, LOCK
//     TABLE), bulk statements, pg_notify, and what only one dialect says.
//     Where the dialects need different SQL, one function builds it
//     (dueCountsSQL, repeatCheckSQL, requestJoin), beside the query and with
//     the reason in a comment; nowhere else switches on the dialect for
//     SQL's sake. Transactions are s.db.Transaction, and every write goes
//     through GORM, in one of these two ways, except the two statements
//     of rule 3.
//  3. database/sql directly, only
//     - on core.reads, the read pool, for the reads on the path of every
//     HTTP request or scan that were measured slower through GORM's
//     reflection (the API token, the signed-in user, the repeat check, the
//     reminders' scan and statistics): hand-scanned, with parameters
//     written by core.placeholder. On SQLite these are read-only
//     connections beside the single writer, which GORM does not hold, so
//     that reads do not queue behind writes;
//     - for two PostgreSQL writes that GORM's ? binding cannot carry:
//     queuePostgres passes Go slices as arrays (GORM would expand them into
//     a list), and createInOneStatement numbers the parameters of the
//     statement it generates from the row structs itself;
//     - for the handle as a whole: goose's migrations, Ping, Close, and
//     SQL(), which hands the pool to what needs a *sql.DB (the session
//     store, the pool's metrics, maintenance tools and tests).
//  4. pgx only for LISTEN, on a connection of its own, in the one loop of
//     listen.go (core.listen; NOTIFY is core.notify, in the sender's
//     transaction). Elsewhere pgx is named for its error codes (pgconn, in
//     wrap) and its quoting of identifiers (pgx.Identifier), never to
//     connect.
package store
