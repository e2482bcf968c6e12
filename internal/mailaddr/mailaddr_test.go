package mailaddr

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"ann@example.org", "ann@example.org"},
		{"  ann@example.org ", "ann@example.org"},
		{"ann+news@mail.example.co.uk", "ann+news@mail.example.co.uk"},
		{"ann@example.org.", ""},
		{"a@[127.0.0.1]", ""},
		{"a@[IPv6:::1]", ""},
		{"a@127.0.0.1", ""},
		{"root@localhost", ""},
		{"root@LOCALHOST", ""},
		{"a@sub.localhost", ""},
		{"a@printer.local", ""},
		{"a@db.internal", ""},
		{"a@nas.home.arpa", ""},
		{"a@example.invalid", ""},
		{"a@metadata.google.internal", ""},
		{"Ann <ann@example.org>", ""},
		{"ann@example.org (Ann)", ""},
		{"", ""},
		{"not an address", ""},
	} {
		got, err := Parse(tc.in)
		if tc.want == "" {
			if err == nil || !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse(%q) = %q, %v; want an error wrapping ErrInvalid", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
