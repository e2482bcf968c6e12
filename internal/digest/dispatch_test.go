package digest_test

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/digest"
	"github.com/feedwatch/feedwatch/internal/lifecycle"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/token"
	"github.com/feedwatch/feedwatch/internal/topic"
)

func storeSettings(combine *bool) store.SubscriberSettings {
	return store.SubscriberSettings{Combine: combine}
}

func storeLang(lang *string) store.SubscriberSettings {
	return store.SubscriberSettings{Lang: lang}
}

const twoTopics = `topics:
  - id: news
    name: News
    digest: {schedule: "0 7 * * *", max_items: 50, best_score: 20}
    rules: {any: [zzzz-never]}
  - id: arms
    name: Arms control
    digest: {schedule: "0 7 * * *", max_items: 50}
    rules: {any: [zzzz-never]}
`

func newDispatchEnv(t *testing.T, opts digest.Options) *buildEnv {
	t.Helper()
	if opts.BaseURL == "" {
		opts.BaseURL = "https://news.feedwatch.test"
	}
	e := openBuildEnv(t, filepath.Join(t.TempDir(), "feedwatch.db"), opts, twoTopics)
	var err error
	if e.feed, err = e.st.AddFeed(context.Background(), model.Feed{URL: "https://wire.example/rss", Title: "Wire", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *buildEnv) dispatchAt(t *testing.T, at time.Time) digest.Result {
	t.Helper()
	e.now = at
	res, err := e.b.Dispatch(context.Background(), e.set, "")
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestCatchUpIsOneMail: a daily subscriber whose mails were due on three
// days while nothing ran gets one mail with everything, and the next at
// their usual time.
func TestCatchUpIsOneMail(t *testing.T) {
	e := newDispatchEnv(t, digest.Options{})
	e.subscribe(t, model.Subscription{Email: "r@example.org", TimeZone: "Europe/Berlin",
		Schedule: model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 8 * 60}})
	e.dispatchAt(t, e.now) // placed: next at 08:00 Berlin
	e.addItems(t, "Day one talks in Geneva")
	e.now = e.now.Add(24 * time.Hour)
	e.addItems(t, "Day two sanctions announced")
	e.now = e.now.Add(48 * time.Hour)
	if res := e.dispatchAt(t, e.now); res.Mails != 1 {
		t.Fatalf("after three missed days: %d mails, want 1", res.Mails)
	}
	if res := e.dispatchAt(t, e.now.Add(time.Hour)); res.Mails != 0 {
		t.Errorf("an hour later: %d mails", res.Mails)
	}
	sub, _ := e.st.Subscription(context.Background(), "r@example.org", "news")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if local := sub.NextAt.In(berlin); local.Hour() != 8 || !sub.NextAt.After(e.now) || sub.NextAt.Sub(e.now) > 24*time.Hour {
		t.Errorf("next mail at %v, want the next 08:00 Berlin", local)
	}
	text := messageParts(t, outbox(t, e.st)[0].Message).Text
	for _, title := range []string{"Day one talks in Geneva", "Day two sanctions announced"} {
		if !strings.Contains(text, title) {
			t.Errorf("the catch-up mail lacks %q", title)
		}
	}
}

// TestSkipMissed: with send_missed off, a time that passed while nothing
// ran moves on without a mail, and its matches go into the next one.
func TestSkipMissed(t *testing.T) {
	e := newDispatchEnv(t, digest.Options{})
	e.subscribe(t, model.Subscription{Email: "r@example.org", Schedule: model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 7 * 60}})
	e.dispatchAt(t, e.now)
	e.addItems(t, "Talks in Geneva")
	e.now = e.now.Add(30 * time.Hour)
	if n, err := e.b.SkipMissed(context.Background(), e.set); err != nil || n != 1 {
		t.Fatalf("SkipMissed = %d, %v; want 1", n, err)
	}
	if res := e.dispatchAt(t, e.now); res.Mails != 0 {
		t.Errorf("after skipping: %d mails", res.Mails)
	}
	sub, _ := e.st.Subscription(context.Background(), "r@example.org", "news")
	if res := e.dispatchAt(t, sub.NextAt); res.Mails != 1 {
		t.Errorf("at the next time: %d mails, want 1", res.Mails)
	}
}

// TestDispatchReadsAChunkAtATime: however many subscriptions wait to be
// placed or are overdue, the dispatcher reads and writes them a chunk at a
// time, so that its memory does not grow with the list; and every one of
// them is placed, mailed and, with send_missed off, moved on.
func TestDispatchReadsAChunkAtATime(t *testing.T) {
	const chunk, readers = 3, 10
	e := newDispatchEnv(t, digest.Options{Chunk: chunk})
	var subs []model.Subscription
	for i := range readers {
		sub := model.Subscription{Email: fmt.Sprintf("r%02d@example.org", i), TimeZone: []string{"Europe/Berlin", "Asia/Tokyo", ""}[i%3],
			Schedule: model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 7 * 60}}
		subs = append(subs, sub)
		if i%2 == 0 {
			sub.TopicID = "arms"
			subs = append(subs, sub)
		}
	}
	e.subscribe(t, subs...)
	var reads []int
	e.b.SetAfterPlace(func(n int) { reads = append(reads, n) })
	e.dispatchAt(t, e.now)
	placed := 0
	for _, n := range reads {
		if n > chunk {
			t.Errorf("placement read %d subscriptions at once, chunk %d", n, chunk)
		}
		placed += n
	}
	if placed != len(subs) || len(reads) < len(subs)/chunk {
		t.Errorf("placement read %v, %d in all; want %d subscriptions, at most %d at a time", reads, placed, len(subs), chunk)
	}
	if left, err := e.st.UnplacedSubscriptions(context.Background(), store.SubscriptionKey{}, 100); err != nil || len(left) != 0 {
		t.Fatalf("still unplaced: %d, %v", len(left), err)
	}

	e.addTopicItems(t, "news", "Talks in Geneva")
	e.addTopicItems(t, "arms", "Treaty limits extended")
	e.now = e.now.Add(72 * time.Hour)
	if n, err := e.b.SkipMissed(context.Background(), e.set); err != nil || n != len(subs) {
		t.Fatalf("SkipMissed moved %d, %v; want all %d", n, err, len(subs))
	}
	if res := e.dispatchAt(t, e.now); res.Mails != 0 {
		t.Errorf("after skipping: %d mails", res.Mails)
	}
	res, err := e.b.DispatchNow(context.Background(), e.set, "")
	if err != nil || res.Mails != readers {
		t.Errorf("DispatchNow: %+v, %v; want a mail to each of %d", res, err, readers)
	}
}

// TestDispatchKeepsWhatMailsShow: a subscription whose range holds more
// stories than a mail shows (a week's, after a pause) does not keep them
// all in the dispatch's cache, only the ones its mail shows, so that what
// a dispatch holds depends on max_items and not on how long its
// subscribers waited.
func TestDispatchKeepsWhatMailsShow(t *testing.T) {
	e := openBuildEnv(t, filepath.Join(t.TempDir(), "feedwatch.db"), digest.Options{BaseURL: "https://news.feedwatch.test", Chunk: 2},
		strings.Replace(buildTopics, "max_items: 50", "max_items: 3", 1))
	var err error
	if e.feed, err = e.st.AddFeed(context.Background(), model.Feed{URL: "https://wire.example/rss", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	// Each reader with a section of their own (the headlines' language
	// and "only the strongest" are part of it), and every range holds all
	// six stories.
	i := 0
	for _, lang := range []string{"", "en", "ru"} {
		for _, best := range []bool{false, true} {
			email := fmt.Sprintf("r%d@example.org", i)
			e.subscribe(t, model.Subscription{Email: email, TimeZone: []string{"Europe/Berlin", "Asia/Tokyo"}[i%2],
				Schedule: model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 7 * 60, BestOnly: best}})
			if err := e.st.SetSubscriber(context.Background(), email, storeLang(&lang)); err != nil {
				t.Fatal(err)
			}
			i++
		}
	}
	for n := range 6 {
		e.addItems(t, strings.Join([]string{lifecycle.Word(n, 0), lifecycle.Word(n, 1), lifecycle.Word(n, 2)}, " "))
	}
	kept := 0
	e.b.SetAfterTrim(func(sections, stories, items, batchBytes int) {
		kept = max(kept, sections)
		if stories != 0 || items > 3 {
			t.Errorf("a cached section keeps %d stories and %d items; want none and at most max_items (3)", stories, items)
		}
	})
	if res := e.dispatchNow(t); res.Mails != 6 {
		t.Fatalf("%d mails, want 6", res.Mails)
	}
	if kept == 0 {
		t.Fatal("no section was kept between chunks")
	}
	// Each mail shows three of the six stories and says three more.
	for _, dl := range outbox(t, e.st) {
		if text := messageParts(t, dl.Message).Text; !strings.Contains(text, "3 more") {
			t.Errorf("%s: the mail does not say three stories were cut:\n%s", dl.Email, text)
		}
	}
}

// TestAlertsCappedPerHour: instant alerts go out in the dispatch after
// their matches, at most alerts.max_per_hour an hour; what goes over
// waits and is not lost.
func TestAlertsCappedPerHour(t *testing.T) {
	e := newDispatchEnv(t, digest.Options{AlertsPerHour: 2})
	e.subscribe(t, model.Subscription{Email: "r@example.org", Schedule: model.Schedule{Frequency: model.FrequencyInstant}})
	e.dispatchAt(t, e.now)
	var titles []string
	mails := 0
	for i, title := range []string{"Alpha envoy lands", "Bravo treaty signed", "Charlie talks stall", "Delta sanctions widen"} {
		titles = append(titles, title)
		e.addItems(t, title)
		res := e.dispatchAt(t, e.now.Add(5*time.Minute))
		mails += res.Mails
		if want := map[int]int{0: 1, 1: 1, 2: 0, 3: 0}[i]; res.Mails != want {
			t.Errorf("story %d: %d alerts, want %d", i, res.Mails, want)
		}
		e.now = e.now.Add(-time.Hour + 5*time.Minute) // the stories come within the hour
	}
	// An hour after the first alert, the two that waited go out together.
	e.now = e.now.Add(2 * time.Hour)
	if res := e.dispatchAt(t, e.now); res.Mails != 1 {
		t.Errorf("after the hour: %d alerts, want 1", res.Mails)
	}
	got := map[string]int{}
	for _, dl := range outbox(t, e.st) {
		if dl.Kind != model.KindAlert {
			t.Errorf("a %s, want alerts", dl.Kind)
		}
		text := messageParts(t, dl.Message).Text
		for _, title := range titles {
			got[title] += strings.Count(text, title+"\n")
		}
	}
	for _, title := range titles {
		if got[title] != 1 {
			t.Errorf("%q alerted %d times, want once", title, got[title])
		}
	}
}

// TestBestOnly: a subscription that wants only the strongest matches
// skips the others for good; one that wants all gets them.
func TestBestOnly(t *testing.T) {
	e := newDispatchEnv(t, digest.Options{})
	e.subscribe(t,
		model.Subscription{Email: "best@example.org", Schedule: model.Schedule{BestOnly: true}},
		model.Subscription{Email: "all@example.org"})
	e.now = e.now.Add(time.Hour)
	ctx := context.Background()
	for _, m := range []struct {
		title string
		score float64
	}{{"Strong summit story", 30}, {"Weak passing mention", 5}} {
		e.seq++
		link := "https://wire.example/best/" + m.title
		if _, err := e.st.SaveFetch(ctx, e.feed, []model.Item{{Key: link, Title: m.title, Link: link, Published: e.now, FetchedAt: e.now}},
			[][]model.Match{{{TopicID: "news", Score: m.score}}}); err != nil {
			t.Fatal(err)
		}
	}
	if res := e.dispatchNow(t); res.Mails != 2 {
		t.Fatalf("%d mails, want 2", res.Mails)
	}
	for _, dl := range outbox(t, e.st) {
		text := messageParts(t, dl.Message).Text
		weak := strings.Contains(text, "Weak passing mention")
		if strong := strings.Contains(text, "Strong summit story"); !strong || weak != (dl.Email == "all@example.org") {
			t.Errorf("%s: strong %v, weak %v", dl.Email, strong, weak)
		}
	}
	if sub, _ := e.st.Subscription(ctx, "best@example.org", "news"); sub.CursorSeq != 2 {
		t.Errorf("best-only cursor %d, want past both matches", sub.CursorSeq)
	}
}

// TestCombinedMail: a subscriber's topics due together come in one mail
// with a section each; each section's unsubscribe link ends that topic,
// the mail's one-click link ends both; a subscriber who turned combining
// off gets a mail per topic.
func TestCombinedMail(t *testing.T) {
	e := newDispatchEnv(t, digest.Options{})
	e.subscribe(t,
		model.Subscription{Email: "both@example.org", TopicID: "news"},
		model.Subscription{Email: "both@example.org", TopicID: "arms"},
		model.Subscription{Email: "apart@example.org", TopicID: "news"},
		model.Subscription{Email: "apart@example.org", TopicID: "arms"})
	off := false
	if err := e.st.SetSubscriber(context.Background(), "apart@example.org", storeSettings(&off)); err != nil {
		t.Fatal(err)
	}
	e.addTopicItems(t, "news", "Envoy meets minister")
	e.addTopicItems(t, "arms", "Treaty inspections resume")
	if res := e.dispatchNow(t); res.Mails != 3 {
		t.Fatalf("%d mails, want 3 (one combined, two apart)", res.Mails)
	}
	for _, dl := range outbox(t, e.st) {
		raw := string(dl.Message)
		p := messageParts(t, dl.Message)
		switch dl.Email {
		case "both@example.org":
			if len(dl.Topics) != 2 {
				t.Fatalf("combined mail carries %v", dl.Topics)
			}
			for _, want := range []string{"Envoy meets minister", "Treaty inspections resume", "Unsubscribe from News:", "Unsubscribe from Arms control:"} {
				if !strings.Contains(p.Text, want) {
					t.Errorf("combined mail lacks %q", want)
				}
			}
			if !strings.Contains(p.Subject, "News, Arms control") {
				t.Errorf("subject %q", p.Subject)
			}
			oneClick := header(raw, "List-Unsubscribe")
			tok := tokenOf(t, oneClick)
			c, err := token.Verify([]byte("build-test-secret"), tok, token.Unsubscribe, e.now)
			if err != nil || c.Topic != "news,arms" && c.Topic != "arms,news" {
				t.Errorf("one-click unsubscribe covers %q, %v; want both topics", c.Topic, err)
			}
		case "apart@example.org":
			if len(dl.Topics) != 1 {
				t.Errorf("apart: a mail of %v", dl.Topics)
			}
		}
	}
}

func header(raw, name string) string {
	for _, line := range strings.Split(raw, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+": "); ok {
			return v
		}
	}
	return ""
}

// tokenOf finds the token= value in the https link of a header.
func tokenOf(t *testing.T, h string) string {
	t.Helper()
	for _, part := range strings.Split(h, ",") {
		part = strings.Trim(strings.TrimSpace(part), "<>")
		if u, err := url.Parse(part); err == nil && u.Scheme == "https" {
			return u.Query().Get("token")
		}
	}
	t.Fatalf("no https link in %q", h)
	return ""
}

// TestFeedbackLinks: every item of a mail carries a "Not about …?" link
// for its own headline and reader, and the footer a "Missed something?"
// link; each verifies for that reader, topic and item only.
func TestFeedbackLinks(t *testing.T) {
	e := newDispatchEnv(t, digest.Options{})
	e.subscribe(t, model.Subscription{Email: "r@example.org"})
	e.addItems(t, "Envoy meets minister in Geneva", "Treaty inspections resume at last")
	e.dispatchNow(t)
	dls := outbox(t, e.st)
	if len(dls) != 1 {
		t.Fatalf("%d mails", len(dls))
	}
	p := messageParts(t, dls[0].Message)
	items, err := e.st.MatchedItems(context.Background(), "news", 0, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	byTitle := map[string]int64{}
	for _, it := range items {
		byTitle[it.Item.Title] = it.Item.ID
	}
	secret := []byte("build-test-secret")
	blocks := strings.Split(p.Text, "----------------------------------------------------------------------")
	found := 0
	for _, block := range blocks {
		for title, id := range byTitle {
			if !strings.Contains(block, title+"\n") {
				continue
			}
			_, rest, ok := strings.Cut(block, "Not about News? ")
			if !ok {
				t.Errorf("%q has no feedback link", title)
				continue
			}
			link, _, _ := strings.Cut(rest, "\n")
			u, err := url.Parse(link)
			if err != nil {
				t.Fatal(err)
			}
			f, err := token.VerifyFeedback(secret, u.Query().Get("t"), token.NotAbout, e.now)
			if err != nil || f.ItemID != id || f.Email != "r@example.org" || f.Topic != "news" {
				t.Errorf("%q: feedback link %s says %+v, %v; want item %d", title, link, f, err, id)
			}
			found++
		}
	}
	if found != 2 {
		t.Errorf("%d items with feedback links, want 2:\n%s", found, p.Text)
	}
	_, rest, ok := strings.Cut(p.Text, "Missed something? ")
	if !ok {
		t.Fatalf("no missed-something link:\n%s", p.Text)
	}
	link, _, _ := strings.Cut(rest, "\n")
	u, _ := url.Parse(link)
	if f, err := token.VerifyFeedback(secret, u.Query().Get("t"), token.Missed, e.now); err != nil || f.Topic != "news" {
		t.Errorf("missed link %s: %+v, %v", link, f, err)
	}
}

// TestLargestDigestUnderGmailClip fills a digest to the shipped topic's
// maximum (30 stories) with Russian text, which takes two bytes a letter,
// summaries at their full length, five other outlets per story and every
// link a reader gets, and checks that the HTML stays under the 102 KB at
// which Gmail clips a message and hides its footer.
func TestLargestDigestUnderGmailClip(t *testing.T) {
	const gmailClip = 102 * 1000
	e := newDispatchEnv(t, digest.Options{})
	e.set = mustTopics(t, strings.Replace(twoTopics, "max_items: 50, best_score: 20", "max_items: 30", 1))
	e.topic = e.set.Topics()[0]
	e.subscribe(t, model.Subscription{Email: "a.long.address.of.a.reader@news-subscribers.example.org", Name: "Анастасия Владимировна Коновалова", TimeZone: "Europe/Moscow"})
	ctx := context.Background()
	var feeds []model.Feed
	for i := range 6 {
		f, err := e.st.AddFeed(ctx, model.Feed{URL: fmt.Sprintf("https://outlet%d.example.ru/rss", i), Title: fmt.Sprintf("Информационное агентство №%d", i), Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		feeds = append(feeds, f)
	}
	e.now = e.now.Add(time.Hour)
	for story := range 40 {
		for outlet, f := range feeds {
			link := fmt.Sprintf("https://outlet%d.example.ru/politics/2026/11/02/story-%d-long-slug-for-the-article.html", outlet, story)
			// Each story its own people, place and subject, as different
			// events have; its outlets tell it in their own words.
			who := "министр " + ruSurnames[story%len(ruSurnames)] + " и его коллега"
			subject := ruSubjects[story%len(ruSubjects)]
			title := fmt.Sprintf("%s обсудили %s в %s", who, subject, ruCities[story%len(ruCities)])
			if outlet%2 == 1 {
				title = fmt.Sprintf("В %s %s провели переговоры: %s", ruCities[story%len(ruCities)], who, subject)
			}
			summary := "<p>" + strings.Repeat(title+". ", 5) + "</p>"
			if _, err := e.st.SaveFetch(ctx, f, []model.Item{{Key: link, Title: title, Link: link, CanonicalLink: link, Summary: summary,
				Published: e.now, FetchedAt: e.now}}, [][]model.Match{{{TopicID: "news", Score: float64(30 - outlet), Terms: []string{"Лавров*", "переговор*", "США"},
				Words: []string{"Лавров", "переговоры", "США"}}}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if res := e.dispatchNow(t); res.Mails != 1 {
		t.Fatalf("%d mails", res.Mails)
	}
	dl := outbox(t, e.st)[0]
	p := messageParts(t, dl.Message)
	if !strings.Contains(p.Text, "more stories in the archive") || strings.Count(p.Text, "\nAlso reported by:") != 30 {
		t.Fatalf("the digest is not at its maximum:\n%.2000s", p.Text)
	}
	t.Logf("largest digest: HTML part %d bytes, text part %d bytes, whole message %d bytes", len(p.HTML), len(p.Text), len(dl.Message))
	if len(p.HTML) >= gmailClip {
		t.Errorf("HTML part is %d bytes, Gmail clips at %d", len(p.HTML), gmailClip)
	}
}

var (
	ruSurnames = strings.Fields(`Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров
		Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин
		Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев
		Королёв Гусев Киселёв`)
	ruCities = strings.Fields(`Женеве Вене Стамбуле Хельсинки Анкоридже Абу-Даби Дохе Эр-Рияде Осло Берне Праге
		Будапеште Белграде Ереване Баку Ташкенте Астане Минске Каире Дели Пекине Токио Сеуле Манаме Маскате Кувейте
		Аммане Бейруте Тегеране Варшаве Риге Таллине Вильнюсе Бухаресте Софии Афинах Риме Мадриде Лиссабоне Дублине`)
	ruSubjects = []string{"договор о ракетах средней дальности", "обмен заключёнными", "работу посольств",
		"санкции против банков", "поставки нефти", "арктическое судоходство", "космическую станцию",
		"выдачу виз дипломатам", "возврат дипломатической собственности", "прямое авиасообщение", "ядерные испытания",
		"кибербезопасность выборов", "рыболовство в Беринговом море", "вывоз удобрений", "уран для электростанций",
		"пошлины на алюминий", "студенческие обмены", "розыск пропавших военных", "спутниковую навигацию",
		"морской инцидент", "таможенные правила", "лицензии на двигатели", "долги по кредитам", "архивы холодной войны",
		"зерновой коридор", "медицинские поставки", "права журналистов", "экстрадицию хакеров", "закупки титана",
		"пограничный переход", "радиочастоты", "метеорологические данные", "борьбу с наркотиками", "охрану границ",
		"воздушное пространство", "выставку в музее", "спортивные связи", "паломнические поездки", "авиационные запчасти",
		"северный морской путь"}
)

func mustTopics(t *testing.T, yaml string) *topic.Set {
	t.Helper()
	set, err := topic.Parse(strings.NewReader(yaml), "topics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return set
}
