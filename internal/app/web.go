package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/daemon"
	"github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/service"
	"github.com/feedwatch/feedwatch/internal/web"
)

// webServer is the daemon's web server. Its handler is rebuilt by a config
// reload, so that mail settings, the signing key, admin credentials, limits
// and the readiness schedule follow the file as the jobs do; only the
// listening address needs a restart.
type webServer struct {
	srv   *http.Server
	addr  string
	parts atomic.Pointer[webParts]
}

// webParts is one build of the handler with the sender its sign-up mails go
// through and the operations its admin pages and API call.
type webParts struct {
	handler http.Handler
	sender  mail.Sender
	service *service.Service
}

// close releases the parts' connections once no request uses them.
func (p *webParts) close() {
	p.sender.Close()
	p.service.Close()
}

func (w *webServer) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.parts.Load().handler.ServeHTTP(rw, r)
}

// buildWeb makes the web handler for cfg.
func (d *Daemon) buildWeb(ctx context.Context, cfg config.Config) (*webParts, error) {
	a := d.app
	r, secret, dkim, err := a.mailParts(ctx, cfg)
	if err != nil {
		return nil, err
	}
	pollSched, err := daemon.ParseSchedule(cfg.Poll.Schedule)
	if err != nil {
		return nil, err
	}
	// The last poll is late when two of its periods (at least 15 minutes)
	// have passed without one finishing.
	next := pollSched.Next(time.Now())
	late := max(2*pollSched.Next(next).Sub(next), 15*time.Minute)
	started := time.Now()
	ready := func(ctx context.Context) error {
		last := time.Unix(0, d.lastPoll.Load())
		if d.lastPoll.Load() == 0 || last.Before(started) {
			last = started // a reload restarts the clock: the schedule may have changed
		}
		if time.Since(last) > late {
			return fmt.Errorf("last poll finished %s ago (expected every %s)", time.Since(last).Round(time.Second), late/2)
		}
		return nil
	}
	svc, err := a.newService(ctx, cfg, true)
	if err != nil {
		return nil, err
	}
	sender, _ := a.sender(cfg)
	h, err := web.New(web.Options{
		Service: svc, Version: a.version,
		DKIM:  dkim,
		Store: d.st, Topics: a.CurrentTopics,
		Renderer: r, Sender: sender, From: cfg.Mail.From, BaseURL: cfg.Web.BaseURL, Secret: secret,
		AdminUser: cfg.Web.AdminUser, AdminPassword: cfg.AdminPassword(a.environ), AdminToken: cfg.AdminToken(a.environ),
		TopicsFile: TopicsPath(cfg), BuiltinTopics: BuiltinTopics(), DataDir: cfg.DataDir,
		PreviewDays: cfg.Web.PreviewDays, SubscribeRate: cfg.Web.SubscribeRate,
		TrustProxy: cfg.Web.TrustProxy, MetricsToken: cfg.MetricsToken(a.environ),
		Ready: ready, Metrics: d.metrics, Logger: a.log,
	})
	if err != nil {
		sender.Close()
		svc.Close()
		return nil, err // web.New's errors say "web:"
	}
	return &webParts{handler: h, sender: sender, service: svc}, nil
}

// startWeb starts the web server when web.listen is set. Listening happens
// here, so that a taken port fails the start instead of a later log line.
func (d *Daemon) startWeb(ctx context.Context, cfg config.Config) (*webServer, error) {
	if cfg.Web.Listen == "" {
		return nil, nil
	}
	parts, err := d.buildWeb(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Web.Listen)
	if err != nil {
		parts.close()
		return nil, fmt.Errorf("web.listen: %w", err)
	}
	w := &webServer{addr: ln.Addr().String()}
	w.parts.Store(parts)
	w.srv = &http.Server{
		Handler:           w,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(d.log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := w.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("web server stopped", "error", err)
		}
	}()
	d.log.Info("web server listening", "addr", w.addr, "base_url", cfg.Web.BaseURL,
		"admin", cfg.Web.AdminUser != "" || cfg.AdminToken(d.app.environ) != "")
	return w, nil
}
