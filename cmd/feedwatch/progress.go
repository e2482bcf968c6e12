package main

import (
	"fmt"
	"io"
	"strings"
)

// progress draws a one-line bar on a terminal and nothing elsewhere, so
// that logs and pipes get plain lines only.
type progress struct {
	w     io.Writer
	on    bool
	done  int
	total int // 0: unknown, a counter is shown instead of a bar
	shown bool
}

func newProgress(w io.Writer, on bool) *progress { return &progress{w: w, on: on} }

const barWidth = 30

// step counts one unit done; total, when above 0, sets the run's size.
func (p *progress) step(total ...int) {
	p.done++
	if len(total) > 0 && total[0] > 0 {
		p.total = total[0]
	}
	if !p.on {
		return
	}
	if p.total > 0 {
		filled := barWidth * min(p.done, p.total) / p.total
		fmt.Fprintf(p.w, "\r\033[K[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat("-", barWidth-filled), p.done, p.total)
	} else {
		fmt.Fprintf(p.w, "\r\033[K%d done", p.done)
	}
	p.shown = true
}

func (p *progress) clear() {
	if p.on && p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
