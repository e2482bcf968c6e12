package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHealthURL(t *testing.T) {
	for listen, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/healthz",
		"0.0.0.0:9000":   "http://127.0.0.1:9000/healthz",
		":8081":          "http://127.0.0.1:8081/healthz",
		"[::]:8082":      "http://[::1]:8082/healthz",
		"10.0.0.5:8083":  "http://10.0.0.5:8083/healthz",
	} {
		if got, err := healthURL(listen); err != nil || got != want {
			t.Errorf("healthURL(%q) = %q, %v; want %q", listen, got, err, want)
		}
	}
	if _, err := healthURL(""); err == nil || !strings.Contains(err.Error(), "web.listen is empty") {
		t.Errorf("healthURL(\"\"): %v", err)
	}
}

// TestHealthcheckFollowsConfig: without --url the command asks the port the
// configuration (or FEEDWATCH_WEB_LISTEN) gives the web server.
func TestHealthcheckFollowsConfig(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, "ok")
	})}
	go srv.Serve(ln)
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "feedwatch.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir: %s\nfeeds: []\n", dir)), 0o600)

	env := []string{"FEEDWATCH_WEB_LISTEN=" + ln.Addr().String()}
	if code, _, errOut := runCLI(t, env, "healthcheck", "--config", cfg); code != 0 {
		t.Errorf("healthcheck on %s: %d %s", ln.Addr(), code, errOut)
	}
	free := freeAddr(t)
	if code, _, errOut := runCLI(t, []string{"FEEDWATCH_WEB_LISTEN=" + free}, "healthcheck", "--config", cfg); code == 0 || !strings.Contains(errOut, free) {
		t.Errorf("healthcheck on a closed port: %d %s", code, errOut)
	}
}
