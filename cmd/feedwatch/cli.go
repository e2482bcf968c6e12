package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/feedwatch/feedwatch/internal/app"
	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/deliver"
	"github.com/feedwatch/feedwatch/internal/digest"
	"github.com/feedwatch/feedwatch/internal/ingest"
	"github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/service"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
	"github.com/mattn/go-isatty"
)

// defaultConfigPath is read when it exists and nothing else is named.
const defaultConfigPath = "config/feedwatch.yaml"

// cli is one command's run: its input and output, the config file it was
// pointed at, and the program's parts (internal/app) built from it once
// the command asks for them.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	environ        []string
	stopSignals    func()

	configFlag string
	log        *slog.Logger
	app        *app.App   // nil until the config is read
	topics     *topic.Set // from --topics FILE, over the configured ones
}

func (a *cli) close() {
	if a.app != nil {
		a.app.Close()
	}
}

// configFlagVar adds --config to fs.
func (a *cli) configFlagVar(fs *flag.FlagSet) {
	fs.StringVar(&a.configFlag, "config", "", "configuration file (default $FEEDWATCH_CONFIG, else ./"+defaultConfigPath+" when present)")
}

func (a *cli) getenv(name string) string {
	for _, kv := range a.environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

// loadConfig reads the configuration once: --config, else
// $FEEDWATCH_CONFIG, else ./config/feedwatch.yaml when it exists, else the
// defaults.
func (a *cli) loadConfig() (config.Config, error) {
	if a.app != nil {
		return a.app.Config(), nil
	}
	path := a.configFlag
	if path == "" {
		path = a.getenv("FEEDWATCH_CONFIG")
	}
	if path == "" {
		if _, err := os.Stat(defaultConfigPath); err == nil {
			path = defaultConfigPath
		}
	}
	cfg, err := config.Load(path, a.environ)
	if err != nil {
		return config.Config{}, err
	}
	a.useConfig(cfg)
	for _, w := range cfg.Warnings {
		a.log.Warn(w)
	}
	return cfg, nil
}

// useConfig builds the program's parts from cfg.
func (a *cli) useConfig(cfg config.Config) {
	a.log = newLogger(a.stderr, cfg.Log)
	a.app = app.New(cfg, app.Options{Environ: a.environ, Logger: a.log, Version: version, SetMemoryLimit: setMemoryLimit})
	if a.topics != nil {
		a.app.SetTopics(a.topics)
	}
}

// program is the parts, once the config is read.
func (a *cli) program() (*app.App, error) {
	if _, err := a.loadConfig(); err != nil {
		return nil, err
	}
	return a.app, nil
}

func newLogger(w io.Writer, c config.Log) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[c.Level]
	opts := &slog.HandlerOptions{Level: level}
	format := c.Format
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func (a *cli) openStore(ctx context.Context) (*store.Store, error) {
	p, err := a.program()
	if err != nil {
		return nil, err
	}
	return p.Store(ctx)
}

// loadTopics returns the topics in force: the file override names (which
// then stays in force for the command), else the configured ones.
func (a *cli) loadTopics(override string) (*topic.Set, error) {
	if override != "" {
		set, err := app.ReadTopicsFile(override)
		if err != nil {
			return nil, err
		}
		a.topics = set
		if a.app != nil {
			a.app.SetTopics(set)
		}
		return set, nil
	}
	if a.topics != nil {
		return a.topics, nil
	}
	p, err := a.program()
	if err != nil {
		return nil, err
	}
	return p.Topics()
}

func (a *cli) renderer() (*render.Renderer, error) {
	p, err := a.program()
	if err != nil {
		return nil, err
	}
	return p.Renderer()
}

func (a *cli) poller(ctx context.Context) (*ingest.Poller, error) {
	p, err := a.program()
	if err != nil {
		return nil, err
	}
	return p.Poller(ctx)
}

func (a *cli) digestBuilder(ctx context.Context) (*digest.Builder, error) {
	p, err := a.program()
	if err != nil {
		return nil, err
	}
	return p.DigestBuilder(ctx)
}

func (a *cli) outbox(ctx context.Context) (*deliver.Outbox, mail.Sender, string, error) {
	p, err := a.program()
	if err != nil {
		return nil, nil, "", err
	}
	return p.Outbox(ctx)
}

// service returns the operations over the database for the command line.
func (a *cli) service(ctx context.Context) (*service.Service, error) {
	p, err := a.program()
	if err != nil {
		return nil, err
	}
	return p.Service(ctx)
}

// topicsToRun returns the topic named by id, or all topics when id is empty.
func topicsToRun(set *topic.Set, id string) ([]topic.Topic, error) {
	if id == "" {
		return set.Topics(), nil
	}
	t, ok := set.Topic(id)
	if !ok {
		var ids []string
		for _, t := range set.Topics() {
			ids = append(ids, t.ID)
		}
		return nil, fmt.Errorf("unknown topic %q (topics: %s)", id, strings.Join(ids, ", "))
	}
	return []topic.Topic{t}, nil
}

// interactive says whether a person is at the keyboard: standard input and
// output are both terminals.
func (a *cli) interactive() bool {
	f, ok := a.stdin.(*os.File)
	return ok && isatty.IsTerminal(f.Fd()) && isTerminal(a.stdout)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
