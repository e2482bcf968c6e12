package main

import (
	"fmt"
	"io"
)

// progress draws a one-line counter on a terminal and nothing elsewhere, so
// that logs and pipes get plain lines only.
type progress struct {
	w     io.Writer
	on    bool
	done  int
	shown bool
}

func newProgress(w io.Writer, on bool) *progress { return &progress{w: w, on: on} }

func (p *progress) step() {
	p.done++
	if p.on {
		fmt.Fprintf(p.w, "\r\033[K%d done", p.done)
		p.shown = true
	}
}

func (p *progress) clear() {
	if p.on && p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
