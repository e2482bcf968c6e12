package render

import (
	"fmt"
	"strings"
	"testing"
)

// The archive copy has no recipient: it must not address anybody or offer
// an unsubscribe link that leads nowhere.
func TestArchiveCopyAddressesNobody(t *testing.T) {
	r := mustRenderer(t)
	d := sampleDigest()
	d.Recipient, d.RecipientName, d.UnsubscribeURL, d.ManageURL = "", "", "", ""
	out, err := r.Digest(d)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"html": out.HTML, "text": out.Text} {
		if strings.Contains(body, "as .") || strings.Contains(body, "You receive this digest") {
			t.Errorf("%s archive copy addresses a reader", name)
		}
		if strings.Contains(body, `href=""`) || strings.Contains(body, "Unsubscribe") {
			t.Errorf("%s archive copy has an unsubscribe link", name)
		}
	}
}

func TestSectionsHeadEachSourceOnce(t *testing.T) {
	r := mustRenderer(t)
	d := sampleDigest()
	for len(d.Items) < 4 {
		it := d.Items[0]
		it.Title = fmt.Sprintf("Story %d", len(d.Items))
		d.Items = append(d.Items, it)
	}
	for i := range d.Items {
		d.Items[i].Section = "Alpha Wire"
		if i >= 2 {
			d.Items[i].Section = "Beta Desk"
		}
	}
	out, err := r.Digest(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Alpha Wire", "Beta Desk"} {
		if n := strings.Count(out.HTML, `class="group"`); n != 2 {
			t.Errorf("HTML has %d section headings, want 2", n)
		}
		if !strings.Contains(out.HTML, "<strong>"+name+"</strong></td>") {
			t.Errorf("HTML lacks heading %q", name)
		}
		if strings.Count(out.Text, "\n== "+name+"\n") != 1 {
			t.Errorf("text heads %q %d times", name, strings.Count(out.Text, "\n== "+name+"\n"))
		}
	}
	// Without sections there are no headings.
	plain, _ := r.Digest(sampleDigest())
	if strings.Contains(plain.HTML, `class="group"`) {
		t.Error("headings without sections")
	}
}
