package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/feedwatch/feedwatch/internal/app"
)

func cmdRun(ctx context.Context, a *cli, args []string) error {
	fs := newFlags(a, "run", "[--config F]", "Run the daemon: poll feeds and send each topic's digest on their schedules.\nSIGINT/SIGTERM stop it cleanly (a second signal exits at once); SIGHUP reloads\nthe config file (feeds, polling, retention, mail, templates, the web server's\nsettings) and the topics file.")
	a.configFlagVar(fs)
	grace := fs.Duration("shutdown-timeout", 30*time.Second, "how long in-flight work may take to finish on shutdown")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, rest[0])
	}
	// SIGHUP is caught from the start: its default action ends the
	// process, and a reload sent while the daemon is still starting (as
	// systemd's ExecReload may) is then applied once it has started.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	p, err := a.program()
	if err != nil {
		return err
	}
	d := app.NewDaemon(p, app.DaemonOptions{})
	if err := d.Start(ctx); err != nil {
		return err
	}
	for {
		select {
		case <-hup:
			// What does not load is in the log; the previous settings and
			// rules stay in force.
			_ = d.Reload()
			continue
		case <-ctx.Done():
		}
		break
	}
	// A second signal now ends the process at once.
	if a.stopSignals != nil {
		a.stopSignals()
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	// A deadline passed with jobs running is in the log; the process ends
	// as it would have.
	_ = d.Stop(stopCtx)
	return nil
}
