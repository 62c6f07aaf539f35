package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"strings"
	"time"

	"github.com/srok/srok/pkg/config"
)

// runHealthcheck asks the server on this machine whether it is ready: the
// HEALTHCHECK of the container image, which has no curl. It reads SROK_ADDR
// as serve does; a wildcard address (0.0.0.0:8080, :8080) is asked on the
// loopback. Exit 0 with one line when it answers 200, else 1.
func runHealthcheck(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("healthcheck", "[--path /readyz] [--timeout 5s]")
	path := fs.String("path", "/readyz", "the path to ask: /readyz (the database answers, the schema is current) or /healthz (the process answers)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if !strings.HasPrefix(*path, "/") {
		return usagef("--path %q: give a path such as /readyz", *path)
	}
	if *timeout <= 0 {
		return usagef("--timeout %s: give a positive duration such as 5s", *timeout)
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return usagef("%v", err)
	}
	url := "http://" + localAddr(cfg.Addr) + *path
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return usagef("%s: %v", url, err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL again
		}
		return fmt.Errorf("%s: no answer: %w", url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d: %s", url, res.StatusCode, strings.Join(strings.Fields(string(body)), " "))
	}
	fmt.Fprintf(e.stdout, "srok: %s answered %d\n", url, res.StatusCode)
	return nil
}

// localAddr is the address of a server listening on addr, as seen from the
// same machine: the loopback for a wildcard host.
func localAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr // checked by config.Load
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
