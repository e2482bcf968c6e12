package story

import (
	"fmt"
	"strings"
	"time"
)

// offices reads the posts of officeTable in a text as their holders'
// names, so that "глава МИД России" meets "Lavrov" as "Лавров" does.
type offices struct {
	names   *aliasTable         // the posts' names; an id stands for one post
	holders map[string][]holder // by post id, earliest first
}

// holder is one holder of a post: the name key a report gets when it
// names the post, from the day the holder took it up.
type holder struct {
	key   string
	since time.Time
}

// newOffices parses table (see officeTable). Each holder's key is the
// key its name gets in a text: an alias id where an alias knows the name
// (Уиткофф), otherwise its Key (Лавров and Lavrov alike).
func newOffices(table string, aliases *aliasTable) (*offices, error) {
	var posts [][]string
	var lists [][]holder
	for i, line := range strings.Split(table, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		names, people, ok := strings.Cut(line, " : ")
		if !ok {
			return nil, fmt.Errorf("office table line %d: no \" : \" before the holders", i+1)
		}
		var hs []holder
		for _, p := range strings.Split(people, ",") {
			p = strings.TrimSpace(p)
			sp := strings.LastIndexByte(p, ' ')
			name, day := p[:max(sp, 0)], p[sp+1:]
			since, err := time.Parse(time.DateOnly, day)
			if sp < 0 || err != nil || len(words(name, nil)) != 1 {
				return nil, fmt.Errorf("office table line %d: holder %q: want a surname and the day they took the post up (2006-01-02)", i+1, p)
			}
			if len(hs) > 0 && !since.After(hs[len(hs)-1].since) {
				return nil, fmt.Errorf("office table line %d: holder %q: holders go earliest first", i+1, p)
			}
			hs = append(hs, holder{key: nameKey(name, aliases), since: since})
		}
		var post []string
		for _, n := range strings.Split(names, " = ") {
			post = append(post, strings.TrimSpace(n))
		}
		posts = append(posts, post)
		lists = append(lists, hs)
	}
	o := &offices{names: newAliasTable(posts), holders: map[string][]holder{}}
	for i, p := range posts {
		id, ok := o.names.whole(p[0])
		if !ok {
			return nil, fmt.Errorf("office table: post %q does not read as itself", p[0])
		}
		if _, dup := o.holders[id]; dup {
			return nil, fmt.Errorf("office table: post %q is named twice", p[0])
		}
		o.holders[id] = lists[i]
	}
	return o, nil
}

// nameKey is the key field gives a one-word name.
func nameKey(name string, aliases *aliasTable) string {
	if id, ok := aliases.whole(name); ok {
		return string(kindName) + id
	}
	return string(kindName) + Key(words(name, nil)[0].lower)
}

// holder returns the key of the holder of post id on day at, or "" when
// the post had none the table knows. A zero at reads as today's holder.
func (o *offices) holder(id string, at time.Time) string {
	hs := o.holders[id]
	for i := len(hs) - 1; i >= 0; i-- {
		if at.IsZero() || !at.Before(hs[i].since) {
			return hs[i].key
		}
	}
	return ""
}
