package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// cmdHealthcheck exists for container HEALTHCHECKs: minimal images have no
// curl, and the binary is already there.
func cmdHealthcheck(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "healthcheck", "[--url URL]", "Exit 0 when the daemon's web server answers /healthz with 200.")
	u := fs.String("url", "http://127.0.0.1:8080/healthz", "health endpoint")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", *u, resp.Status)
	}
	return nil
}
