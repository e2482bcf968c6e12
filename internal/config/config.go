// Package config owns feedwatch's configuration file: its schema, its
// defaults, the FEEDWATCH_* environment overrides and validation. Errors name
// the file, the line and the key. The package reads no file on its own beyond
// what Load is given and holds no global state.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/feedwatch/feedwatch/internal/schedule"
)

// Config is the whole configuration. Field tags are the YAML keys; the
// environment variable for a key is FEEDWATCH_ followed by its dotted path in
// upper case with dots as underscores (poll.workers -> FEEDWATCH_POLL_WORKERS).
type Config struct {
	DataDir    string `yaml:"data_dir"`
	Database   string `yaml:"database"`
	TopicsFile string `yaml:"topics_file"`
	// TopicsSeed is copied to TopicsFile when that does not exist yet, so
	// that the editable file can live in the data volume (Docker) and
	// start as the shipped one.
	TopicsSeed   string `yaml:"topics_seed"`
	TemplatesDir string `yaml:"templates_dir"`
	// MemoryLimit is the Go runtime's soft memory limit (GOMEMLIMIT) the
	// commands run with, unless the environment sets GOMEMLIMIT; 0 sets
	// none. docs/performance.md ("Memory") says how it works with GOGC.
	MemoryLimit ByteSize  `yaml:"memory_limit"`
	Log         Log       `yaml:"log"`
	Poll        Poll      `yaml:"poll"`
	Feeds       []Feed    `yaml:"feeds"`
	Mail        Mail      `yaml:"mail"`
	Digest      Digest    `yaml:"digest"`
	Alerts      Alerts    `yaml:"alerts"`
	Web         Web       `yaml:"web"`
	Retention   Retention `yaml:"retention"`
	Backup      Backup    `yaml:"backup"`

	// Path is the file the configuration came from; empty for defaults only.
	Path string `yaml:"-"`
	// Warnings are things in the environment that look like mistakes
	// without being errors, such as a FEEDWATCH_* variable that overrides
	// no key but nearly names one. Commands log them.
	Warnings []string `yaml:"-"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // auto, text, json
}

// Poll configures fetching.
type Poll struct {
	Schedule     string   `yaml:"schedule"`      // how often the daemon looks for due feeds
	Interval     Duration `yaml:"interval"`      // default per-feed polling interval
	MinInterval  Duration `yaml:"min_interval"`  // floor for feed hints
	MaxInterval  Duration `yaml:"max_interval"`  // ceiling for feed hints and backoff
	Workers      int      `yaml:"workers"`       // feeds fetched at once
	PerHost      int      `yaml:"per_host"`      // feeds of one host fetched at once
	Timeout      Duration `yaml:"timeout"`       // whole request
	MaxBytes     int64    `yaml:"max_bytes"`     // body cap after decompression
	MaxRedirects int      `yaml:"max_redirects"` //
	MaxEntries   int      `yaml:"max_entries"`   // entries read per document, the newest kept
	Contact      string   `yaml:"contact"`       // URL named in the User-Agent
}

// Feed is one feed declared by the operator.
type Feed struct {
	URL         string   `yaml:"url"`
	Title       string   `yaml:"title"`
	Interval    Duration `yaml:"interval"`
	Username    string   `yaml:"username"`
	PasswordEnv string   `yaml:"password_env"`
	Disabled    bool     `yaml:"disabled"`
}

// Mail configures sending.
type Mail struct {
	From      string  `yaml:"from"`
	OutboxDir string  `yaml:"outbox_dir"` // .eml files when no SMTP host is set
	SMTP      SMTP    `yaml:"smtp"`
	Rate      float64 `yaml:"rate"` // messages per second, 0 = unlimited
	// UnsubscribeMailto is the address in List-Unsubscribe's mailto link;
	// empty: the From address.
	UnsubscribeMailto string `yaml:"unsubscribe_mailto"`
	DKIM              DKIM   `yaml:"dkim"`
}

// DKIM signs outgoing mail when all three are set.
type DKIM struct {
	Domain   string `yaml:"domain"`
	Selector string `yaml:"selector"`
	KeyFile  string `yaml:"key_file"` // PEM private key, RSA or Ed25519
}

// SMTP configures the relay. The password is only ever read from the
// environment variable named by PasswordEnv, never from the file.
type SMTP struct {
	Host        string   `yaml:"host"`
	Port        int      `yaml:"port"`
	TLS         string   `yaml:"tls"`  // tls, starttls, opportunistic, none
	Auth        string   `yaml:"auth"` // "", plain, login, cram-md5
	Username    string   `yaml:"username"`
	PasswordEnv string   `yaml:"password_env"`
	Timeout     Duration `yaml:"timeout"`
}

// Digest holds settings shared by every topic's digest.
type Digest struct {
	SendMissed bool `yaml:"send_missed"` // at start, send digests whose time passed while down
}

// Alerts configures instant alerts.
type Alerts struct {
	// MaxPerHour caps the alerts one subscriber is sent in an hour; what
	// goes over waits for the next allowed mail.
	MaxPerHour int `yaml:"max_per_hour"`
}

// Web configures the HTTP server.
type Web struct {
	Listen  string `yaml:"listen"` // empty disables the server
	BaseURL string `yaml:"base_url"`
	// SecretEnv names the variable holding the key that signs links; when
	// it is unset a random key is made on first start and kept in the database.
	SecretEnv string `yaml:"secret_env"`
	// The admin pages are on only when a token or a user and password are set.
	AdminUser        string `yaml:"admin_user"`
	AdminPasswordEnv string `yaml:"admin_password_env"`
	AdminTokenEnv    string `yaml:"admin_token_env"`
	// MetricsTokenEnv names the variable holding the bearer token /metrics
	// asks for; /metrics is public while it is unset or empty.
	MetricsTokenEnv string   `yaml:"metrics_token_env"`
	SubscribeRate   float64  `yaml:"subscribe_rate"` // sign-ups per minute per client address
	PreviewDays     int      `yaml:"preview_days"`   // days of stored items the rule editor previews
	AllowPrivate    []string `yaml:"allow_private"`  // networks feeds added on the web may reach, e.g. 10.1.0.0/16
	// TrustProxy takes a client's address from X-Forwarded-For (its last
	// entry), for the sign-up rate limit and logs: right only behind a
	// reverse proxy that sets it, where every request otherwise comes from
	// the proxy's address and all visitors share one limit.
	TrustProxy bool `yaml:"trust_proxy"`
}

// Retention configures pruning of old items.
type Retention struct {
	MaxAge Duration `yaml:"max_age"`
}

// Backup configures the daemon's own database backups (off while Schedule
// is empty; `feedwatch backup` works either way).
type Backup struct {
	Schedule string `yaml:"schedule"` // cron spec
	Dir      string `yaml:"dir"`      // default <data_dir>/backups
	Keep     int    `yaml:"keep"`     // newest backups kept in Dir; 0 keeps all
}

// Defaults returns the configuration used when no file sets a value.
func Defaults() Config {
	return Config{
		DataDir:     "./data",
		MemoryLimit: 256 << 20,
		Log:         Log{Level: "info", Format: "auto"},
		Poll: Poll{
			Schedule:     "@every 5m",
			Interval:     Duration(30 * time.Minute),
			MinInterval:  Duration(5 * time.Minute),
			MaxInterval:  Duration(24 * time.Hour),
			Workers:      16,
			PerHost:      2,
			Timeout:      Duration(20 * time.Second),
			MaxBytes:     16 << 20,
			MaxRedirects: 5,
			MaxEntries:   1000,
			Contact:      "https://github.com/feedwatch/feedwatch",
		},
		Mail: Mail{
			From: "feedwatch <feedwatch@localhost>",
			SMTP: SMTP{Port: 587, TLS: "starttls", PasswordEnv: "FEEDWATCH_SMTP_PASSWORD", Timeout: Duration(30 * time.Second)},
		},
		Digest: Digest{SendMissed: true},
		Alerts: Alerts{MaxPerHour: 6},
		Web: Web{Listen: "127.0.0.1:8080", SecretEnv: "FEEDWATCH_SECRET",
			AdminPasswordEnv: "FEEDWATCH_ADMIN_PASSWORD", AdminTokenEnv: "FEEDWATCH_ADMIN_TOKEN", MetricsTokenEnv: "FEEDWATCH_METRICS_TOKEN", SubscribeRate: 5, PreviewDays: 7},
		Retention: Retention{MaxAge: Duration(90 * 24 * time.Hour)},
		Backup:    Backup{Keep: 7},
	}
}

// Load reads path (when not empty) over the defaults, applies the
// environment and validates. environ is os.Environ() in production.
func Load(path string, environ []string) (Config, error) {
	cfg := Defaults()
	var root *yaml.Node
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
		root, err = decode(bytes.NewReader(data), path, &cfg)
		if err != nil {
			return Config{}, err
		}
		cfg.Path = path
	}
	if err := applyEnv(&cfg, environ); err != nil {
		return Config{}, err
	}
	cfg.Warnings = misspelledEnv(environ)
	cfg.fillDerived()
	if err := cfg.validate(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			fe.File = path
			if fe.Line == 0 && root != nil {
				fe.Line = lineOf(root, fe.Key)
			}
		}
		return Config{}, err
	}
	return cfg, nil
}

// Parse reads a configuration from r over the defaults without the
// environment; name is used in errors.
func Parse(r io.Reader, name string) (Config, error) {
	cfg := Defaults()
	root, err := decode(r, name, &cfg)
	if err != nil {
		return Config{}, err
	}
	cfg.Path = name
	cfg.fillDerived()
	if err := cfg.validate(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			fe.File = name
			if fe.Line == 0 {
				fe.Line = lineOf(root, fe.Key)
			}
		}
		return Config{}, err
	}
	return cfg, nil
}

// FieldError is a configuration mistake at a known place.
type FieldError struct {
	File string
	Line int
	Key  string // dotted path, e.g. poll.timeout
	Msg  string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, "%s: ", e.Key)
	}
	b.WriteString(e.Msg)
	return b.String()
}

var yamlLineRE = regexp.MustCompile(`line (\d+): (.*)`)
var unknownFieldRE = regexp.MustCompile(`field (\S+) not found in type`)

func decode(r io.Reader, name string, cfg *Config) (*yaml.Node, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		if msg := strings.TrimPrefix(err.Error(), "yaml: "); !yamlLineRE.MatchString(msg) {
			if line := controlLine(data); line > 0 {
				return nil, &FieldError{File: name, Line: line, Msg: msg}
			}
		}
		return nil, yamlError(name, nil, err)
	}
	if len(root.Content) == 0 {
		return &root, nil // an empty file means all defaults
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(name, &root, err)
	}
	return &root, nil
}

// yamlError turns the yaml package's messages into FieldErrors that name the
// file, the line and the key.
func yamlError(name string, root *yaml.Node, err error) error {
	var lineErr *lineError
	if errors.As(err, &lineErr) {
		return &FieldError{File: name, Line: lineErr.line, Key: keyAtLine(root, lineErr.line), Msg: lineErr.msg}
	}
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var out []error
	for _, m := range msgs {
		sub := yamlLineRE.FindStringSubmatch(m)
		if sub == nil {
			out = append(out, fmt.Errorf("%s: %s", name, strings.TrimPrefix(m, "yaml: ")))
			continue
		}
		line, _ := strconv.Atoi(sub[1])
		msg := sub[2]
		key := keyAtLine(root, line)
		if u := unknownFieldRE.FindStringSubmatch(msg); u != nil {
			msg = fmt.Sprintf("unknown key %q", u[1])
		} else if t := typeMismatchRE.FindStringSubmatch(msg); t != nil {
			// A mapping or list in the wrong place is reported on the line
			// of its first entry, whose key is not the one at fault.
			if t[1] == "map" || t[1] == "seq" {
				key = keyOfValueAt(root, line, t[1] == "seq")
			}
			msg = typeMismatch(t[1], t[2], t[3])
			if key == "" && (t[1] == "map" || t[1] == "seq") {
				msg = "the file must be a mapping of keys (key: value), found " + kindWords[t[1]]
			}
		} else {
			msg = strings.ReplaceAll(msg, "!!", "")
		}
		fe := &FieldError{File: name, Line: line, Key: key, Msg: msg}
		// Elements of one list all fail on one line; say it once.
		if len(out) > 0 && out[len(out)-1].Error() == fe.Error() {
			continue
		}
		out = append(out, fe)
	}
	return errors.Join(out...)
}

var typeMismatchRE = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `([^`]*)`)? into (.+)$")

var kindWords = map[string]string{"map": "a mapping (key: value lines)", "seq": "a list", "str": "text", "int": "a number",
	"float": "a number", "bool": "true or false", "null": "nothing", "timestamp": "a date"}

// typeMismatch words yaml.v3's "cannot unmarshal !!str `many` into int"
// for an operator: what the key wants, and what the file gave.
func typeMismatch(kind, value, goType string) string {
	var want string
	switch {
	case strings.HasPrefix(goType, "[]"):
		want = "a list"
	case strings.HasPrefix(goType, "config.") || strings.HasPrefix(goType, "map["):
		want = "a mapping (key: value lines)"
	case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "uint"):
		want = "a whole number"
	case strings.HasPrefix(goType, "float"):
		want = "a number"
	case goType == "bool":
		want = "true or false"
	case goType == "string":
		want = "text"
	default:
		want = goType
	}
	got := kindWords[kind]
	if got == "" {
		got = kind
	}
	if value != "" {
		got = fmt.Sprintf("%q", value)
	}
	return fmt.Sprintf("want %s, found %s", want, got)
}

// controlLine returns the line of the first byte YAML refuses (a control
// character other than tab, CR and LF), for errors that carry no line.
func controlLine(data []byte) int {
	line := 1
	for _, c := range data {
		if c == '\n' {
			line++
		} else if c < 0x20 && c != '\t' && c != '\r' || c == 0x7f {
			return line
		}
	}
	return 0
}

// lineError is returned by custom unmarshalers that know their node's line.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// lineOf returns the line of the dotted key path in root or, when that key
// is absent (a feed without url), of its nearest present parent; 0 if none.
func lineOf(root *yaml.Node, key string) int {
	for key != "" {
		if line := lineOfKey(root, key); line > 0 {
			return line
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			return 0
		}
		key = key[:i]
	}
	return 0
}

// fillDerived sets values that default to others.
func (c *Config) fillDerived() {
	if c.Database == "" {
		c.Database = filepath.Join(c.DataDir, "feedwatch.db")
	}
	if c.Mail.OutboxDir == "" {
		c.Mail.OutboxDir = filepath.Join(c.DataDir, "outbox")
	}
	if c.Backup.Dir == "" {
		c.Backup.Dir = filepath.Join(c.DataDir, "backups")
	}
	if c.Web.BaseURL == "" {
		c.Web.BaseURL = baseURLFor(c.Web.Listen)
	}
}

// baseURLFor is the default web.base_url: the web server's own address,
// with "localhost" for a wildcard host, which is no address to link to. A
// public deployment sets base_url to the name people reach it by.
func baseURLFor(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if listen == "" || err != nil {
		return "http://127.0.0.1:8080"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func (c *Config) validate() error {
	bad := func(key, format string, args ...any) error {
		return &FieldError{Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	if c.DataDir == "" {
		return bad("data_dir", "must not be empty")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return bad("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	switch c.Log.Format {
	case "auto", "text", "json":
	default:
		return bad("log.format", "%q is not one of auto, text, json", c.Log.Format)
	}
	if c.Poll.Schedule == "" {
		return bad("poll.schedule", "must not be empty")
	}
	if err := schedule.Check(c.Poll.Schedule); err != nil {
		return bad("poll.schedule", "%q: %v", c.Poll.Schedule, err)
	}
	if c.Poll.Workers < 1 || c.Poll.Workers > 1024 {
		return bad("poll.workers", "%d is outside 1..1024", c.Poll.Workers)
	}
	if c.Poll.PerHost < 1 {
		return bad("poll.per_host", "%d must be at least 1", c.Poll.PerHost)
	}
	if c.Poll.Timeout <= 0 {
		return bad("poll.timeout", "must be positive")
	}
	if c.Poll.Interval <= 0 {
		return bad("poll.interval", "must be positive")
	}
	if c.Poll.MinInterval <= 0 || c.Poll.MaxInterval < c.Poll.MinInterval {
		return bad("poll.max_interval", "must be at least poll.min_interval (%s)", c.Poll.MinInterval)
	}
	if c.Poll.MaxBytes < 1024 {
		return bad("poll.max_bytes", "%d is below 1024", c.Poll.MaxBytes)
	}
	if c.Poll.MaxEntries < 1 || c.Poll.MaxEntries > MaxEntriesCeiling {
		return bad("poll.max_entries", "%d is outside 1..%d", c.Poll.MaxEntries, MaxEntriesCeiling)
	}
	if c.MemoryLimit != 0 && c.MemoryLimit < 32<<20 {
		return bad("memory_limit", "%s is below 32MiB, too little to poll in (0 sets no limit)", c.MemoryLimit)
	}
	if c.Poll.MaxRedirects < 0 {
		return bad("poll.max_redirects", "must not be negative")
	}
	seen := map[string]int{}
	for i, f := range c.Feeds {
		key := fmt.Sprintf("feeds[%d].url", i)
		if strings.TrimSpace(f.URL) == "" {
			return bad(key, "missing: every feed needs a url")
		}
		u, err := url.Parse(f.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad(key, "%q is not an http or https URL", f.URL)
		}
		if j, dup := seen[f.URL]; dup {
			return bad(key, "%q is already listed as feeds[%d]", f.URL, j)
		}
		seen[f.URL] = i
		if f.Interval < 0 {
			return bad(fmt.Sprintf("feeds[%d].interval", i), "must not be negative")
		}
	}
	if _, err := mail.ParseAddress(c.Mail.From); err != nil {
		return bad("mail.from", "%q is not a mail address: %v", c.Mail.From, err)
	}
	switch c.Mail.SMTP.TLS {
	case "tls", "starttls", "opportunistic", "none":
	default:
		return bad("mail.smtp.tls", "%q is not one of tls, starttls, opportunistic, none", c.Mail.SMTP.TLS)
	}
	switch c.Mail.SMTP.Auth {
	case "", "plain", "login", "cram-md5":
	default:
		return bad("mail.smtp.auth", "%q is not one of plain, login, cram-md5 (or empty)", c.Mail.SMTP.Auth)
	}
	if c.Mail.SMTP.Port < 1 || c.Mail.SMTP.Port > 65535 {
		return bad("mail.smtp.port", "%d is not a port", c.Mail.SMTP.Port)
	}
	if d := c.Mail.DKIM; (d.Domain != "" || d.Selector != "" || d.KeyFile != "") && (d.Domain == "" || d.Selector == "" || d.KeyFile == "") {
		return bad("mail.dkim", "domain, selector and key_file are all needed to sign")
	}
	if c.Mail.Rate < 0 {
		return bad("mail.rate", "must not be negative")
	}
	if c.Web.BaseURL != "" {
		u, err := url.Parse(c.Web.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return bad("web.base_url", "%q is not an http or https URL", c.Web.BaseURL)
		}
	}
	for i, n := range c.Web.AllowPrivate {
		if _, err := netip.ParsePrefix(n); err != nil {
			return bad(fmt.Sprintf("web.allow_private[%d]", i), "%q is not a network such as 10.0.0.0/8", n)
		}
	}
	if c.Web.PreviewDays < 1 {
		return bad("web.preview_days", "must be at least 1")
	}
	if c.Alerts.MaxPerHour < 1 {
		return bad("alerts.max_per_hour", "must be at least 1")
	}
	if c.Retention.MaxAge < 0 {
		return bad("retention.max_age", "must not be negative")
	}
	if c.Backup.Schedule != "" {
		if err := schedule.Check(c.Backup.Schedule); err != nil {
			return bad("backup.schedule", "%q: %v", c.Backup.Schedule, err)
		}
	}
	if c.Backup.Keep < 0 {
		return bad("backup.keep", "must not be negative")
	}
	return nil
}

// SMTPPassword returns the SMTP password from the environment variable the
// configuration names.
func (c Config) SMTPPassword(environ []string) string {
	return lookupEnv(environ, c.Mail.SMTP.PasswordEnv)
}

// Secret returns the link-signing key from the environment, or "".
func (c Config) Secret(environ []string) string { return lookupEnv(environ, c.Web.SecretEnv) }

// AdminPassword returns the admin password from the environment, or "".
func (c Config) AdminPassword(environ []string) string {
	return lookupEnv(environ, c.Web.AdminPasswordEnv)
}

// CheckAdmin reports half an admin login: a user without a password in
// the environment, or a password without a user. The daemon refuses to
// start with one (an admin page that refuses every sign-in helps nobody);
// `config check` says so first. It is not part of Load, because commands
// run without the daemon's secrets must still read the file.
func (c Config) CheckAdmin(environ []string) error {
	switch user, pw := c.Web.AdminUser, c.AdminPassword(environ); {
	case user != "" && pw == "":
		return &FieldError{File: c.Path, Key: "web.admin_user", Msg: fmt.Sprintf("%q has no password: $%s is empty or unset", user, c.Web.AdminPasswordEnv)}
	case user == "" && pw != "":
		return &FieldError{File: c.Path, Key: "web.admin_user", Msg: fmt.Sprintf("empty, but $%s holds a password: set both or neither", c.Web.AdminPasswordEnv)}
	}
	return nil
}

// MetricsToken returns the /metrics bearer token from the environment, or "".
func (c Config) MetricsToken(environ []string) string {
	return lookupEnv(environ, c.Web.MetricsTokenEnv)
}

// AdminToken returns the admin bearer token from the environment, or "".
func (c Config) AdminToken(environ []string) string { return lookupEnv(environ, c.Web.AdminTokenEnv) }

// FeedPassword returns the password for f from its environment variable.
func FeedPassword(f Feed, environ []string) string {
	return lookupEnv(environ, f.PasswordEnv)
}

func lookupEnv(environ []string, name string) string {
	if name == "" {
		return ""
	}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

// Duration is a time.Duration written as "30m", "20s" or "1h30m" in YAML;
// "d" (days) is accepted too because retention is naturally said in days.
type Duration time.Duration

// MaxEntriesCeiling is the highest poll.max_entries: normalize.MaxItems,
// which bounds what one document may put in the store.
const MaxEntriesCeiling = 5000

// ByteSize is a size in bytes, written as a number with an optional unit:
// 256MiB, 1GiB, 512MB, 1048576.
type ByteSize int64

// UnmarshalYAML reports a bad value with its line.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return &lineError{line: n.Line, msg: err.Error()}
	}
	*b = v
	return nil
}

// MarshalYAML writes the size the way it is read.
func (b ByteSize) MarshalYAML() (any, error) { return b.String(), nil }

func (b ByteSize) String() string {
	for _, u := range byteUnits {
		if u.n >= 1<<20 && b != 0 && int64(b)%u.n == 0 && u.name[len(u.name)-2] == 'i' {
			return strconv.FormatInt(int64(b)/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

var byteUnits = []struct {
	name string
	n    int64
}{
	{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1},
}

// ParseByteSize reads a ByteSize.
func ParseByteSize(s string) (ByteSize, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range byteUnits {
		if rest, ok := strings.CutSuffix(t, u.name); ok {
			t, mult = strings.TrimSpace(rest), u.n
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size (a whole number, optionally with KiB, MiB or GiB)", s)
	}
	return ByteSize(n * mult), nil
}

// UnmarshalYAML reports a bad value with its line.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return &lineError{line: n.Line, msg: err.Error()}
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration the way it is read.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

func (d Duration) String() string { return time.Duration(d).String() }

// ParseDuration accepts Go durations plus a whole number of days ("90d").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err == nil && n >= 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (use e.g. 30s, 20m, 1h30m, 90d)", s)
	}
	return v, nil
}

func urlWithoutPassword(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String(), nil
}

// entry is one place in a YAML tree: a mapping's key with its value, or a
// list element (key nil), with its dotted path (poll.timeout, feeds[2].url).
type entry struct {
	path       string
	key, value *yaml.Node
}

// entries lists every entry of root in document order.
func entries(root *yaml.Node) []entry {
	var out []entry
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := n.Content[i].Value
				if path != "" {
					p = path + "." + p
				}
				out = append(out, entry{p, n.Content[i], n.Content[i+1]})
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				out = append(out, entry{p, nil, c})
				walk(c, p)
			}
		}
	}
	if root != nil {
		walk(root, "")
	}
	return out
}

// keyOfValueAt returns the dotted path of the key whose mapping or list
// value starts on line, or "" when that value is the document itself.
func keyOfValueAt(root *yaml.Node, line int, seq bool) string {
	kind := yaml.MappingNode
	if seq {
		kind = yaml.SequenceNode
	}
	for _, e := range entries(root) {
		if e.value.Kind == kind && e.value.Line == line {
			return e.path
		}
	}
	return ""
}

// keyAtLine returns the dotted path of the last key whose key or scalar
// value sits on line, or "" when none does.
func keyAtLine(root *yaml.Node, line int) string {
	best := ""
	for _, e := range entries(root) {
		if (e.key != nil && e.key.Line == line) || (e.value.Kind == yaml.ScalarNode && e.value.Line == line) {
			best = e.path
		}
	}
	return best
}

func lineOfKey(root *yaml.Node, key string) int {
	line := 0
	for _, e := range entries(root) {
		if e.path == key {
			line = e.value.Line
			if e.key != nil {
				line = e.key.Line
			}
		}
	}
	return line
}
