package main

import (
	"encoding/base64"
	"io"
	"mime/multipart"
	"mime/quotedprintable"
	"strings"
)

// decodePart undoes the part's Content-Transfer-Encoding (multipart.Reader
// only does so for quoted-printable, and only sometimes).
func decodePart(p *multipart.Part) io.Reader {
	switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, p)
	case "quoted-printable":
		return quotedprintable.NewReader(p)
	}
	return p
}
