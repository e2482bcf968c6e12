package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMemoryLimit: every command sets the runtime's soft memory limit from
// memory_limit (256 MiB unless set; FEEDWATCH_MEMORY_LIMIT overrides the
// file; 0 means none), and leaves it alone when GOMEMLIMIT is in the
// environment, which the runtime has applied already.
func TestMemoryLimit(t *testing.T) {
	var got []int64
	saved := setMemoryLimit
	setMemoryLimit = func(n int64) int64 { got = append(got, n); return 0 }
	t.Cleanup(func() { setMemoryLimit = saved })

	dir := t.TempDir()
	write := func(extra string) string {
		path := filepath.Join(dir, "feedwatch.yaml")
		if err := os.WriteFile(path, []byte("data_dir: "+dir+"\n"+extra), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, tc := range []struct {
		name string
		file string
		env  []string
		want []int64
	}{
		{"default", "", nil, []int64{256 << 20}},
		{"from the file", "memory_limit: 400MiB\n", nil, []int64{400 << 20}},
		{"environment over the file", "memory_limit: 400MiB\n", []string{"FEEDWATCH_MEMORY_LIMIT=1GiB"}, []int64{1 << 30}},
		{"none", "memory_limit: 0\n", nil, []int64{math.MaxInt64}},
		{"GOMEMLIMIT wins", "memory_limit: 400MiB\n", []string{"GOMEMLIMIT=100MiB"}, nil},
	} {
		got = nil
		path := write(tc.file)
		if code, _, stderr := runCLI(t, tc.env, "config", "check", "--config", path); code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.name, code, stderr)
		}
		if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
			t.Errorf("%s: limits set %v, want %v", tc.name, got, tc.want)
		}
	}
	path := write("memory_limit: 16MiB\n")
	if code, _, stderr := runCLI(t, nil, "config", "check", "--config", path); code == 0 || !strings.Contains(stderr, "memory_limit") {
		t.Errorf("16MiB: exit %d, %q; want a refusal naming memory_limit", code, stderr)
	}
}
