package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "feedwatch.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadErrorsNameFileLineAndKey(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string // substrings of the error
	}{
		{"malformed yaml", "data_dir: ./d\npoll:\n\tworkers: 3\n", []string{"feedwatch.yaml:3:", "cannot start any token"}},
		{"unclosed flow mapping", "poll: {schedule: \"@every 1m\"\n", []string{"feedwatch.yaml:1:", "did not find expected"}},
		{"unknown key", "data_dir: ./d\npoll:\n  workerz: 3\n", []string{"feedwatch.yaml:3:", "poll.workerz", `unknown key "workerz"`}},
		{"unknown top key", "datadir: ./d\n", []string{"feedwatch.yaml:1:", `unknown key "datadir"`}},
		{"bad duration", "poll:\n  schedule: \"@every 1m\"\n  timeout: 20 seconds\n", []string{"feedwatch.yaml:3:", "poll.timeout", `invalid duration "20 seconds"`}},
		{"bad number", "poll:\n  workers: many\n", []string{"feedwatch.yaml:2:", "poll.workers"}},
		{"bad tls mode", "mail:\n  smtp:\n    tls: maybe\n", []string{"feedwatch.yaml:3:", "mail.smtp.tls", `"maybe"`}},
		{"bad feed url", "feeds:\n  - url: https://ok.example/a.rss\n  - url: ftp://x.example/feed\n", []string{"feedwatch.yaml:3:", "feeds[1].url", "ftp://x.example/feed"}},
		{"duplicate feed", "feeds:\n  - url: https://ok.example/a.rss\n  - url: https://ok.example/a.rss\n", []string{"feedwatch.yaml:3:", "already listed"}},
		{"workers out of range", "poll:\n  workers: 0\n", []string{"feedwatch.yaml:2:", "poll.workers"}},
		{"bad from", "mail:\n  from: not an address\n", []string{"feedwatch.yaml:2:", "mail.from"}},
		{"feed interval", "feeds:\n  - url: https://ok.example/a.rss\n    interval: soon\n", []string{"feedwatch.yaml:3:", "feeds[0].interval"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.body)
			_, err := Load(path, nil)
			if err == nil {
				t.Fatalf("Load succeeded; want error containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestNoFileRunsOnDefaults(t *testing.T) {
	cfg, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database != filepath.Join("data", "feedwatch.db") && cfg.Database != "data/feedwatch.db" {
		t.Errorf("Database = %q", cfg.Database)
	}
	if cfg.Mail.OutboxDir == "" || cfg.Poll.Workers != 16 || time.Duration(cfg.Poll.Timeout) != 20*time.Second {
		t.Errorf("unexpected defaults: %+v", cfg)
	}
}

func TestEnvironmentOverridesFile(t *testing.T) {
	path := writeFile(t, "data_dir: ./from-file\npoll:\n  workers: 4\n  timeout: 5s\nmail:\n  smtp:\n    host: file.example\n")
	cfg, err := Load(path, []string{
		"FEEDWATCH_POLL_WORKERS=32",
		"FEEDWATCH_MAIL_SMTP_HOST=env.example",
		"FEEDWATCH_POLL_TIMEOUT=1m",
		"FEEDWATCH_DIGEST_SEND_MISSED=false",
		"UNRELATED=1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Poll.Workers != 32 || cfg.Mail.SMTP.Host != "env.example" || time.Duration(cfg.Poll.Timeout) != time.Minute || cfg.Digest.SendMissed {
		t.Errorf("environment not applied: %+v", cfg)
	}
	if cfg.DataDir != "./from-file" {
		t.Errorf("DataDir = %q", cfg.DataDir)
	}
	if _, err := Load(path, []string{"FEEDWATCH_POLL_WORKERS=lots"}); err == nil || !strings.Contains(err.Error(), "FEEDWATCH_POLL_WORKERS") {
		t.Errorf("bad env value error = %v", err)
	}
}

func TestPasswordOnlyFromEnvironment(t *testing.T) {
	path := writeFile(t, "mail:\n  smtp:\n    password: hunter2\n")
	if _, err := Load(path, nil); err == nil || !strings.Contains(err.Error(), `unknown key "password"`) {
		t.Fatalf("password in file: err = %v", err)
	}
	cfg, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.SMTPPassword([]string{"FEEDWATCH_SMTP_PASSWORD=s3cret"}); got != "s3cret" {
		t.Errorf("SMTPPassword = %q", got)
	}
}

func TestShippedConfigLoads(t *testing.T) {
	path := filepath.Join("..", "..", "config", "feedwatch.yaml")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("shipped config missing: %v", err)
	}
	if _, err := Load(path, nil); err != nil {
		t.Fatal(err)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "30m": 30 * time.Minute, "1h30m": 90 * time.Minute} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "soon", "-d", "3 days"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) succeeded", in)
		}
	}
}

func TestCheckAdmin(t *testing.T) {
	for _, tc := range []struct {
		name, user string
		env        []string
		want       string // "" for no error
	}{
		{"neither", "", nil, ""},
		{"both", "editor", []string{"FEEDWATCH_ADMIN_PASSWORD=pw"}, ""},
		{"token only", "", []string{"FEEDWATCH_ADMIN_TOKEN=tok"}, ""},
		{"user without password", "editor", nil, `web.admin_user: "editor" has no password: $FEEDWATCH_ADMIN_PASSWORD is empty or unset`},
		{"password without user", "", []string{"FEEDWATCH_ADMIN_PASSWORD=pw"}, "web.admin_user: empty, but $FEEDWATCH_ADMIN_PASSWORD holds a password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Defaults()
			cfg.Web.AdminUser = tc.user
			err := cfg.CheckAdmin(tc.env)
			if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("CheckAdmin = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestBaseURLFollowsListen: links in mails point where the web server
// listens unless base_url says otherwise.
func TestBaseURLFollowsListen(t *testing.T) {
	for _, tc := range []struct {
		file string
		env  []string
		want string
	}{
		{"", nil, "http://127.0.0.1:8080"},
		{"", []string{"FEEDWATCH_WEB_LISTEN=127.0.0.1:9090"}, "http://127.0.0.1:9090"},
		{"", []string{"FEEDWATCH_WEB_LISTEN=0.0.0.0:8080"}, "http://localhost:8080"},
		{"web:\n  listen: \":7070\"\n", nil, "http://localhost:7070"},
		{"web:\n  listen: \"\"\n", nil, "http://127.0.0.1:8080"},
		{"web:\n  listen: \"0.0.0.0:8080\"\n  base_url: https://news.example.org\n", nil, "https://news.example.org"},
	} {
		path := writeFile(t, "data_dir: ./d\n"+tc.file)
		cfg, err := Load(path, tc.env)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Web.BaseURL != tc.want {
			t.Errorf("file %q env %v: base_url = %q, want %q", tc.file, tc.env, cfg.Web.BaseURL, tc.want)
		}
	}
}

func TestMisspelledEnvironment(t *testing.T) {
	cfg, err := Load("", []string{
		"FEEDWATCH_POLL_WORKRS=4",        // one letter off
		"FEEDWATCH_MAIL_SMTP_HOTS=x",     // two letters swapped
		"FEEDWATCH_POLL_WORKERS=8",       // a key
		"FEEDWATCH_SMTP_PASSWORD=secret", // a secret's variable, far from any key
		"FEEDWATCH_CONFIG=/etc/feedwatch.yaml",
		"FEEDWATCH_KILLTEST=1",
		"HOME=/root",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"environment: FEEDWATCH_POLL_WORKRS overrides no key; did you mean FEEDWATCH_POLL_WORKERS?",
		"environment: FEEDWATCH_MAIL_SMTP_HOTS overrides no key; did you mean FEEDWATCH_MAIL_SMTP_HOST?",
	}
	if strings.Join(cfg.Warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(cfg.Warnings, "\n"), strings.Join(want, "\n"))
	}
	if cfg.Poll.Workers != 8 {
		t.Errorf("workers = %d", cfg.Poll.Workers)
	}
}

// TestByteSize reads sizes with and without units, and refuses what is
// not one, naming the value.
func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ByteSize
		err  bool
	}{
		{"256MiB", 256 << 20, false}, {"1GiB", 1 << 30, false}, {"512 MB", 512e6, false},
		{"1048576", 1 << 20, false}, {"0", 0, false}, {"64KiB", 64 << 10, false},
		{"lots", 0, true}, {"-1MiB", 0, true}, {"1.5GiB", 0, true}, {"", 0, true},
	} {
		got, err := ParseByteSize(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d, error %t", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.in)) {
			t.Errorf("ParseByteSize(%q): error %q does not name the value", tc.in, err)
		}
	}
	if s := ByteSize(256 << 20).String(); s != "256MiB" {
		t.Errorf("String() = %q, want 256MiB", s)
	}
}
