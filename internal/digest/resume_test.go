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

// TestBuildResumesAfterAbort stops a build after its first chunk and
// checks what the next builds do: the second finishes the same digest, with
// the same stories, for every active subscriber still without it (someone
// who left in between gets nothing, someone who joined gets it), and only
// the third starts the next period.
func TestBuildResumesAfterAbort(t *testing.T) {
	e := openBuildEnv(t, filepath.Join(t.TempDir(), "feedwatch.db"), digest.Options{BaseURL: "https://news.feedwatch.test", Chunk: 3})
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
	res, err := e.b.Build(ctx, e.topic)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("build stopped after the first chunk: %+v, %v", res, err)
	}
	inc, err := e.st.IncompleteDigest(context.Background(), e.topic.ID)
	if err != nil {
		t.Fatalf("no incomplete digest after the stopped build: %v", err)
	}
	if got := outbox(t, e.st); len(got) != 3 {
		t.Fatalf("%d deliveries after the first chunk, want 3", len(got))
	}

	// While the digest waits: r01 (queued) and r05 (not yet) leave, a new
	// reader joins, and a new story comes in.
	for _, email := range []string{"r01@example.org", "r05@example.org"} {
		if _, err := e.st.Unsubscribe(context.Background(), email, e.topic.ID); err != nil {
			t.Fatal(err)
		}
	}
	e.subscribe(t, model.Subscription{Email: "late@example.org"})
	e.addItems(t, "Direct flights to be restored")

	e.b.SetAfterChunk(nil)
	res, err = e.b.Build(context.Background(), e.topic)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resumed || res.Digest.ID != inc.Digest.ID || res.Queued != 7 {
		t.Fatalf("second build = resumed %v, digest %d, %d queued; want resumed digest %d with 7 queued", res.Resumed, res.Digest.ID, res.Queued, inc.Digest.ID)
	}
	if _, err := e.st.IncompleteDigest(context.Background(), e.topic.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("digest still incomplete after the second build: %v", err)
	}
	got := outbox(t, e.st)
	want := map[string]int{"late@example.org": 1}
	for _, s := range subs {
		if s.Email != "r05@example.org" {
			want[s.Email] = 1
		}
	}
	if fmt.Sprint(count(got, inc.Digest.ID)) != fmt.Sprint(want) {
		t.Errorf("deliveries per subscriber = %v, want %v", count(got, inc.Digest.ID), want)
	}
	subject := ""
	for _, dl := range got {
		p := messageParts(t, dl.Message)
		if subject == "" {
			subject = p.Subject
		}
		if p.Subject != subject {
			t.Errorf("%s: subject %q, others %q", dl.Email, p.Subject, subject)
		}
		for _, title := range first {
			if !strings.Contains(p.Text, title) {
				t.Errorf("%s: message lacks %q", dl.Email, title)
			}
		}
		if strings.Contains(p.Text, "Direct flights") {
			t.Errorf("%s: the resumed digest took in a story from after its period", dl.Email)
		}
	}

	res, err = e.b.Build(context.Background(), e.topic)
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed || res.Digest.ID == inc.Digest.ID || res.Queued != 9 {
		t.Errorf("third build = resumed %v, digest %d, %d queued; want a new digest for 9", res.Resumed, res.Digest.ID, res.Queued)
	}
}

// TestBuildKilledBetweenChunks kills a build with SIGKILL after its first
// chunk was committed, sends what it queued, and checks that the next
// build finishes the digest so that every subscriber receives it once.
func TestBuildKilledBetweenChunks(t *testing.T) {
	if path := os.Getenv("FEEDWATCH_BUILD_CHILD"); path != "" {
		buildUntilKilled(t, path)
		return
	}
	path := filepath.Join(t.TempDir(), "feedwatch.db")
	e := openBuildEnv(t, path, digest.Options{BaseURL: "https://news.feedwatch.test", Chunk: 2})
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
	child := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestBuildKilledBetweenChunks$")
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
	inc, err := e.st.IncompleteDigest(context.Background(), e.topic.ID)
	if err != nil {
		t.Fatalf("no incomplete digest after the kill: %v", err)
	}
	// What the killed build queued can go out before the digest is
	// finished.
	sender := &countingSender{got: map[string]int{}}
	ob := deliver.New(e.st, sender, deliver.Options{From: "feedwatch <digest@feedwatch.test>", Now: func() time.Time { return e.now.Add(time.Minute) }})
	if sum, err := ob.Drain(context.Background()); err != nil || sum.Sent != 2 {
		t.Fatalf("drain after the kill: %+v, %v; want 2 sent", sum, err)
	}

	res, err := e.b.Build(context.Background(), e.topic)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resumed || res.Digest.ID != inc.Digest.ID || res.Queued != readers-2 {
		t.Fatalf("build after the kill = resumed %v, digest %d, %d queued; want digest %d resumed with %d queued", res.Resumed, res.Digest.ID, res.Queued, inc.Digest.ID, readers-2)
	}
	if sum, err := ob.Drain(context.Background()); err != nil || sum.Sent != readers-2 {
		t.Fatalf("drain after the resumed build: %+v, %v", sum, err)
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
	for email, n := range count(all, inc.Digest.ID) {
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

// buildUntilKilled is the child of TestBuildKilledBetweenChunks: it builds
// the digest and, once the first chunk is committed, says so and waits to
// be killed.
func buildUntilKilled(t *testing.T, path string) {
	e := openBuildEnv(t, path, digest.Options{BaseURL: "https://news.feedwatch.test", Chunk: 2})
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
	if _, err := e.b.Build(context.Background(), e.topic); err != nil {
		t.Fatal(err)
	}
	t.Fatal("the build ended without stopping after its first chunk")
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

// count returns how many deliveries of digest id each address has.
func count(dls []model.Delivery, id int64) map[string]int {
	out := map[string]int{}
	for _, dl := range dls {
		if dl.DigestID == id {
			out[dl.Email]++
		}
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
