package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestProgress(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, true)
	p.step(4)
	p.step(4)
	if !strings.HasSuffix(b.String(), "[###############---------------] 2/4") {
		t.Errorf("bar = %q", b.String())
	}
	p.clear()
	var off bytes.Buffer
	q := newProgress(&off, false)
	q.step(4)
	q.clear()
	if off.Len() != 0 {
		t.Errorf("progress off wrote %q", off.String())
	}
}
