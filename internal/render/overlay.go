package render

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
)

// Overlay returns a file system in which the files of the operator's
// directory dir replace the same-named files of base; other files of base
// stay visible, so an operator can override just the subject line.
//
// A missing or unreadable dir is an error: an operator who configured a
// templates folder expects it to be used. The signature has no error result,
// so the returned FS fails every call with that error and New, which reads
// it at start, reports it.
func Overlay(base fs.FS, dir string) fs.FS {
	st, err := os.Stat(dir)
	if err == nil && !st.IsDir() {
		err = errors.New("not a directory")
	}
	if err != nil {
		return errFS{fmt.Errorf("templates dir %s: %w", dir, err)}
	}
	return overlayFS{top: os.DirFS(dir), base: base}
}

type overlayFS struct {
	top, base fs.FS
}

func (o overlayFS) Open(name string) (fs.File, error) {
	f, err := o.top.Open(name)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return o.base.Open(name)
}

// ReadDir merges both listings so fs.Glob sees the union of the files.
func (o overlayFS) ReadDir(name string) ([]fs.DirEntry, error) {
	seen := map[string]fs.DirEntry{}
	top, errTop := fs.ReadDir(o.top, name)
	for _, e := range top {
		seen[e.Name()] = e
	}
	base, errBase := fs.ReadDir(o.base, name)
	for _, e := range base {
		if _, ok := seen[e.Name()]; !ok {
			seen[e.Name()] = e
		}
	}
	if errTop != nil && errBase != nil {
		return nil, errTop
	}
	out := make([]fs.DirEntry, 0, len(seen))
	for _, e := range seen {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

type errFS struct{ err error }

func (e errFS) Open(string) (fs.File, error)          { return nil, e.err }
func (e errFS) ReadDir(string) ([]fs.DirEntry, error) { return nil, e.err }
