package main

import (
	"strings"
	"testing"
)

// TestEveryCommandHasHelp: the README says every command takes --help.
func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range commands() {
		for _, flag := range []string{"--help", "-h"} {
			code, out, errOut := runCLI(t, nil, c.name, flag)
			if code != 0 || !strings.Contains(out+errOut, "Usage: feedwatch "+c.name) {
				t.Errorf("feedwatch %s %s: exit %d\n%s%s", c.name, flag, code, out, errOut)
			}
		}
	}
}
