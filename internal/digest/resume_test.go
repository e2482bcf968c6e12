package digest_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/deliver"
	"github.com/feedwatch/feedwatch/internal/digest"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
)

// TestDispatchStoppedAfterAChunk stops a dispatch after its first chunk
// and checks what the next one does: the subscribers of the first chunk
// have their mail, the others are still due and get theirs from the next
// dispatch, over what has come in since too (someone who left in between
// gets nothing, someone who joined gets theirs), and the first chunk gets
// the one story they have not had. Every match reaches every subscriber
// once.
func TestDispatchStoppedAfterAChunk(t *testing.T) {
	e := openBuildEnv(t, filepath.Join(t.TempDir(), "feedwatch.db"), digest.Options{BaseURL: "https://news.feedwatch.test", Chunk: 3}, buildTopics)
	var err error
	if e.feed, err = e.st.AddFeed(context.Background(), model.Feed{URL: "https://wire.example/rss", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	var subs []model.Subscription
	for i := range 10 {
		subs = append(subs, model.Subscription{Email: fmt.Sprintf("r%02d@example.org", i), TimeZone: []string{"Europe/Berlin", "", "Asia/Tokyo"}[i%3]})
	}
	e.subscribe(t, subs...)
	first := []string{"Talks resume in Geneva", "Embassy staff return", "Sanctions eased on grain"}
	e.addItems(t, first...)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.b.SetAfterChunk(func(int) { cancel() })
	res, err := e.b.DispatchNow(ctx, e.set, "")
	if !errors.Is(err, context.Canceled) || res.Mails != 3 {
		t.Fatalf("dispatch stopped after the first chunk: %+v, %v", res, err)
	}

	// Meanwhile: r01 (mailed) and r05 (not yet) leave, a new reader joins,
	// and a new story comes in.
	for _, email := range []string{"r01@example.org", "r05@example.org"} {
		if _, err := e.st.Unsubscribe(context.Background(), email, e.topic.ID); err != nil {
			t.Fatal(err)
		}
	}
	e.subscribe(t, model.Subscription{Email: "late@example.org"})
	e.addItems(t, "Direct flights to be restored")

	e.b.SetAfterChunk(nil)
	// The 6 left of the first list and the newcomer, and the first chunk
	// but r01 for the new story.
	if res = e.dispatchNow(t); res.Mails != 9 {
		t.Fatalf("second dispatch queued %d, want 9", res.Mails)
	}
	if res = e.dispatchNow(t); res.Mails != 0 {
		t.Fatalf("third dispatch queued %d, want 0", res.Mails)
	}
	got := map[string]map[string]int{}
	for _, dl := range outbox(t, e.st) {
		p := messageParts(t, dl.Message)
		if got[dl.Email] == nil {
			got[dl.Email] = map[string]int{}
		}
		for _, title := range append(first, "Direct flights to be restored") {
			if strings.Contains(p.Text, title) {
				got[dl.Email][title]++
			}
		}
	}
	for _, s := range append(subs, model.Subscription{Email: "late@example.org"}) {
		want := 1
		switch s.Email {
		case "r05@example.org":
			want = 0
		}
		for _, title := range append(first, "Direct flights to be restored") {
			w := want
			if s.Email == "r01@example.org" && title == "Direct flights to be restored" {
				w = 0
			}
			if got[s.Email][title] != w {
				t.Errorf("%s received %q %d times, want %d", s.Email, title, got[s.Email][title], w)
			}
		}
	}
}

// TestDispatchKilledBetweenChunks kills a dispatch with SIGKILL after its
// first chunk was committed, sends what it queued, and checks that the
// next dispatch sends the rest, so that every subscriber receives the
// stories once.
func TestDispatchKilledBetweenChunks(t *testing.T) {
	if path := os.Getenv("FEEDWATCH_BUILD_CHILD"); path != "" {
		buildUntilKilled(t, path)
		return
	}
	path := filepath.Join(t.TempDir(), "feedwatch.db")
	e := openBuildEnv(t, path, digest.Options{BaseURL: "https://news.feedwatch.test", Chunk: 2}, buildTopics)
	var err error
	if e.feed, err = e.st.AddFeed(context.Background(), model.Feed{URL: "https://wire.example/rss", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	const readers = 7
	for i := range readers {
		e.subscribe(t, model.Subscription{Email: fmt.Sprintf("r%02d@example.org", i)})
	}
	e.addItems(t, "Talks resume in Geneva", "Embassy staff return")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	child := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestDispatchKilledBetweenChunks$")
	child.Env = append(os.Environ(), "FEEDWATCH_BUILD_CHILD="+path, "FEEDWATCH_BUILD_NOW="+e.now.Format(time.RFC3339Nano))
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	committed := false
	for lines := bufio.NewScanner(out); !committed && lines.Scan(); {
		committed = strings.HasPrefix(lines.Text(), "chunk committed")
	}
	if !committed {
		t.Fatalf("the child ended before committing a chunk: %v", child.Wait())
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	if ws, ok := child.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended by %v, not by our SIGKILL", child.ProcessState)
	}

	if err := e.st.IntegrityCheck(context.Background()); err != nil {
		t.Fatal(err)
	}
	// What the killed dispatch queued goes out; the rest is still due.
	sender := &countingSender{got: map[string]int{}}
	ob := deliver.New(e.st, sender, deliver.Options{From: "feedwatch <digest@feedwatch.test>", Now: func() time.Time { return e.now.Add(time.Minute) }})
	if sum, err := ob.Drain(context.Background()); err != nil || sum.Sent != 2 {
		t.Fatalf("drain after the kill: %+v, %v; want 2 sent", sum, err)
	}

	if res := e.dispatchNow(t); res.Mails != readers-2 {
		t.Fatalf("dispatch after the kill queued %d, want %d", res.Mails, readers-2)
	}
	if sum, err := ob.Drain(context.Background()); err != nil || sum.Sent != readers-2 {
		t.Fatalf("drain after the next dispatch: %+v, %v", sum, err)
	}
	if len(sender.got) != readers {
		t.Errorf("%d of %d readers received the digest: %v", len(sender.got), readers, sender.got)
	}
	for to, n := range sender.got {
		if n != 1 {
			t.Errorf("%s received the digest %d times", to, n)
		}
	}
	all, err := e.st.Deliveries(context.Background(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for email, n := range count(all) {
		if n != 1 {
			t.Errorf("%s has %d deliveries", email, n)
		}
	}
	for _, dl := range all {
		if dl.Status != model.DeliverySent {
			t.Errorf("delivery to %s is %s", dl.Email, dl.Status)
		}
	}
	if len(all) != readers {
		t.Errorf("%d deliveries for %d readers", len(all), readers)
	}
}

// buildUntilKilled is the child of TestDispatchKilledBetweenChunks: it
// dispatches and, once the first chunk is committed, says so and waits to
// be killed.
func buildUntilKilled(t *testing.T, path string) {
	e := openBuildEnv(t, path, digest.Options{BaseURL: "https://news.feedwatch.test", Chunk: 2}, buildTopics)
	now, err := time.Parse(time.RFC3339Nano, os.Getenv("FEEDWATCH_BUILD_NOW"))
	if err != nil {
		t.Fatal(err)
	}
	e.now = now
	e.b.SetAfterChunk(func(queued int) {
		fmt.Printf("chunk committed: %d queued\n", queued)
		// The parent kills us long before this ends; should it die
		// first, this process does not outlive it by much.
		time.Sleep(time.Minute)
		os.Exit(2)
	})
	if _, err := e.b.DispatchNow(context.Background(), e.set, ""); err != nil {
		t.Fatal(err)
	}
	t.Fatal("the dispatch ended without stopping after its first chunk")
}

// outbox returns every queued delivery with its message.
func outbox(t *testing.T, st *store.Store) []model.Delivery {
	t.Helper()
	dls, err := st.DueDeliveries(context.Background(), time.Now().Add(365*24*time.Hour), 10000)
	if err != nil {
		t.Fatal(err)
	}
	return dls
}

// count returns how many deliveries each address has.
func count(dls []model.Delivery) map[string]int {
	out := map[string]int{}
	for _, dl := range dls {
		out[dl.Email]++
	}
	return out
}

// countingSender accepts every message and counts them by recipient.
type countingSender struct {
	mu  sync.Mutex
	got map[string]int
}

func (s *countingSender) Send(_ context.Context, _ string, to []string, _ []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rcpt := range to {
		s.got[rcpt]++
	}
	return nil
}

func (s *countingSender) Close() error { return nil }
