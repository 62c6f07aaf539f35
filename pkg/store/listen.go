package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// listen is the one LISTEN loop of the store: on a connection of its own
// (pgx, not the pool: a listening connection is held for good and must not
// be handed to a query), it listens on channel until ctx ends, calls
// heard(true) once listening, changed() for each notification, and
// heard(false) when the connection is lost, then reconnects after a pause
// that doubles up to 10 s. On SQLite it returns at once: there is no other
// process to hear from.
func (s *core) listen(ctx context.Context, channel string, heard func(bool), changed func()) {
	if s.dialect != Postgres {
		return
	}
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, channel, heard, changed)
		heard(false)
		if ctx.Err() != nil || err == nil {
			return
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		pause = min(2*pause, 10*time.Second)
	}
}

func (s *core) listenOnce(ctx context.Context, channel string, heard func(bool), changed func()) error {
	conn, err := pgx.Connect(ctx, s.url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	heard(true)
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil
			}
			return err
		}
		changed()
	}
}

// notify tells every srok process listening on channel, when tx commits,
// that something changed. On SQLite it does nothing: there is no other
// process to tell, and nothing listens.
func (s *core) notify(tx *gorm.DB, channel string) error {
	if s.dialect != Postgres {
		return nil
	}
	return tx.Exec("SELECT pg_notify(?, '')", channel).Error
}
