package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones must load where the binary runs, also without the system's tzdata
)

func TestZoneList(t *testing.T) {
	zl, err := loadZones()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range strings.Lines(zonesFile) {
		if name := strings.TrimSpace(line); name != "" && !strings.HasPrefix(name, "#") {
			n++
			if _, ok := zl.location(name); !ok {
				t.Errorf("%s does not load", name)
			}
		}
	}
	if n < 400 || len(zl.locs) != n {
		t.Errorf("%d zones listed, %d loaded", n, len(zl.locs))
	}
	for _, name := range []string{"", "Local", "Mars/Olympus_Mons", "../../etc/passwd", "EST5EDT"} {
		if _, ok := zl.location(name); ok {
			t.Errorf("%q accepted", name)
		}
	}
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	found := map[string]string{}
	for _, g := range zl.options(now, "Asia/Kolkata") {
		for _, o := range g.Options {
			found[o.Name] = g.Region + "|" + o.Label
			if o.Selected != (o.Name == "Asia/Kolkata") {
				t.Errorf("%s selected = %v", o.Name, o.Selected)
			}
		}
	}
	for name, want := range map[string]string{
		"Asia/Kolkata":                   "Asia|Kolkata (UTC+05:30)",
		"America/Argentina/Buenos_Aires": "America|Argentina / Buenos Aires (UTC-03:00)",
		"Europe/Berlin":                  "Europe|Berlin (UTC+02:00)", // summer time on 1 July
		"UTC":                            "Universal|UTC (UTC+00:00)",
	} {
		if found[name] != want {
			t.Errorf("%s = %q, want %q", name, found[name], want)
		}
	}
}

// TestZoneAliases: the script's old names lead to zones the select has.
func TestZoneAliases(t *testing.T) {
	zl, err := loadZones()
	if err != nil {
		t.Fatal(err)
	}
	js, err := fs.ReadFile(assets, "static/prefs.js")
	if err != nil {
		t.Fatal(err)
	}
	pairs := regexp.MustCompile(`"([A-Za-z_/+-]+)":"([A-Za-z_/+-]+)"`).FindAllStringSubmatch(string(js), -1)
	if len(pairs) < 100 {
		t.Fatalf("%d aliases", len(pairs))
	}
	for _, p := range pairs {
		if _, ok := zl.location(p[2]); !ok {
			t.Errorf("alias %s leads to %s, which the select does not list", p[1], p[2])
		}
	}
	for _, old := range []string{"Asia/Calcutta", "Europe/Kiev", "Etc/UTC"} {
		if !strings.Contains(string(js), `"`+old+`"`) {
			t.Errorf("no alias for %s", old)
		}
	}
}
