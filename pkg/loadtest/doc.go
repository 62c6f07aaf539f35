// Package loadtest holds the load benchmark of the register (issue 3): the
// real srok binary on PostgreSQL seeded with a million requests, driven over
// HTTP by vegeta, against the goals of the issue (at least 1,000 creates a
// second; p99 at most 50 ms for the overdue list and the dashboard; at most
// 150 MB of server memory) and against the raw INSERT ceiling of the same
// machine and database.
//
// The reads run first, on the register as seeded (the create run adds in
// 20 s as many requests received in the last hour as such a register gets in
// weeks); then the creates; then, with the server stopped, the ceilings: a
// loop of single-row INSERTs (Go, and pgbench) and, to tell the database's
// share from srok's, one create written as SQL, as a transaction and as one
// statement. Each run reports the CPU that srok, PostgreSQL and the client
// spent per request, and how busy the machine was (and how much time the
// hypervisor stole).
//
// It is a test that skips unless SROK_LOAD=1, so `make test` does not run it:
//
//	SROK_LOAD=1 SROK_LOAD_REPORT=load.md go test -run '^TestLoad$' -v -count=1 -timeout 30m ./pkg/loadtest/
//
// Timing goals are reported, never asserted: the test fails only when the
// server answers wrongly (a non-2xx response, a created count that differs
// from the database's). Settings, all optional:
//
//	SROK_LOAD_DATABASE_URL  a PostgreSQL server whose user may CREATE DATABASE (default: a throwaway one, pgtest)
//	SROK_LOAD_ROWS          requests to seed (1000000)
//	SROK_LOAD_WORKERS       concurrent creates, server pool size and ceiling workers (20)
//	SROK_LOAD_CREATE        duration of the create run (20s)
//	SROK_LOAD_READ          duration of each read run (15s)
//	SROK_LOAD_READ_RATE     requests per second of the read runs (200)
//	SROK_LOAD_CEILING       duration of each ceiling run (10s)
//	SROK_LOAD_REPORT        write the results as markdown to this file
//	SROK_LOAD_STATEMENTS=1  log the top statements of each phase (pg_stat_statements; throwaway server only)
//	SROK_LOAD_HOLD          keep the server and database up this long after the runs, to inspect them (e.g. 10m)
//
// TestIntakeMemory (intake_test.go) is the email intake's memory under load:
// 2,000 distinct 1 MiB emails from 8 clients to the real binary, on SQLite
// or PostgreSQL, reporting the server's peak and settled RSS; it also runs
// only with SROK_LOAD=1.
package loadtest
