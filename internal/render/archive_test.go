package render

import (
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
