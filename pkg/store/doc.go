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
//	           the acknowledgements, the inbox notices                       remind.AckStore, remind.InboxNoticeStore
//	Audit      the audit trail and its hash chain                            audit.Store, audit.ChainStore
//	Calendar   the imported years of the production calendar                calendars.Store, calendars.ProvisionalStore
//	Feeds      the calendar feeds of users                                   feeds.Store
//	Operator   the operator's details, processing records, letter templates  organisation.Store,
//	           and the acknowledgement's template                            remind.AckTemplateStore
//	IMAP       the mailboxes fetched over IMAP: cursors, leases, status,      mailbox.Store
//	           sealed passwords of those connected from the page
//	Outgoing   the issued letters, their numbers, the letters' outbox         organisation.IssueStore, remind.LetterStore
//
// Store embeds them all, so that one *Store stands for every part (cmd/srok
// passes it to every service), and keeps what concerns the database as a
// whole: Open, Close, Migrate, Ping, the roles (GrantServing). A new method
// goes on the part whose tables it keeps, or, when it only reads another
// part's tables for an interface of its own, on the part whose interface
// asks for it: EmailLinks reads requests for Emails (register.Emails),
// ProvisionalYears obligations for Calendar, ReminderOfficers users for
// Reminders. A change that writes another part's table in its transaction
// (a change and its audit entry) calls that part's package-level helper
// (appendAudit, insertEvents, updateRequest) with the transaction.
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
//     TABLE), bulk statements, and what only one dialect says. Where the
//     dialects need different SQL for one query, one function or table
//     builds it (dueCountsSQL, repeatCheckSQL, requestJoin), beside the
//     query, with the reason in a comment. Transactions are
//     s.db.Transaction; every write goes through GORM, by rule 1 or 2,
//     except the two of rule 4.
//  3. database/sql on core.reads, the read pool, for reads only: those on
//     the path of every HTTP request (the API token, the signed-in user, an
//     assignee, the repeat check of a create, a user's reminder settings: a
//     statement scanned by hand costs a third of GORM's reflective scan,
//     measured on the token's lookup) and the bulk reads of the reminders'
//     scan and statistics. Their parameters are written by core.placeholder,
//     the one place that knows each dialect's syntax. On SQLite the read
//     pool is read-only connections beside the single writer, which GORM
//     does not hold, so that reads do not queue behind writes; on
//     PostgreSQL it is the one pool.
//  4. database/sql on core.sql for two PostgreSQL writes that GORM's ?
//     binding cannot carry: queuePostgres passes Go slices as arrays (GORM
//     would expand each into a list), and createInOneStatement numbers the
//     parameters of the statement it generates from the row structs.
//  5. database/sql for the handle as a whole: goose's migrations, Ping,
//     Close, and SQL(), which hands the pool to what needs a *sql.DB (the
//     browser sessions' store, the pool's metrics, maintenance tools and
//     tests).
//  6. pgx only to LISTEN, on a connection of its own, in the one loop of
//     listen.go (core.listen); NOTIFY is core.notify, in the transaction of
//     the change it announces. Elsewhere pgx is named for its error codes
//     (pgconn, in wrap) and its quoting of identifiers (pgx.Identifier),
//     never to connect.
//
// TestDatabaseAccessRule holds the code to rules 3 to 6.
package store
