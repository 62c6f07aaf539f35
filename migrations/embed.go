// Package migrations holds Srok's database schema as versioned SQL files,
// one folder per dialect, embedded in the binary and applied by
// `srok migrate` (or `srok serve --migrate`) through goose. The two folders
// carry the same versions with the same meaning; only the SQL differs.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Postgres returns the PostgreSQL migrations.
func Postgres() fs.FS { return sub("postgres") }

// SQLite returns the SQLite migrations.
func SQLite() fs.FS { return sub("sqlite") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // the folder is embedded: it exists
	}
	return f
}
