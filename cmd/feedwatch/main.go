// Command feedwatch polls news feeds, keeps the items that match a topic's
// rules and mails a digest of them to the topic's subscribers. This package
// reads flags, finds the configuration, calls internal/app (which builds the
// parts and runs the daemon) and internal/service (the operations), prints
// what they return, and hands signals to the daemon.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	_ "time/tzdata" // CRON_TZ and subscribers' zones work on hosts and images without tzdata
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// setMemoryLimit sets the process's soft memory limit from memory_limit
// (app.Options.SetMemoryLimit). main makes it the runtime's; commands run
// in-process by tests leave the test binary's limit alone.
var setMemoryLimit = func(int64) int64 { return 0 }

func main() {
	// Polling allocates much and keeps little: the live heap stays in the
	// tens of megabytes at 10,000 feeds, so the default GOGC of 100 runs the
	// collector every few megabytes of parsing. 400 spends about 30 MB more
	// peak memory to cut the first poll's CPU by a seventh
	// (docs/performance.md, "Polling"). GOGC in the environment still wins.
	// What 400 would let the heap grow to is capped by the soft memory
	// limit (memory_limit, 256 MiB by default, set once the configuration
	// is read; GOMEMLIMIT in the environment wins): near it the collector
	// runs as often as it must, whatever GOGC says.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(400)
	}
	setMemoryLimit = debug.SetMemoryLimit
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startCPUProfile(os.Getenv("FEEDWATCH_CPUPROFILE"), os.Stderr)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ(), stop)
	stopProfile()
	stop()
	os.Exit(code)
}

// startCPUProfile writes a CPU profile of the whole process to path, for
// the benchmarks under bench/ (docs/performance.md); "" profiles nothing.
func startCPUProfile(path string, stderr io.Writer) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(stderr, "feedwatch: FEEDWATCH_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// errUsage marks a command-line mistake: exit status 2.
var errUsage = errors.New("usage")

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, a *cli, args []string) error
}

func commands() []command {
	return []command{
		{"run", "run the daemon: poll and send digests on their schedules", cmdRun},
		{"poll", "fetch every due feed once and store what matches", cmdPoll},
		{"digest", "build due digests (--preview: render without sending)", cmdDigest},
		{"outbox", "list or retry queued and failed deliveries", cmdOutbox},
		{"feeds", "add, list, remove, enable, disable, import and export feeds", cmdFeeds},
		{"subscribers", "add, list and remove subscribers", cmdSubscribers},
		{"apikeys", "create, list and revoke keys for the REST API", cmdAPIKeys},
		{"topics", "list topics, test and evaluate their rules", cmdTopics},
		{"search", "search the stored items' titles and summaries", cmdSearch},
		{"parse", "parse one feed document and print what feedwatch extracts", cmdParse},
		{"config", "check the configuration and print the effective settings", cmdConfig},
		{"backup", "write a consistent copy of the database, also while the daemon runs", cmdBackup},
		{"demo", "run the whole pipeline once, offline, on bundled sample feeds", cmdDemo},
		{"healthcheck", "exit 0 when the daemon's web server is healthy (for containers)", cmdHealthcheck},
		{"version", "print the version", cmdVersion},
	}
}

// run is main without the process: tests call it in-process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string, stopSignals func()) int {
	a := &cli{stdin: stdin, stdout: stdout, stderr: stderr, environ: environ, stopSignals: stopSignals}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		a.usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, a, args[1:])
		defer a.close()
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "feedwatch %s: %v\n", c.name, strings.TrimPrefix(err.Error(), "usage: "))
			return 2
		default:
			fmt.Fprintf(stderr, "feedwatch %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "feedwatch: unknown command %q\n\n", args[0])
	a.usage(stderr)
	return 2
}

func (a *cli) usage(w io.Writer) {
	fmt.Fprintln(w, "feedwatch watches news feeds for topics and mails a digest of what matters.")
	fmt.Fprintln(w, "\nUsage: feedwatch COMMAND [flags]  (feedwatch COMMAND --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nThe configuration is read from --config, else $FEEDWATCH_CONFIG, else ./config/feedwatch.yaml when it exists;")
	fmt.Fprintln(w, "without any, built-in defaults apply. FEEDWATCH_* variables override single keys (see README).")
}

// newFlags returns a flag set whose usage names the command and its
// arguments, and that reports errors instead of exiting.
func newFlags(a *cli, name, argsUsage, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("feedwatch "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "Usage: feedwatch %s %s\n\n%s\n\nFlags:\n", name, argsUsage, about)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses flags anywhere among the arguments ("parse FILE --json"
// as well as "parse --json FILE") and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func cmdVersion(_ context.Context, a *cli, args []string) error {
	fs := newFlags(a, "version", "", "Print feedwatch's version.")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "feedwatch %s\n", version)
	return nil
}
