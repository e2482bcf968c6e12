package mail

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DirSender writes each message as an .eml file into a directory. It is
// used when no SMTP host is configured, so an operator can try feedwatch
// and read what it would send.
type DirSender struct {
	dir string
	now func() time.Time
}

// NewDir returns a sender that writes into dir, creating it on first use.
func NewDir(dir string) *DirSender {
	return &DirSender{dir: dir, now: time.Now}
}

// Send writes raw to a file named from the current time and the message's
// Message-ID. The file appears complete or not at all: it is written under a
// temporary name and renamed, so a reader polling the directory never sees
// half a message.
func (d *DirSender) Send(ctx context.Context, from string, to []string, raw []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write eml: %w", err)
	}
	if err := os.MkdirAll(d.dir, 0o750); err != nil {
		return fmt.Errorf("write eml: %w", err)
	}
	name := d.now().UTC().Format("20060102T150405.000000000Z") + "-" + fileSafe(messageIDOf(raw)) + ".eml"

	tmp, err := os.CreateTemp(d.dir, ".tmp-*.eml")
	if err != nil {
		return fmt.Errorf("write eml %s: %w", name, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(raw); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write eml %s: %w", name, err)
	}
	// Sync before rename so a crash cannot leave a complete name over
	// incomplete contents.
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write eml %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write eml %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(d.dir, name)); err != nil {
		return fmt.Errorf("write eml %s: %w", name, err)
	}
	return nil
}

// Close does nothing; DirSender holds no resources.
func (d *DirSender) Close() error { return nil }

// messageIDOf reads the Message-ID header of raw, or "" if there is none.
func messageIDOf(raw []byte) string {
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	h, err := r.ReadMIMEHeader()
	if err != nil && len(h) == 0 {
		return ""
	}
	return strings.Trim(h.Get("Message-Id"), "<> ")
}

// fileSafe keeps letters, digits and a few punctuation marks, so an id from
// a message cannot name a path outside the directory.
func fileSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == '@':
			return r
		}
		return '_'
	}, s)
	s = strings.TrimLeft(s, ".")
	if s == "" {
		return "message"
	}
	if len(s) > 100 {
		s = s[:100]
	}
	return s
}
