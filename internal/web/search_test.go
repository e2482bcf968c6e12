package web

import (
	"strings"
	"testing"

	"github.com/feedwatch/feedwatch/internal/model"
)

func TestAdminSearch(t *testing.T) {
	e := newEnv(t, nil)
	const evil = `<script>alert(1)</script>`
	seedItems(t, e, "News",
		model.Item{Title: "Lavrov and Rubio discuss New START " + evil, Link: "https://news.example/a"},
		model.Item{Title: "МИД России вызвал посла США", Link: "javascript:alert(1)"},
		model.Item{Title: "Heavy snow in Bavaria", Link: "https://news.example/c"})

	if r := e.get("/admin/search?q=START"); r.status != 401 && r.status != 404 {
		t.Errorf("search without credentials = %d", r.status)
	}
	r := e.adminGet("/admin/search?q=%22new+start%22")
	if r.status != 200 || !strings.Contains(r.body, "<mark>New</mark>") || strings.Contains(r.body, "Bavaria") {
		t.Fatalf("search = %d\n%s", r.status, r.body)
	}
	if strings.Contains(r.body, "<script>alert") || !strings.Contains(r.body, "&lt;script&gt;") {
		t.Error("a stored title reached the page unescaped")
	}
	r = e.adminGet("/admin/search?q=%D0%BF%D0%BE%D1%81%D0%BB%D0%B0") // посла
	if r.status != 200 || !strings.Contains(r.body, "МИД России") || strings.Contains(r.body, "javascript:alert") {
		t.Errorf("Cyrillic search = %d\n%s", r.status, r.body)
	}
	// Input that is not valid query syntax is searched for, not an error.
	if r = e.adminGet(`/admin/search?q=%22unbalanced+AND+(`); r.status != 200 {
		t.Errorf("odd query = %d", r.status)
	}
}
