package render

import (
	"strings"
	"testing"
	"time"
)

func TestManage(t *testing.T) {
	r := mustRenderer(t)
	const link = "https://feedwatch.example.org/preferences?token=abc.def"
	got, err := r.Manage(Manage{ManageURL: link, Recipient: "reader@example.org\r\nBcc: x@example.org",
		Expires: time.Date(2026, 2, 18, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "Your link to manage your feedwatch subscriptions" {
		t.Errorf("subject %q", got.Subject)
	}
	for name, part := range map[string]string{"HTML": got.HTML, "text": got.Text} {
		for _, want := range []string{link, "18 Feb 2026 12:00 UTC", "reader@example.org Bcc: x@example.org", "do not pass it on"} {
			if !strings.Contains(part, want) {
				t.Errorf("%s part lacks %q:\n%s", name, want, part)
			}
		}
	}
	if !strings.Contains(got.HTML, `href="`+link+`"`) {
		t.Error("the HTML part does not link the page")
	}
	// Only http(s) links are printed.
	got, err = r.Manage(Manage{ManageURL: "javascript:alert(1)", Recipient: "a@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got.HTML+got.Text, "javascript:") {
		t.Error("a javascript: link was printed")
	}
}

func TestConfirmCarriesManageLink(t *testing.T) {
	r := mustRenderer(t)
	c := Confirm{TopicNames: []string{"Go"}, ConfirmURL: "https://x.example/confirm?token=c",
		ManageURL: "https://x.example/preferences?token=m", Recipient: "a@example.org", Expires: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	got, err := r.Confirm(c)
	if err != nil {
		t.Fatal(err)
	}
	for name, part := range map[string]string{"HTML": got.HTML, "text": got.Text} {
		if !strings.Contains(part, "Manage your subscription") || !strings.Contains(part, c.ManageURL) {
			t.Errorf("%s part lacks the manage link:\n%s", name, part)
		}
	}
	c.ManageURL = ""
	if got, err = r.Confirm(c); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got.HTML+got.Text, "Manage your subscription") {
		t.Error("a manage paragraph without a link")
	}
}

func TestSanitizeSummaryIsTheDigests(t *testing.T) {
	raw := `<p onclick="x()">Talks <img src="https://t.example/pixel.gif"><script>alert(1)</script><a href="javascript:x">a</a> <b>resume</b></p>`
	got := SanitizeSummary(raw, SummaryLimit)
	if got != sanitizeSummary(raw, summaryLimit) {
		t.Errorf("SanitizeSummary differs from the digests' sanitiser: %q", got)
	}
	for _, bad := range []string{"onclick", "<img", "<script", "javascript:"} {
		if strings.Contains(got, bad) {
			t.Errorf("%q kept in %q", bad, got)
		}
	}
}
