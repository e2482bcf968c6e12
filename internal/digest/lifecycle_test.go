package digest_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/feedwatch/feedwatch/internal/lifecycle"
	"github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/smtptest"
)

// TestFortnight runs subscribers in three zones, on instant, daily and
// weekly schedules, through a simulated fortnight with a clock change,
// a change of frequency and a pause, against the in-process SMTP server;
// the lifecycle package checks what each of them received.
func TestFortnight(t *testing.T) {
	if testing.Short() {
		t.Skip("a fortnight of dispatches")
	}
	srv := smtptest.Start(t, smtptest.Options{})
	sender := mail.NewSMTP(mail.SMTPOptions{Host: srv.Host, Port: srv.Port, TLS: mail.TLSNone})
	defer sender.Close()
	lifecycle.Run(t, lifecycle.Options{
		Sender:    sender,
		Templates: filepath.Join("..", "..", "templates"),
		Received: func() ([]lifecycle.Received, error) {
			var out []lifecycle.Received
			for _, m := range srv.Messages() {
				for _, to := range m.To {
					out = append(out, lifecycle.Received{To: to, Raw: bytes.Clone(m.Data)})
				}
			}
			return out, nil
		},
	})
}
