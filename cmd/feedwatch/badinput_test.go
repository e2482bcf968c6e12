package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandsNameBadInput: a value a command cannot use is an error that
// names it, not an empty answer and exit 0.
func TestCommandsNameBadInput(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "feedwatch.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir: %s\ntopics_file: \"\"\nfeeds: []\n", dir)), 0o600)
	for _, tc := range []struct {
		args []string
		want string // in standard error; "" means the command succeeds
	}{
		{[]string{"outbox", "list", "--status", "bogus"}, `--status "bogus" is not one of queued, sent, failed`},
		{[]string{"outbox", "list", "--status", "failed"}, ""},
		{[]string{"outbox", "retry", "--id", "999"}, "delivery 999: no such failed delivery"},
		{[]string{"subscribers", "list", "--topic", "nosuch"}, `unknown topic "nosuch" (topics: us-russia)`},
		{[]string{"subscribers", "list", "--topic", "us-russia"}, ""},
	} {
		code, out, errOut := runCLI(t, nil, append(tc.args, "--config", cfg)...)
		if tc.want == "" {
			if code != 0 {
				t.Errorf("%v: exit %d\n%s%s", tc.args, code, out, errOut)
			}
			continue
		}
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want an error with %q", tc.args, code, errOut, tc.want)
		}
	}
}
