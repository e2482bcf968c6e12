#!/usr/bin/python3
"""Build the golden file feedparser-reference.json from python feedparser.

For every document under shared/testdata/feedparser/wellformed it records what
the reference parser extracts per entry: link, title as plain text, and the
date (published, else updated) as RFC 3339 UTC. The Go test
TestFeedparserReference compares feedwatch's parse+normalize output with it, so
CI needs no Python.

The document's "Header:" lines are passed as response headers, as if it had
been served over HTTP. The base URL is the Content-Location header when there
is one, else DEFAULT_BASE; the Content-Type is the header's, else
DEFAULT_TYPE (the Go test uses the same rules).

Usage: /usr/bin/python3 reference.py /path/to/shared/testdata/feedparser > feedparser-reference.json
"""
import html
import html.parser
import json
import os
import re
import sys
import time

import feedparser

DEFAULT_BASE = "http://feedwatch.example/feed.xml"
DEFAULT_TYPE = "application/xml"


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def text(s):
    p = _Text()
    p.feed(s or "")
    p.close()
    return " ".join("".join(p.parts).split())


def headers_of(raw):
    head = raw[:4096].decode("latin-1")
    hdrs = {}
    for m in re.finditer(r"^Header:\s*([A-Za-z-]+):\s*(.*?)\s*$", head, re.M):
        hdrs[m.group(1).lower()] = m.group(2)
    return hdrs


def date_of(e):
    for k in ("published_parsed", "updated_parsed"):
        t = e.get(k)
        if t:
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", t)
    return ""


def main(root):
    out = {}
    wf = os.path.join(root, "wellformed")
    for dirpath, _, files in os.walk(wf):
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            with open(path, "rb") as f:
                raw = f.read()
            hdrs = headers_of(raw)
            base = hdrs.get("content-location", DEFAULT_BASE)
            hdrs["content-location"] = base
            # Without a Content-Type feedparser flags every document as bozo.
            hdrs.setdefault("content-type", DEFAULT_TYPE)
            try:
                d = feedparser.parse(raw, response_headers=hdrs)
            except Exception as err:  # the reference itself crashed: not comparable
                out[rel] = {"error": "%s: %s" % (type(err).__name__, err)}
                continue
            out[rel] = {
                "bozo": bool(d.bozo),
                "entries": [
                    {
                        "link": e.get("link", ""),
                        "title": text(e.get("title", "")),
                        "date": date_of(e),
                    }
                    for e in d.entries
                ],
            }
    json.dump(out, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
