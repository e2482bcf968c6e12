package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
)

// TestSubscribersCommands: `subscribers add`, `set`, `list` and `remove`
// with schedules and the subscriber's settings, through the operations
// the admin pages and the API use: each change is in the activity log,
// and a wrong value names the flag that gave it.
func TestSubscribersCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "feedwatch.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir: %s\ntopics_file: \"\"\nfeeds: []\n", dir)), 0o600)
	until := time.Now().AddDate(0, 0, 10).Format(time.DateOnly)
	for _, step := range []struct {
		args []string
		out  string // in standard output when it succeeds
		err  string // in standard error when it must fail
	}{
		{args: []string{"add", "ann@example.org", "--topic", "us-russia", "--frequency", "daily", "--at", "08:30", "--best", "--tz", "Europe/Berlin"},
			out: "ann@example.org subscribed to us-russia (active, daily at 08:30, strongest only)"},
		{args: []string{"set", "ann@example.org", "--topic", "us-russia", "--frequency", "weekly", "--day", "fri"},
			out: "ann@example.org: us-russia now active, weekly on Friday at 08:30, strongest only"},
		{args: []string{"set", "ann@example.org", "--topic", "us-russia", "--at", "18:00", "--best=false"},
			out: "ann@example.org: us-russia now active, weekly on Friday at 18:00"},
		{args: []string{"set", "ann@example.org", "--lang", "ru", "--combine=false", "--pause-until", until, "--name", "Ann"},
			out: "ann@example.org updated"},
		{args: []string{"add", "bob@example.org", "--topic", "us-russia"}, out: "bob@example.org subscribed to us-russia (active, the topic's schedule)"},
		{args: []string{"set", "bob@example.org", "--topic", "us-russia", "--status", "suspended"}, out: "bob@example.org: us-russia now suspended"},

		{args: []string{"add", "cat@example.org", "--topic", "us-russia", "--frequency", "daily", "--at", "25:00"}, err: `--at: delivery time "25:00": want HH:MM`},
		{args: []string{"add", "cat@example.org", "--topic", "us-russia", "--frequency", "daily", "--day", "mon"}, err: "--day: a weekday goes with frequency weekly"},
		{args: []string{"add", "cat@example.org", "--topic", "us-russia", "--frequency", "hourly"}, err: `--frequency: frequency "hourly": want topic, instant, daily or weekly`},
		{args: []string{"add", "cat@example.org", "--topic", "us-russia", "--tz", "Mars/Olympus"}, err: `--tz: time zone "Mars/Olympus"`},
		{args: []string{"set", "ann@example.org", "--lang", "de"}, err: `--lang: language "de": want one of en, ru`},
		{args: []string{"set", "ann@example.org", "--pause-until", "2020-01-01"}, err: "--pause-until: pause until \"2020-01-01\": that is not in the future"},
		{args: []string{"set", "ann@example.org", "--frequency", "daily"}, err: "need --topic ID"},
		{args: []string{"set", "nobody@example.org", "--topic", "us-russia", "--best"}, err: "subscription of nobody@example.org to us-russia not found"},
		{args: []string{"set", "nobody@example.org", "--name", "X"}, err: "subscriber nobody@example.org not found"},
	} {
		code, out, errOut := runCLI(t, nil, append(append([]string{"subscribers"}, step.args...), "--config", cfg)...)
		if step.err != "" {
			if code == 0 || !strings.Contains(errOut, step.err) {
				t.Errorf("%v: exit %d, stderr %q; want an error with %q", step.args, code, errOut, step.err)
			}
			continue
		}
		if code != 0 || !strings.Contains(out, step.out) {
			t.Errorf("%v: exit %d\n%s%s\nwant %q", step.args, code, out, errOut, step.out)
		}
	}
	code, out, errOut := runCLI(t, nil, "subscribers", "list", "--config", cfg)
	if code != 0 {
		t.Fatalf("list: %d %s", code, errOut)
	}
	ann := lineWith(out, "ann@example.org")
	for _, want := range []string{"weekly on Friday at 18:00", "paused until " + until, "Europe/Berlin", "lang ru"} {
		if !strings.Contains(ann, want) {
			t.Errorf("list: ann's line lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(ann, "combined") || !strings.Contains(lineWith(out, "bob@example.org"), "suspended") {
		t.Errorf("list:\n%s", out)
	}
	if code, out, _ := runCLI(t, nil, "subscribers", "list", "--status", "suspended", "--config", cfg); code != 0 || strings.Contains(out, "ann@") || !strings.Contains(out, "bob@") {
		t.Errorf("list --status suspended: %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, nil, "subscribers", "list", "--status", "gone", "--config", cfg); code == 0 || !strings.Contains(errOut, `status "gone"`) {
		t.Errorf("list --status gone: %d %s", code, errOut)
	}
	for _, args := range [][]string{{"remove", "ann@example.org", "--topic", "us-russia"}, {"remove", "bob@example.org", "--erase"}} {
		if code, out, errOut := runCLI(t, nil, append(append([]string{"subscribers"}, args...), "--config", cfg)...); code != 0 {
			t.Errorf("%v: %d %s%s", args, code, out, errOut)
		}
	}

	st, err := store.Open(context.Background(), filepath.Join(dir, "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sub, err := st.Subscription(context.Background(), "ann@example.org", "us-russia")
	if err != nil || sub.Status != model.SubscriptionUnsubscribed || sub.Lang != "ru" || sub.Combine || sub.Name != "Ann" {
		t.Errorf("ann at the end: %+v, %v", sub, err)
	}
	acts, _ := st.Activities(context.Background(), 50)
	var actions []string
	for _, a := range acts {
		if a.Actor != "cli" {
			t.Errorf("activity by %q, want cli: %+v", a.Actor, a)
		}
		actions = append(actions, a.Action)
	}
	if got := strings.Join(actions, " "); got != "subscriber.erase subscriber.remove subscription.edit subscriber.add subscriber.edit subscription.edit subscription.edit subscriber.add" {
		t.Errorf("activity log, newest first: %s", got)
	}
}

// lineWith is the first line of out that contains s.
func lineWith(out, s string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
