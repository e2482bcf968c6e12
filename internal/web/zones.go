package web

import (
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"time"
)

// zonesFile lists the time zones a subscriber can choose: a plain select
// has to name them all, and Go has no list of its own.
//
//go:embed zones.txt
var zonesFile string

// zoneList is the zones of zonesFile that this binary can load, grouped
// by region for the select.
type zoneList struct {
	locs   map[string]*time.Location
	groups []zoneGroup
}

type zoneGroup struct {
	Region string
	Zones  []zoneName
}

type zoneName struct {
	Name  string // IANA name, the value posted
	Place string // what a person looks for: "Buenos Aires", "Argentina / Salta"
}

// loadZones loads every zone of zonesFile once, so that a page lists them
// with their current offsets without reading the zone database each time.
// A zone this system cannot load is left out; none at all is an error.
func loadZones() (*zoneList, error) {
	zl := &zoneList{locs: map[string]*time.Location{}}
	byRegion := map[string]int{}
	for line := range strings.Lines(zonesFile) {
		name := strings.TrimSpace(line)
		if name == "" || strings.HasPrefix(name, "#") {
			continue
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			continue
		}
		zl.locs[name] = loc
		region, place, ok := strings.Cut(name, "/")
		if !ok {
			region, place = "Universal", name
		}
		i, ok := byRegion[region]
		if !ok {
			i = len(zl.groups)
			byRegion[region] = i
			zl.groups = append(zl.groups, zoneGroup{Region: region})
		}
		place = strings.ReplaceAll(strings.ReplaceAll(place, "_", " "), "/", " / ")
		zl.groups[i].Zones = append(zl.groups[i].Zones, zoneName{Name: name, Place: place})
	}
	if len(zl.locs) == 0 {
		return nil, errors.New("web: no time zone could be loaded (import time/tzdata or install tzdata)")
	}
	return zl, nil
}

// location returns the zone called name, if it is one of the list.
func (zl *zoneList) location(name string) (*time.Location, bool) {
	loc, ok := zl.locs[name]
	return loc, ok
}

// zoneOption is one entry of the select.
type zoneOption struct {
	Name, Label string
	Selected    bool
}

type zoneOptionGroup struct {
	Region  string
	Options []zoneOption
}

// options lists the zones with their offsets at now, selected marking
// one.
func (zl *zoneList) options(now time.Time, selected string) []zoneOptionGroup {
	out := make([]zoneOptionGroup, 0, len(zl.groups))
	for _, g := range zl.groups {
		og := zoneOptionGroup{Region: g.Region, Options: make([]zoneOption, 0, len(g.Zones))}
		for _, z := range g.Zones {
			og.Options = append(og.Options, zoneOption{
				Name:     z.Name,
				Label:    z.Place + " (" + utcOffset(now.In(zl.locs[z.Name])) + ")",
				Selected: z.Name == selected,
			})
		}
		out = append(out, og)
	}
	return out
}

// utcOffset writes t's offset from UTC as "UTC+05:30".
func utcOffset(t time.Time) string {
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("UTC%c%02d:%02d", sign, off/3600, off%3600/60)
}
