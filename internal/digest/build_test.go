package digest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/digest"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

const buildTopics = `topics:
  - id: news
    name: News & <Views>
    description: Tests "quoting" & friends
    digest: {schedule: "0 7 * * *", max_items: 50}
    rules: {any: [zzzz-never]}
`

// buildEnv is a store with one topic, a builder over it and a clock that
// tests move.
type buildEnv struct {
	st    *store.Store
	set   *topic.Set
	topic topic.Topic
	b     *digest.Builder
	r     *render.Renderer
	feed  model.Feed
	now   time.Time
	seq   int
}

func newBuildEnv(tb testing.TB, baseURL string) *buildEnv {
	tb.Helper()
	e := openBuildEnv(tb, filepath.Join(tb.TempDir(), "feedwatch.db"), digest.Options{BaseURL: baseURL}, buildTopics)
	var err error
	if e.feed, err = e.st.AddFeed(context.Background(), model.Feed{URL: "https://wire.example/rss", Origin: "config", Enabled: true}); err != nil {
		tb.Fatal(err)
	}
	e.feed.Title = "Wire & <Co>"
	return e
}

// openBuildEnv opens the database at path, which may be another
// process's, with a builder made with opts over the topics of the YAML
// text topicsFile (its first topic is e.topic); From, Secret, Local and
// Now are set here.
func openBuildEnv(tb testing.TB, path string, opts digest.Options, topicsFile string) *buildEnv {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	set, err := topic.Parse(strings.NewReader(topicsFile), "build-topics.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	r, err := render.New(os.DirFS(filepath.Join("..", "..", "templates")))
	if err != nil {
		tb.Fatal(err)
	}
	// Otherwise dispatches render every copy in full and the tests compare
	// that path with itself.
	if err := r.SharedRendering(); err != nil {
		tb.Fatal(err)
	}
	e := &buildEnv{st: st, set: set, r: r, now: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
	e.topic = set.Topics()[0]
	st.Now = func() time.Time { return e.now }
	opts.From, opts.Secret, opts.Now = "feedwatch <digest@feedwatch.test>", []byte("build-test-secret"), func() time.Time { return e.now }
	if opts.Local == nil {
		opts.Local = time.UTC
	}
	e.b = digest.New(st, r, opts)
	return e
}

// addItems stores new matching stories of e.topic, so that the next
// dispatch has exactly those.
func (e *buildEnv) addItems(tb testing.TB, titles ...string) {
	tb.Helper()
	e.addTopicItems(tb, e.topic.ID, titles...)
}

// addTopicItems stores new stories that match topicID, an hour later.
func (e *buildEnv) addTopicItems(tb testing.TB, topicID string, titles ...string) []string {
	tb.Helper()
	e.now = e.now.Add(time.Hour)
	items := make([]model.Item, len(titles))
	matches := make([][]model.Match, len(titles))
	links := make([]string, len(titles))
	for i, title := range titles {
		e.seq++
		link := fmt.Sprintf("https://wire.example/story/%d", e.seq)
		links[i] = link
		items[i] = model.Item{Key: link, GUID: link, Title: title, Link: link, CanonicalLink: link,
			// Each story's own words: a summary shared by all of them
			// would make them one story.
			Summary:   "<p>" + title + `, <a href="` + link + `#more">the report</a> says.</p>`,
			Published: e.now.Add(-time.Duration(i) * time.Minute), FetchedAt: e.now}
		matches[i] = []model.Match{{TopicID: topicID, Score: 10, Terms: []string{"zzzz-never"}}}
	}
	if _, err := e.st.SaveFetch(context.Background(), e.feed, items, matches); err != nil {
		tb.Fatal(err)
	}
	e.now = e.now.Add(time.Minute)
	return links
}

// subscribe adds active subscribers of e.topic (of sub.TopicID when set).
func (e *buildEnv) subscribe(tb testing.TB, subs ...model.Subscription) {
	tb.Helper()
	for _, sub := range subs {
		if sub.TopicID == "" {
			sub.TopicID = e.topic.ID
		}
		sub.Status = model.SubscriptionActive
		if _, err := e.st.Subscribe(context.Background(), sub); err != nil {
			tb.Fatal(err)
		}
	}
}

// dispatchNow sends every subscription what waits for it.
func (e *buildEnv) dispatchNow(tb testing.TB) digest.Result {
	tb.Helper()
	res, err := e.b.DispatchNow(context.Background(), e.set, "")
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// awkwardSubscribers have addresses and names with every character that
// HTML, headers or the text part treat specially, placeholder look-alikes,
// and zones with odd offsets, an unknown zone and none.
var awkwardSubscribers = []model.Subscription{
	{Email: "plain@example.org", TimeZone: "Europe/Berlin"},
	{Email: "o'neil+news&co@example.org", Name: `Zoë "Z" O'Neil & <Co>`, TimeZone: "Asia/Kolkata"},
	{Email: "tab@example.org", Name: "Bobby\tTables\r\nBcc: victim@example.com", TimeZone: "America/St_Johns"},
	{Email: "nozone@example.org", Name: "No Zone"},
	{Email: "badzone@example.org", Name: "<script>alert(1)</script>", TimeZone: "Mars/Olympus_Mons"},
	{Email: "utc@example.org", Name: "Ünïcödé 名前 \u2028 next", TimeZone: "UTC"},
	{Email: "chatham@example.org", Name: "&amp; &#39; &lt;b&gt; +1", TimeZone: "Pacific/Chatham"},
	{Email: `"quoted <local> part"@example.org`, Name: "  spaced   out  ", TimeZone: "Asia/Kathmandu"},
	{Email: "lookalike@example.org", Name: "fw0123456789abcdef0123456789abcdefr", TimeZone: "Europe/Berlin"},
	{Email: "second.berlin@example.org", Name: "Second Berliner", TimeZone: "Europe/Berlin"},
}

// TestBuildMatchesRender checks that every message Build queues carries
// exactly what rendering that subscriber's copy on its own gives: subject,
// HTML and text, byte for byte, for awkward subscribers and for base URLs
// whose unsubscribe links are filled in, rendered in full, or dropped.
func TestBuildMatchesRender(t *testing.T) {
	for _, tc := range []struct{ name, baseURL string }{
		{"plain base URL", "https://news.feedwatch.test"},
		{"base URL with path and port", "https://feedwatch.test:8443/news/"},
		{"escaped base URL", "https://feedwatch.test/feed%20watch"},
		{"base URL with a quote", "https://feedwatch.test/it's"},
		{"no base URL", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newBuildEnv(t, tc.baseURL)
			e.subscribe(t, awkwardSubscribers...)
			e.addItems(t,
				"Talks resume in Geneva & <Vienna>",
				"fw0123456789abcdef0123456789abcdefu placeholder look-alike",
				`Quote "this" and 'that' + more`,
				"Переговоры в Женеве продолжаются",
			)
			res := e.dispatchNow(t)
			if res.Mails != len(awkwardSubscribers) {
				t.Fatalf("%d queued, want %d", res.Mails, len(awkwardSubscribers))
			}
			subs, err := e.st.ActiveSubscriptions(ctx, e.topic.ID)
			if err != nil {
				t.Fatal(err)
			}
			bySubscriber := map[int64]model.Subscription{}
			for _, s := range subs {
				bySubscriber[s.SubscriberID] = s
			}
			due, err := e.st.DueDeliveries(ctx, e.now.Add(24*time.Hour), 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, dl := range due {
				sub, ok := bySubscriber[dl.SubscriberID]
				if !ok {
					t.Fatalf("delivery to unknown subscriber %d", dl.SubscriberID)
				}
				want, sections, err := e.b.RenderDelivered(ctx, e.set, dl, sub)
				if err != nil {
					t.Fatal(err)
				}
				got := messageParts(t, dl.Message)
				// "View in browser" opens this digest, not the archive's index.
				if link := fmt.Sprintf("/digests/%d", sections[0].ID); strings.Contains(want.Text, "/digests") &&
					(!strings.Contains(got.Text, link) || !strings.Contains(got.HTML, link)) {
					t.Errorf("%s: message does not link to %s", sub.Email, link)
				}
				if got.Subject != want.Subject {
					t.Errorf("%s: subject\n got %q\nwant %q", sub.Email, got.Subject, want.Subject)
				}
				if got.HTML != want.HTML {
					t.Errorf("%s: HTML differs from its own rendering:\n%s", sub.Email, firstDiff(got.HTML, want.HTML))
				}
				if got.Text != want.Text {
					t.Errorf("%s: text differs from its own rendering:\n%s", sub.Email, firstDiff(got.Text, want.Text))
				}
				// Equal could also mean both lack the subscriber's link.
				_, tok, _ := strings.Cut(e.b.UnsubscribeURL(sub.Email, e.topic.ID), "?token=")
				if tc.baseURL != "" && (!strings.Contains(got.HTML, tok) || !strings.Contains(got.Text, tok)) {
					t.Errorf("%s: message lacks the unsubscribe token %s", sub.Email, tok)
				}
			}
			if len(due) != len(awkwardSubscribers) {
				t.Errorf("%d deliveries due, want %d", len(due), len(awkwardSubscribers))
			}
		})
	}
}

// TestBuildEscapesRecipient pins how a hostile address and name come out in
// each part, independent of how the copy was rendered.
func TestBuildEscapesRecipient(t *testing.T) {
	ctx := context.Background()
	e := newBuildEnv(t, "https://news.feedwatch.test")
	sub := model.Subscription{Email: "o'neil+a&b@example.org", Name: `Zoë "Z" <O'Neil>`, TimeZone: "Asia/Kolkata"}
	e.subscribe(t, sub)
	e.addItems(t, "One story")
	e.dispatchNow(t)
	due, err := e.st.DueDeliveries(ctx, e.now.Add(24*time.Hour), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("%d deliveries, %v", len(due), err)
	}
	got := messageParts(t, due[0].Message)
	for _, tc := range []struct{ part, body, want string }{
		{"HTML", got.HTML, "as o&#39;neil+a&amp;b@example.org.<br/>"},
		{"text", got.Text, "as o'neil+a&b@example.org.\n"},
		// Times are shown in the subscriber's zone: the story came at 11:00 UTC,
		// 16:30 in Kolkata.
		{"HTML", got.HTML, "2 Nov 2026 16:30 IST"},
		{"text", got.Text, "2 Nov 2026 16:30 IST"},
	} {
		if !strings.Contains(tc.body, tc.want) {
			t.Errorf("%s part lacks %q", tc.part, tc.want)
		}
	}
	if got.To != `"Zoë \"Z\" <O'Neil>" <o'neil+a&b@example.org>` {
		t.Errorf("To: %s", got.To)
	}
}

// parts is what a reader's client shows of a message. To is the decoded
// name, quoted, and the address.
type parts struct {
	To, Subject, HTML, Text string
}

// messageParts parses raw as a mail client would: headers decoded,
// transfer encodings undone.
func messageParts(t *testing.T, raw []byte) parts {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("message does not parse: %v", err)
	}
	var out parts
	dec := new(mime.WordDecoder)
	if out.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("subject: %v", err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 {
		t.Fatalf("To %q: %v", msg.Header.Get("To"), err)
	}
	out.To = fmt.Sprintf("%q <%s>", to[0].Name, to[0].Address)
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = p // quoted-printable is undone by NextPart
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			r = base64.NewDecoder(base64.StdEncoding, p)
		}
		data, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		// Lines end in CRLF on the wire and in LF as rendered.
		body := strings.ReplaceAll(string(data), "\r\n", "\n")
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/html":
			out.HTML = body
		case "text/plain":
			out.Text = body
		}
	}
	return out
}

// firstDiff shows where two long strings first differ.
func firstDiff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf(" got …%q…\nwant …%q…", got[from:min(len(got), i+80)], want[from:min(len(want), i+80)])
}

// BenchmarkBuild sends a digest of the 20 stories bench/mail.sh uses to
// 500 subscribers in three time zones: bench/mail.sh's render and queue
// phase, without the SMTP part. ns/msg is the cost of one queued message.
func BenchmarkBuild(b *testing.B) {
	const subscribers = 500
	ctx := context.Background()
	e := newBuildEnv(b, "https://news.bench.example.org")
	zones := []string{"Europe/Berlin", "America/New_York", ""}
	for i := range subscribers {
		e.subscribe(b, model.Subscription{Email: fmt.Sprintf("reader%05d@bench.example.net", i),
			Name: fmt.Sprintf("Reader %d", i), TimeZone: zones[i%len(zones)]})
	}
	// Distinct stories, so that merging keeps all 20.
	titles := []string{
		"Kremlin and White House agree to resume arms control talks",
		"Lavrov and Rubio meet in Riyadh to discuss embassy staffing",
		"US Treasury announces new sanctions on Russian oil exports",
		"Russia expels two American diplomats in retaliation",
		"Putin and Trump hold a two-hour phone call on a ceasefire",
		"Moscow court sentences US citizen to 12 years in prison",
		"Russian ambassador to the United States summoned to the State Department",
		"Pentagon says a Russian satellite approached a US satellite",
		"New START expiry looms as Moscow and Washington trade proposals",
		"Prisoner swap frees American journalist held in Russia",
		"Senate votes to extend export controls on Russian technology",
		"Kremlin accuses CIA of plotting cyber attacks on Russian banks",
		"FBI charges Russian hackers with election interference",
		"US and Russian delegations meet in Istanbul for consular talks",
		"Witkoff travels to Moscow for a meeting with Putin",
		"Russia warns Washington over missile deployment in Europe",
		"Gazprom assets frozen under new US sanctions package",
		"American and Russian officials agree to restore direct flights",
		"Ryabkov says dialogue with the US on strategic stability is frozen",
		"Russia vetoes US resolution at the UN Security Council",
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e.addItems(b, titles...)
		b.StartTimer()
		res, err := e.b.DispatchNow(ctx, e.set, "")
		if err != nil {
			b.Fatal(err)
		}
		if res.Mails != subscribers {
			b.Fatalf("%d queued", res.Mails)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*subscribers), "ns/msg")
}

// TestQuietStretchWithNotes: with `empty: note` every quiet period gets a
// note, also when nothing at all matched (each note's range is then the
// same empty one), and the story that ends the quiet stretch gets its
// digest.
func TestQuietStretchWithNotes(t *testing.T) {
	e := openBuildEnv(t, filepath.Join(t.TempDir(), "feedwatch.db"), digest.Options{BaseURL: "https://news.feedwatch.test"},
		strings.Replace(buildTopics, "max_items: 50}", "max_items: 50, empty: note}", 1))
	var err error
	if e.feed, err = e.st.AddFeed(context.Background(), model.Feed{URL: "https://wire.example/rss", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	e.subscribe(t, model.Subscription{Email: "reader@example.org"})
	day := func() digest.Result {
		t.Helper()
		e.now = e.now.Add(24 * time.Hour)
		res, err := e.b.Dispatch(context.Background(), e.set, "")
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	day() // places the subscription: its first mail is due tomorrow at 07:00
	if res := day(); res.Mails != 1 {
		t.Fatalf("first quiet day: %+v, want a note queued", res)
	}
	if res := day(); res.Mails != 1 {
		t.Errorf("second quiet day: %+v, want another note", res)
	}
	e.addItems(t, "Talks resume in Geneva")
	if res := day(); res.Mails != 1 {
		t.Errorf("after a story: %+v, want a digest with it", res)
	}
	dls := outbox(t, e.st)
	if len(dls) != 3 {
		t.Fatalf("%d mails, want 3", len(dls))
	}
	for i, dl := range dls {
		p := messageParts(t, dl.Message)
		if note := strings.Contains(p.Text, "Nothing new matched"); note != (i < 2) {
			t.Errorf("mail %d: a note = %v:\n%s", i, note, p.Text)
		}
	}
	if !strings.Contains(messageParts(t, dls[2].Message).Text, "Talks resume in Geneva") {
		t.Error("the story is not in the mail after the quiet days")
	}
}
