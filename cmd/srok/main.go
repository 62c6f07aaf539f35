// Command srok registers the requests of personal-data subjects and computes
// the statutory terms of 152-FZ for answering them.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	// The time-zone database is embedded so that a bare machine (or a
	// container without /usr/share/zoneinfo) knows every Russian zone.
	_ "time/tzdata"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{getenv: os.Getenv, stdout: os.Stdout, stderr: os.Stderr, now: time.Now, stdin: os.Stdin, isTerminal: stdinIsTerminal})
	stop()
	os.Exit(code)
}
