package loadtest

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"
)

// seedStats is what seeding made.
type seedStats struct {
	Rows        int
	Open        int
	Overdue     int
	Obligations int
	Events      int
	Took        time.Duration
	Steps       []string // "requests 31.2s", ...
}

// The seeded register, as the store would have written it (pkg/store/rows.go):
// instants in UTC, next_due_at 9999-12-31 when no obligation is open, search
// = lower(number||' '||name||' '||email), one 'created' event per request.
//
//   - received_at spread over 2019-01-09 … now-2d for the closed ones; the
//     heap is in created_at order, as a register that grew over the years;
//   - about 97 % closed (80 % of them closed, 8 % answered, 4 % refused,
//     8 % cancelled), obligations done (or not_applicable when cancelled);
//   - about 3 % (every 33rd) open, new or in progress, their first deadline
//     on a local day from 10 days ago to 14 days ahead (so about 40 % of them
//     overdue, some due today, some within days), received one term earlier;
//   - types mixed as in practice (40 % access, 18 % withdrawal, ...),
//     unlawful and incident with their two obligations;
//   - 20 assignees (new requests unassigned), distinct subject names and
//     emails, a phone for one in three.
//
// $1 is the number of rows, $2 now.
const seedTable = `
CREATE TEMP TABLE seed AS
WITH t AS (
    SELECT i, gen_random_uuid() AS id, (i % 33 = 0) AS open, random() AS r_time, random() AS r_status, random() AS r_misc,
        CASE WHEN r_type < 0.40 THEN 'access' WHEN r_type < 0.58 THEN 'withdrawal' WHEN r_type < 0.68 THEN 'stop'
             WHEN r_type < 0.76 THEN 'erasure' WHEN r_type < 0.83 THEN 'rectification' WHEN r_type < 0.86 THEN 'dissemination'
             WHEN r_type < 0.88 THEN 'automated' WHEN r_type < 0.91 THEN 'authority' WHEN r_type < 0.95 THEN 'purpose'
             WHEN r_type < 0.98 THEN 'unlawful' ELSE 'incident' END AS type
    FROM (SELECT i, random() AS r_type FROM generate_series(1, $1::int) AS i) g
), k AS (
    SELECT t.*,
        CASE type WHEN 'access' THEN 14 WHEN 'stop' THEN 14 WHEN 'authority' THEN 14 WHEN 'rectification' THEN 9
                  WHEN 'erasure' THEN 9 WHEN 'dissemination' THEN 4 WHEN 'unlawful' THEN 4 WHEN 'incident' THEN 1 ELSE 30 END AS term_days,
        -- the local day the first open term ends, for the open ones
        (($2::timestamptz AT TIME ZONE 'Europe/Moscow')::date + (floor(r_time * 25)::int - 10)) AS open_due_date
    FROM t
), r AS (
    SELECT k.*,
        CASE WHEN NOT open THEN timestamptz '2019-01-09 06:00:00+00' + (($2::timestamptz - interval '2 days') - timestamptz '2019-01-09 06:00:00+00') * r_time
             WHEN type = 'incident' THEN $2::timestamptz - interval '4 days' * r_time - interval '1 minute'
             ELSE LEAST($2::timestamptz - interval '1 minute',
                        ((open_due_date + 1)::timestamp AT TIME ZONE 'Europe/Moscow') - make_interval(days => term_days) - interval '10 hours' * r_misc)
        END AS received_at
    FROM k
), d AS (
    SELECT r.*,
        CASE WHEN type = 'incident' THEN received_at + interval '24 hours'
             WHEN open THEN (open_due_date + 1)::timestamp AT TIME ZONE 'Europe/Moscow'
             ELSE (((received_at AT TIME ZONE 'Europe/Moscow')::date + term_days + 1)::timestamp AT TIME ZONE 'Europe/Moscow')
        END AS due_at,
        LEAST(received_at + interval '1 minute' * (1 + 120 * r_misc), $2::timestamptz - interval '30 seconds') AS created_at,
        CASE WHEN open THEN CASE WHEN r_status < 0.3 THEN 'new' ELSE 'in_progress' END
             WHEN r_status < 0.80 THEN 'closed' WHEN r_status < 0.88 THEN 'answered' WHEN r_status < 0.92 THEN 'refused'
             ELSE 'cancelled' END AS status
    FROM r
), e AS (
    SELECT d.*,
        ((due_at AT TIME ZONE 'Europe/Moscow') - interval '1 microsecond')::date AS due_date,
        CASE type WHEN 'unlawful' THEN due_at + interval '10 days' WHEN 'incident' THEN due_at + interval '48 hours' END AS due2_at,
        CASE WHEN open OR status = 'cancelled' THEN NULL
             WHEN r_misc > 0.97 THEN LEAST(due_at + interval '1 day', $2::timestamptz - interval '1 hour')
             ELSE LEAST(received_at + (due_at - received_at) * (0.2 + 0.75 * r_misc), $2::timestamptz - interval '1 hour') END AS done_at,
        extract(year FROM created_at AT TIME ZONE 'Europe/Moscow')::int AS year,
        (ARRAY['Иванов','Смирнова','Кузнецов','Попова','Васильев','Петрова','Соколов','Михайлова','Новиков','Фёдорова',
               'Морозов','Волкова','Алексеев','Лебедева','Семёнов','Егорова','Павлов','Козлова','Степанов','Николаева'])[1 + i % 20]
          || ' ' || (ARRAY['Анна','Пётр','Мария','Иван','Ольга','Сергей','Елена','Дмитрий','Наталья','Алексей','Татьяна','Андрей'])[1 + (i / 20) % 12]
          || ' ' || i AS name,
        'subject' || i || '@example.ru' AS email,
        CASE WHEN i % 3 = 0 THEN '+7 9' || lpad(i::text, 9, '0') ELSE '' END AS phone,
        CASE WHEN i % 3 = 0 THEN '+79' || lpad(i::text, 9, '0') ELSE '' END AS phone_norm,
        CASE WHEN type = 'authority' THEN 'authority'
             ELSE (ARRAY['email','email','email','email','web_form','web_form','post','in_person','phone','other'])[1 + i % 10] END AS channel,
        CASE WHEN status = 'new' THEN ''
             ELSE (ARRAY['a.orlova','b.ivanov','v.petrov','g.sidorova','d.kuznetsov','e.smirnova','zh.popov','z.volkova','i.lebedev','k.sokolova',
                         'l.morozov','m.novikova','n.egorov','o.pavlova','p.kozlov','r.stepanova','s.nikolaev','t.fedorova','u.semenov','f.alekseeva'])[1 + (i / 7) % 20]
        END AS assignee
    FROM d
)
SELECT e.*,
    row_number() OVER (PARTITION BY year ORDER BY created_at, i) AS seq,
    CASE WHEN status = 'closed' THEN LEAST(done_at + interval '1 day', $2::timestamptz - interval '30 minutes')
         WHEN status = 'cancelled' THEN LEAST(received_at + interval '2 days', $2::timestamptz - interval '30 minutes') END AS closed_at,
    CASE type WHEN 'access' THEN 'access.answer' WHEN 'withdrawal' THEN 'withdrawal.stop_destroy' WHEN 'stop' THEN 'stop.stop'
              WHEN 'erasure' THEN 'erasure.destroy' WHEN 'rectification' THEN 'rectification.rectify' WHEN 'dissemination' THEN 'dissemination.stop'
              WHEN 'automated' THEN 'automated.objection' WHEN 'authority' THEN 'authority.answer' WHEN 'purpose' THEN 'purpose.destroy'
              WHEN 'unlawful' THEN 'unlawful.stop' ELSE 'incident.notify' END AS obl1,
    CASE type WHEN 'access' THEN '152-FZ art. 20 part 1' WHEN 'withdrawal' THEN '152-FZ art. 21 part 5' WHEN 'stop' THEN '152-FZ art. 21 part 5.1'
              WHEN 'erasure' THEN '152-FZ art. 20 part 3' WHEN 'rectification' THEN '152-FZ art. 20 part 3' WHEN 'dissemination' THEN '152-FZ art. 10.1 part 14'
              WHEN 'automated' THEN '152-FZ art. 16 part 4' WHEN 'authority' THEN '152-FZ art. 20 part 4' WHEN 'purpose' THEN '152-FZ art. 21 part 4'
              WHEN 'unlawful' THEN '152-FZ art. 21 part 3' ELSE '152-FZ art. 21 part 3.1 item 1' END AS basis1,
    CASE type WHEN 'unlawful' THEN 'unlawful.destroy' WHEN 'incident' THEN 'incident.investigation' END AS obl2,
    CASE type WHEN 'unlawful' THEN '152-FZ art. 21 part 3' WHEN 'incident' THEN '152-FZ art. 21 part 3.1 item 2' END AS basis2
FROM e
ORDER BY created_at, i`

const seedRequests = `
INSERT INTO requests (id, number, type, channel, answer_form, received_at, time_zone, subject_name, subject_email,
    subject_email_lower, subject_phone, subject_phone_norm, summary, assignee, status, answer_outcome, answer_date,
    answer_number, answer_text, cancel_reason, cancel_note, closed_at, next_due_at, search, version,
    created_at, created_by, updated_at, updated_by)
SELECT id, number, type, channel, channel, received_at, 'Europe/Moscow', name, email,
    lower(email), phone, phone_norm, 'Обращение субъекта: ' || type, assignee, status,
    CASE status WHEN 'refused' THEN 'refused' WHEN 'answered' THEN 'fulfilled'
                WHEN 'closed' THEN CASE WHEN i % 7 = 0 THEN 'partially_fulfilled' ELSE 'fulfilled' END END,
    CASE WHEN status IN ('closed', 'answered', 'refused') THEN (done_at AT TIME ZONE 'Europe/Moscow')::date END,
    CASE WHEN status IN ('closed', 'answered', 'refused') THEN 'ИСХ-' || i END,
    CASE WHEN status IN ('closed', 'answered', 'refused') THEN 'Ответ направлен в форме обращения' END,
    CASE WHEN status = 'cancelled' THEN (ARRAY['duplicate','withdrawn','logged_in_error'])[1 + i % 3] END,
    CASE WHEN status = 'cancelled' THEN '' END,
    closed_at,
    CASE WHEN open THEN due_at ELSE timestamptz '9999-12-31 00:00:00+00' END,
    lower(number || ' ' || name || ' ' || email),
    CASE status WHEN 'new' THEN 1 WHEN 'in_progress' THEN 2 WHEN 'cancelled' THEN 2 WHEN 'closed' THEN 4 ELSE 3 END,
    created_at, 'seed', COALESCE(closed_at, done_at, created_at), 'seed'
FROM (SELECT seed.*, year || '-' || lpad(seq::text, 6, '0') AS number FROM seed) s`

const seedObligations = `
INSERT INTO obligations (request_id, obligation_id, basis, trigger_at, due_date, target_date, due_at, extended_due_date,
    extended_due_at, extended, effective_due_at, provisional, status, done_at, done_by)
SELECT id, obl, basis, received_at, due_d, due_d - 2, due, ext_d,
    CASE WHEN ext_d IS NOT NULL THEN (ext_d + 1)::timestamp AT TIME ZONE 'Europe/Moscow' END,
    false, due, false,
    CASE WHEN open THEN 'open' WHEN status = 'cancelled' THEN 'not_applicable' ELSE 'done' END,
    done_at, CASE WHEN done_at IS NOT NULL THEN 'seed' END
FROM (
    SELECT id, open, status, received_at, done_at, obl1 AS obl, basis1 AS basis, due_at AS due, due_date AS due_d,
        CASE WHEN type IN ('access', 'stop', 'authority') THEN due_date + 7 END AS ext_d
    FROM seed
    UNION ALL
    SELECT id, open, status, received_at, done_at, obl2, basis2, due2_at,
        ((due2_at AT TIME ZONE 'Europe/Moscow') - interval '1 microsecond')::date, NULL::date
    FROM seed WHERE obl2 IS NOT NULL
) o`

const seedEvents = `
INSERT INTO events (request_id, at, actor_id, actor_name, kind, after)
SELECT id, created_at, 'seed', 'Seed (load test)', 'created',
    jsonb_build_object('number', year || '-' || lpad(seq::text, 6, '0'), 'type', type, 'status', 'new', 'channel', channel,
        'answer_form', channel, 'received_at', received_at, 'time_zone', 'Europe/Moscow', 'evidence_received_at', NULL,
        'subject.name', name, 'subject.email', email, 'subject.phone', phone, 'subject.postal_address', '',
        'summary', 'Обращение субъекта: ' || type, 'assignee', '')
FROM seed`

const seedCounters = `INSERT INTO registration_counters (year, last) SELECT year, max(seq) FROM seed GROUP BY year`

// seed fills the migrated, empty database at dsn with rows requests at now.
// Secondary indexes are dropped for the load and built again from their
// definitions in the catalogue; foreign keys are not checked row by row
// when the user may (superuser), the data being consistent by construction.
func seed(ctx context.Context, t testing.TB, dsn string, rows int, now time.Time) (seedStats, error) {
	st := seedStats{Rows: rows}
	t0 := time.Now()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return st, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx) // one session: the temp table lives in it
	if err != nil {
		return st, err
	}
	defer conn.Close()
	step := func(name, query string, args ...any) error {
		s := time.Now()
		res, err := conn.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("seed: %s: %w", name, err)
		}
		n, _ := res.RowsAffected()
		took := time.Since(s).Round(10 * time.Millisecond)
		if n > 0 {
			st.Steps = append(st.Steps, fmt.Sprintf("%s %s (%d rows)", name, took, n))
		} else {
			st.Steps = append(st.Steps, fmt.Sprintf("%s %s", name, took))
		}
		if n > 0 {
			t.Logf("seed: %-26s %8s %d rows", name, took, n)
		} else {
			t.Logf("seed: %-26s %8s", name, took)
		}
		return nil
	}
	for _, q := range []string{"SET work_mem = '256MB'", "SET maintenance_work_mem = '512MB'",
		"SET synchronous_commit = off", "SELECT setseed(0.3)"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return st, fmt.Errorf("seed: %s: %w", q, err)
		}
	}
	if _, err := conn.ExecContext(ctx, "SET session_replication_role = replica"); err != nil {
		t.Logf("seed: foreign keys checked row by row (SET session_replication_role: %v)", err)
	}

	// Secondary indexes: drop, load, build again.
	defs, err := secondaryIndexes(ctx, conn)
	if err != nil {
		return st, err
	}
	for _, d := range defs {
		if _, err := conn.ExecContext(ctx, "DROP INDEX "+d.name); err != nil {
			return st, fmt.Errorf("seed: drop index %s: %w", d.name, err)
		}
	}

	if err := step("seed table", seedTable, rows, now.UTC()); err != nil {
		return st, err
	}
	if err := step("requests", seedRequests); err != nil {
		return st, err
	}
	if err := step("obligations", seedObligations); err != nil {
		return st, err
	}
	if err := step("events", seedEvents); err != nil {
		return st, err
	}
	if err := step("registration_counters", seedCounters); err != nil {
		return st, err
	}
	s := time.Now()
	for _, d := range defs {
		if _, err := conn.ExecContext(ctx, d.def); err != nil {
			return st, fmt.Errorf("seed: %s: %w", d.def, err)
		}
	}
	took := time.Since(s).Round(10 * time.Millisecond)
	st.Steps = append(st.Steps, fmt.Sprintf("%d secondary indexes %s", len(defs), took))
	t.Logf("seed: %-26s %8s", fmt.Sprintf("%d secondary indexes", len(defs)), took)
	after, err := secondaryIndexes(ctx, conn)
	if err != nil {
		return st, err
	}
	if !slices.Equal(defs, after) {
		return st, fmt.Errorf("seed: the indexes differ after the load:\nbefore %v\nafter  %v", defs, after)
	}
	_, _ = conn.ExecContext(ctx, "RESET session_replication_role")
	_, _ = conn.ExecContext(ctx, "DROP TABLE seed")
	if err := step("VACUUM ANALYZE", "VACUUM ANALYZE requests, obligations, events, registration_counters"); err != nil {
		return st, err
	}
	st.Took = time.Since(t0)

	err = conn.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE next_due_at < '9999-01-01'), count(*) FILTER (WHERE next_due_at <= $1),
		(SELECT count(*) FROM obligations), (SELECT count(*) FROM events) FROM requests`, now).Scan(&st.Open, &st.Overdue, &st.Obligations, &st.Events)
	return st, err
}

type indexDef struct{ name, def string }

func (d indexDef) String() string { return d.def }

// secondaryIndexes lists the indexes of the register's tables that back no
// constraint, with their definitions.
func secondaryIndexes(ctx context.Context, conn *sql.Conn) ([]indexDef, error) {
	rows, err := conn.QueryContext(ctx, `
		SELECT quote_ident(n.nspname) || '.' || quote_ident(ic.relname), pg_get_indexdef(i.indexrelid)
		FROM pg_index i
		JOIN pg_class ic ON ic.oid = i.indexrelid
		JOIN pg_class tc ON tc.oid = i.indrelid
		JOIN pg_namespace n ON n.oid = tc.relnamespace
		WHERE tc.relname IN ('requests', 'obligations', 'events') AND n.nspname = current_schema()
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
		ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("seed: list indexes: %w", err)
	}
	defer rows.Close()
	var out []indexDef
	for rows.Next() {
		var d indexDef
		if err := rows.Scan(&d.name, &d.def); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
