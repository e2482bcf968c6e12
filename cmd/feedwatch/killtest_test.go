package main

// Crash and fault tests of the real binary: kill -9 at random moments of
// `feedwatch run`, a read-only database, a full disk, and concurrent
// writers. They take minutes and need root for some cases, so they run only
// with FEEDWATCH_KILLTEST=1 (scripts/killtest.sh); see docs/reliability.md.

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/hostile"
	"github.com/feedwatch/feedwatch/internal/smtptest"
	"github.com/feedwatch/feedwatch/internal/store"
)

func killtestOnly(t *testing.T) {
	t.Helper()
	if os.Getenv("FEEDWATCH_KILLTEST") != "1" {
		t.Skip("crash tests run with FEEDWATCH_KILLTEST=1 (scripts/killtest.sh)")
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// killEnv is a daemon set-up: feeds on loopback, an SMTP server that takes
// a while per message, and a config that polls every second; two topics
// (the shipped one and a copy) whose digests come every two seconds, and
// subscribers of every kind: instant alerts of both topics, one mail of
// both topics on the topics' schedule, and one topic alone.
type killEnv struct {
	bin, dir, cfg string
	feeds         *hostile.Set
	smtp          *smtptest.Server
	subscribers   int
}

func newKillEnv(t *testing.T, feeds, subscribers int, smtpDelay time.Duration) *killEnv {
	t.Helper()
	e := &killEnv{bin: feedwatchBinary(t), dir: t.TempDir(), subscribers: subscribers}
	var err error
	if e.feeds, err = hostile.Start(hostile.Options{HealthyFeeds: feeds, HealthyHosts: 32, ItemsPerFeed: 3}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.feeds.Close)
	e.smtp = smtptest.Start(t, smtptest.Options{Delay: smtpDelay})

	topicsPath := filepath.Join(e.dir, "topics.yaml")
	shippedTopicsWithSchedule(t, topicsPath, "@every 2s")
	if err := appendTopicCopy(topicsPath, "us-russia-b"); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `data_dir: %s
topics_file: %s
log: {level: info, format: json}
poll: {schedule: "@every 1s", interval: 1s, min_interval: 1s, timeout: 5s, workers: 8}
mail:
  from: "feedwatch <digest@feedwatch.test>"
  smtp: {host: 127.0.0.1, port: %d, tls: none, timeout: 10s}
web: {listen: "", base_url: "https://news.feedwatch.test"}
retention: {max_age: 0s}
# Every trial's poll finds news: the hourly cap would hold alerts back
# past the end of the test.
alerts: {max_per_hour: 10000}
feeds:
`, e.dir, topicsPath, e.smtp.Port)
	for _, u := range e.feeds.Healthy() {
		fmt.Fprintf(&b, "  - url: %s\n", u)
	}
	e.cfg = filepath.Join(e.dir, "feedwatch.yaml")
	if err := os.WriteFile(e.cfg, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range subscribers {
		args := []string{"subscribers", "add", fmt.Sprintf("reader%03d@feedwatch.test", i), "--config", e.cfg}
		topics := []string{"us-russia", "us-russia-b"}
		switch i % 3 {
		case 0:
			args = append(args, "--frequency", "instant")
		case 2:
			topics = topics[:1]
		}
		for _, id := range topics {
			if code, out, errOut := runCLI(t, nil, append(args, "--topic", id)...); code != 0 {
				t.Fatalf("subscribers add: %d %s %s", code, out, errOut)
			}
		}
	}
	return e
}

// appendTopicCopy adds to the topics file at path a copy of its first topic
// under another id, with the same rules.
func appendTopicCopy(path, id string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	i := strings.Index(s, "  - id: ")
	if i < 0 {
		return fmt.Errorf("%s: no topic to copy", path)
	}
	entry := strings.Replace(s[i:], "  - id: us-russia\n", "  - id: "+id+"\n", 1)
	entry = strings.Replace(entry, "    name: US–Russia relations\n", "    name: US–Russia relations (copy)\n", 1)
	if entry == s[i:] {
		return fmt.Errorf("%s: the first topic is not us-russia", path)
	}
	return os.WriteFile(path, []byte(s+"\n"+entry), 0o600)
}

func (e *killEnv) start(t *testing.T, logName string) (*exec.Cmd, <-chan error) {
	t.Helper()
	logf, err := os.Create(filepath.Join(e.dir, logName))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(e.bin, "run", "--config", e.cfg, "--shutdown-timeout", "20s")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); logf.Close() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-done
		}
	})
	return cmd, done
}

// snapshot is what the database holds after a crash.
type snapshot struct {
	items     map[string]bool // feed_id + key
	queued    int
	sent      int
	digests   int
	integrity error
}

func (e *killEnv) snapshot(t *testing.T) snapshot {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(e.dir, "feedwatch.db"))
	if err != nil {
		t.Fatalf("open after crash: %v", err)
	}
	defer st.Close()
	s := snapshot{items: map[string]bool{}, integrity: st.IntegrityCheck(ctx)}
	rows, err := st.DB().QueryContext(ctx, `SELECT feed_id || ' ' || key FROM items`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		rows.Scan(&k)
		s.items[k] = true
	}
	rows.Close()
	db := st.DB()
	db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM deliveries WHERE status = 'queued'),
		(SELECT count(*) FROM deliveries WHERE status = 'sent'), (SELECT count(*) FROM digests)`).Scan(&s.queued, &s.sent, &s.digests)
	return s
}

// TestKillDaemon kills `feedwatch run` with SIGKILL at random moments while
// it polls feeds that change between runs and sends alerts, digests and
// combined mails to a slow SMTP server, restarts it, and checks after each
// crash that the database is intact and lost no item, and at the end that
// every match reached every subscription once, and every mail its
// subscriber, twice only inside the acceptance window of docs/mail.md.
func TestKillDaemon(t *testing.T) {
	killtestOnly(t)
	trials := envInt("FEEDWATCH_KILLTEST_TRIALS", 20)
	seed := uint64(envInt("FEEDWATCH_KILLTEST_SEED", int(time.Now().UnixNano()%1e9)))
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d (FEEDWATCH_KILLTEST_SEED to repeat), %d trials", seed, trials)
	e := newKillEnv(t, 300, 60, 40*time.Millisecond)

	var prev snapshot
	var midSend, midPoll, lostTotal int
	for i := range trials {
		e.feeds.Advance()
		sentBefore := len(e.smtp.Messages())
		cmd, done := e.start(t, fmt.Sprintf("run-%02d.log", i))
		wait := time.Duration(200+rng.IntN(3800)) * time.Millisecond
		time.Sleep(wait)
		pollBusy := time.Since(e.feeds.LastHealthyRequest()) < 150*time.Millisecond
		smtpBusy := len(e.smtp.Messages()) > sentBefore
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-done
		s := e.snapshot(t)
		if s.integrity != nil {
			t.Errorf("trial %d: integrity check: %v", i, s.integrity)
		}
		lost := 0
		for k := range prev.items {
			if !s.items[k] {
				lost++
			}
		}
		lostTotal += lost
		if lost > 0 || len(s.items) < len(prev.items) {
			t.Errorf("trial %d: %d items lost (%d before, %d after)", i, lost, len(prev.items), len(s.items))
		}
		sending := s.queued > 0 && smtpBusy
		if sending {
			midSend++
		}
		if pollBusy {
			midPoll++
		}
		t.Logf("trial %2d: killed after %4dms (poll in flight %-5v, sending %-5v): %5d items, %2d digests, %4d sent, %3d queued",
			i, wait.Milliseconds(), pollBusy, sending, len(s.items), s.digests, s.sent, s.queued)
		prev = s
		if os.Getenv("FEEDWATCH_KILLTEST_LOGS") != "" {
			logs, _ := os.ReadFile(filepath.Join(e.dir, fmt.Sprintf("run-%02d.log", i)))
			t.Logf("trial %d log:\n%s", i, logs)
		}
	}

	// A last run without a kill delivers whatever the crashes left queued,
	// and runs until every subscription has been mailed every match.
	cmd, done := e.start(t, "final.log")
	started := time.Now()
	deadline := started.Add(90 * time.Second)
	for {
		time.Sleep(time.Second)
		s := e.snapshot(t)
		if s.queued == 0 && s.digests > 0 && e.caughtUp(t) && time.Since(started) > 6*time.Second {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still queued, or subscriptions behind, after 90s:\n%s", s.queued, e.behind(t))
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := <-done; err != nil {
		t.Errorf("final run: %v", err)
	}
	final := e.snapshot(t)

	st, err := store.Open(context.Background(), filepath.Join(e.dir, "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	byID := map[string]int{}
	for _, m := range e.smtp.Messages() {
		byID[messageID(m.Data)]++
	}
	rows, err := st.DB().Query(`SELECT message_id, status FROM deliveries`)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	var deliveries, undelivered, duplicates int
	for rows.Next() {
		var id, status string
		rows.Scan(&id, &status)
		known[id] = true
		deliveries++
		if status != "sent" {
			t.Errorf("delivery %s is %s after the final run", id, status)
		}
		switch n := byID[id]; {
		case n == 0:
			undelivered++
		case n > 1:
			duplicates += n - 1
		}
	}
	rows.Close()
	for id := range byID {
		if !known[id] {
			t.Errorf("the SMTP server received %s, which no delivery records", id)
		}
	}
	checkLedger(t, st)
	if undelivered > 0 {
		t.Errorf("%d deliveries recorded sent never reached the server", undelivered)
	}
	// Each kill can leave at most the one message in flight unrecorded.
	if duplicates > midSend {
		t.Errorf("%d duplicate messages, but only %d kills landed while sending", duplicates, midSend)
	}
	if final.digests == 0 || deliveries == 0 {
		t.Errorf("%d deliveries of %d digests", deliveries, final.digests)
	}
	if t.Failed() {
		logs, _ := os.ReadFile(filepath.Join(e.dir, "final.log"))
		t.Logf("final run's log:\n%s", tail(string(logs), 40))
	}
	t.Logf("SUMMARY: %d kills (%d during a poll, %d while sending); integrity ok after each: %v; items lost: %d; %d items, %d digests, %d deliveries all sent, %d messages received, %d duplicates (same Message-ID, acceptance window)",
		trials, midPoll, midSend, !t.Failed(), lostTotal, len(final.items), final.digests, deliveries, len(e.smtp.Messages()), duplicates)
}

// caughtUp reports whether every active subscription has been given its
// topic's newest match.
func (e *killEnv) caughtUp(t *testing.T) bool {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(e.dir, "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var behind int
	if err := st.DB().QueryRow(`SELECT count(*) FROM subscriptions t WHERE t.status = 'active'
		AND t.cursor_seq < (SELECT coalesce(max(seq), 0) FROM matches m WHERE m.topic_id = t.topic_id)`).Scan(&behind); err != nil {
		t.Fatal(err)
	}
	return behind == 0
}

// behind lists the subscriptions that have not been given their topic's
// newest match.
func (e *killEnv) behind(t *testing.T) string {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(e.dir, "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	subs, err := st.Subscriptions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, s := range subs {
		top, _ := st.TopicMaxSeq(context.Background(), s.TopicID)
		if s.CursorSeq < top {
			fmt.Fprintf(&b, "%s %s: %q at %d of %d, next %v, status %s\n", s.Email, s.TopicID, s.Frequency, s.CursorSeq, top, s.NextAt, s.Status)
		}
	}
	return b.String()
}

// checkLedger asserts that each subscription's mails carried its topic's
// matches once: their ranges follow each other from where it started to
// where it stands, without a gap or an overlap.
func checkLedger(t *testing.T, st *store.Store) {
	t.Helper()
	rows, err := st.DB().Query(`SELECT d.subscriber_id, g.topic_id, g.from_seq, g.to_seq FROM deliveries d
		JOIN delivery_sections ds ON ds.delivery_id = d.id JOIN digests g ON g.id = ds.digest_id
		ORDER BY d.subscriber_id, g.topic_id, g.from_seq, g.to_seq`)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		sub   int64
		topic string
	}
	reached := map[key]int64{}
	for rows.Next() {
		var k key
		var from, to int64
		if err := rows.Scan(&k.sub, &k.topic, &from, &to); err != nil {
			t.Fatal(err)
		}
		if last, ok := reached[k]; ok && from != last {
			t.Errorf("subscriber %d, %s: a mail from match %d after one up to %d (a gap or a repeat)", k.sub, k.topic, from, last)
		}
		reached[k] = to
	}
	rows.Close()
	subs, err := st.Subscriptions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if got := reached[key{s.SubscriberID, s.TopicID}]; got != s.CursorSeq {
			t.Errorf("%s, %s: mails reach match %d, the subscription stands at %d", s.Email, s.TopicID, got, s.CursorSeq)
		}
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func messageID(raw []byte) string {
	for _, line := range bytes.Split(raw, []byte("\n")) {
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && strings.EqualFold(string(k), "Message-ID") {
			return strings.Trim(strings.TrimSpace(string(v)), "<>")
		}
		if len(bytes.TrimSpace(line)) == 0 {
			break
		}
	}
	return ""
}

// TestConcurrentWriters runs two `poll --all` at once and CLI commands
// while the daemon writes: none may fail with "database is locked".
func TestConcurrentWriters(t *testing.T) {
	killtestOnly(t)
	e := newKillEnv(t, 300, 5, 0)
	cmd, done := e.start(t, "daemon.log")
	time.Sleep(500 * time.Millisecond)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var outputs []string
	runBin := func(args ...string) {
		defer wg.Done()
		out, err := exec.Command(e.bin, append(args, "--config", e.cfg)...).CombinedOutput()
		mu.Lock()
		defer mu.Unlock()
		outputs = append(outputs, fmt.Sprintf("%v: err %v\n%s", args, err, out))
		if err != nil {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
	}
	for round := range 5 {
		e.feeds.Advance()
		wg.Add(6)
		go runBin("poll", "--all", "--quiet")
		go runBin("poll", "--all", "--quiet")
		go runBin("feeds", "list")
		go runBin("outbox", "list")
		go runBin("subscribers", "add", fmt.Sprintf("late%d@feedwatch.test", round), "--topic", "us-russia")
		go runBin("digest", "--preview")
		wg.Wait()
	}
	cmd.Process.Signal(syscall.SIGTERM)
	<-done
	logs, _ := os.ReadFile(filepath.Join(e.dir, "daemon.log"))
	all := strings.Join(outputs, "\n") + string(logs)
	for _, bad := range []string{"database is locked", "SQLITE_BUSY", "(5)", "(517)"} {
		if strings.Contains(all, bad) {
			t.Errorf("%q in the output:\n%s", bad, all)
		}
	}
	if s := e.snapshot(t); s.integrity != nil {
		t.Error(s.integrity)
	}
	t.Logf("SUMMARY: 5 rounds of 2 concurrent polls + 4 CLI commands beside the daemon: %d commands, locked errors: %v", len(outputs), t.Failed())
}

// TestReadOnlyDatabase makes the database unwritable and runs `poll`: it
// must fail with a clear error and leave the file intact. Root ignores
// file modes, so as root the command runs as nobody.
func TestReadOnlyDatabase(t *testing.T) {
	killtestOnly(t)
	e := newKillEnv(t, 20, 1, 0)
	if code, out, errOut := runCLI(t, nil, "poll", "--all", "--quiet", "--config", e.cfg); code != 0 {
		t.Fatalf("first poll: %d %s %s", code, out, errOut)
	}
	before := e.snapshot(t)
	e.feeds.Advance()
	db := filepath.Join(e.dir, "feedwatch.db")
	files, _ := filepath.Glob(db + "*")
	for _, f := range append(files, e.dir) {
		mode := os.FileMode(0o444)
		if f == e.dir {
			mode = 0o555
		}
		if err := os.Chmod(f, mode); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { os.Chmod(e.dir, 0o755) })
	bin := e.bin
	if os.Geteuid() == 0 {
		// nobody can neither enter the build folder nor read 0600 files.
		bin = filepath.Join(t.TempDir(), "feedwatch")
		data, err := os.ReadFile(e.bin)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, data, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{e.cfg, filepath.Join(e.dir, "topics.yaml")} {
			os.Chmod(f, 0o644)
		}
		for d := filepath.Dir(bin); d != "/" && d != "."; d = filepath.Dir(d) {
			if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 {
				os.Chmod(d, fi.Mode().Perm()|0o001)
			}
		}
	}
	cmd := exec.Command(bin, "poll", "--all", "--config", e.cfg)
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		// nobody must be able to reach the files to read them.
		for d := e.dir; d != "/" && d != "."; d = filepath.Dir(d) {
			if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 {
				os.Chmod(d, fi.Mode().Perm()|0o001)
			}
		}
	}
	out, err := cmd.CombinedOutput()
	t.Logf("poll on a read-only database: %v\n%s", err, out)
	if err == nil {
		t.Errorf("poll succeeded on a read-only database")
	}
	msg := string(out)
	if !strings.Contains(msg, "feedwatch.db") || !(strings.Contains(msg, "readonly") || strings.Contains(msg, "read-only") || strings.Contains(msg, "permission denied")) {
		t.Errorf("error does not name the database and the cause:\n%s", msg)
	}
	if strings.Contains(msg, "panic") {
		t.Errorf("panic:\n%s", msg)
	}
	for _, f := range append(files, e.dir) {
		os.Chmod(f, 0o755)
	}
	after := e.snapshot(t)
	if after.integrity != nil || len(after.items) != len(before.items) {
		t.Errorf("after: integrity %v, %d items (before %d)", after.integrity, len(after.items), len(before.items))
	}
}

// TestDiskFull polls into a database on a tiny tmpfs until it is full: the
// feeds that do not fit fail with a clear error, the database stays intact,
// and after space is freed the next poll stores them. Needs root (mount).
func TestDiskFull(t *testing.T) {
	killtestOnly(t)
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); the store's max_page_count test covers the error path", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	e := newKillEnv(t, 400, 1, 0)
	cfg, _ := os.ReadFile(e.cfg)
	cfg = bytes.Replace(cfg, []byte("data_dir: "+e.dir), []byte("data_dir: "+e.dir+"\ndatabase: "+filepath.Join(mnt, "feedwatch.db")), 1)
	if err := os.WriteFile(e.cfg, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	var outs []string
	for range 3 {
		e.feeds.Advance()
		out, err := exec.Command(e.bin, "poll", "--all", "--config", e.cfg).CombinedOutput()
		outs = append(outs, fmt.Sprintf("err %v\n%s", err, out))
	}
	all := strings.Join(outs, "\n")
	if !strings.Contains(all, "full") {
		t.Errorf("no disk-full error seen:\n%.3000s", all)
	}
	if strings.Contains(all, "panic") {
		t.Errorf("panic:\n%s", all)
	}
	// While the disk is full even a reader fails: opening a WAL database
	// creates its -shm file. The error says so.
	out, err := exec.Command(e.bin, "feeds", "list", "--config", e.cfg).CombinedOutput()
	t.Logf("feeds list on the full disk: %v\n%.500s", err, out)
	if err != nil && !strings.Contains(string(out), "full") {
		t.Errorf("feeds list on a full disk: unclear error:\n%s", out)
	}
	// More room: the database must be intact and the next poll must store
	// what did not fit.
	if out, err := exec.Command("mount", "-o", "remount,size=64m", mnt).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	st, err := store.Open(context.Background(), filepath.Join(mnt, "feedwatch.db"))
	if err != nil {
		t.Fatalf("open after the disk was full: %v", err)
	}
	if err := st.IntegrityCheck(context.Background()); err != nil {
		t.Errorf("integrity after disk full: %v", err)
	}
	var failing, before int
	st.DB().QueryRow(`SELECT (SELECT count(*) FROM feeds WHERE last_error LIKE '%full%'), (SELECT count(*) FROM items)`).Scan(&failing, &before)
	st.Close()
	t.Logf("after the full disk: %d items, %d feeds record a disk-full error; poll output:\n%.1500s", before, failing, all)
	if out, err := exec.Command(e.bin, "poll", "--all", "--config", e.cfg).CombinedOutput(); err != nil {
		t.Errorf("poll after freeing space: %v\n%s", err, out)
	}
	st, err = store.Open(context.Background(), filepath.Join(mnt, "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var items, stillFailing int
	st.DB().QueryRow(`SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM feeds WHERE last_error != '')`).Scan(&items, &stillFailing)
	if err := st.IntegrityCheck(context.Background()); err != nil || stillFailing > 0 {
		t.Errorf("after freeing space: integrity %v, %d feeds still failing", err, stillFailing)
	}
	t.Logf("SUMMARY: disk full on a 1 MiB tmpfs: %d items fitted, %d feeds recorded a disk-full error, integrity ok; after growing it to 64 MiB: %d items, 0 failing", before, failing, items)
}
