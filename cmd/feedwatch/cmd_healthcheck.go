package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// cmdHealthcheck exists for container HEALTHCHECKs: minimal images have no
// curl, and the binary is already there.
func cmdHealthcheck(ctx context.Context, a *cli, args []string) error {
	fs := newFlags(a, "healthcheck", "[--url URL]", "Exit 0 when the daemon's web server answers /healthz with 200. Without --url it\nasks the address the configuration's web.listen names.")
	a.configFlagVar(fs)
	u := fs.String("url", "", "health endpoint (default: /healthz on web.listen)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	target := *u
	if target == "" {
		cfg, err := a.loadConfig()
		if err != nil {
			return err
		}
		if target, err = healthURL(cfg.Web.Listen); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", target, resp.Status)
	}
	return nil
}

// healthURL is /healthz on the address the web server listens on; a
// wildcard host (":8080", "0.0.0.0:8080") is asked on loopback.
func healthURL(listen string) (string, error) {
	if listen == "" {
		return "", errors.New("the web server is off (web.listen is empty): nothing to check")
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("web.listen %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}
