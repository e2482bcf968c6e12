package topic

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/feedwatch/feedwatch/internal/match"
	"github.com/feedwatch/feedwatch/internal/schedule"
	"gopkg.in/yaml.v3"
)

// parser walks the yaml.Node tree rather than decoding into structs, so
// that every mistake can be reported with the line the editor must fix.
type parser struct {
	file string
}

func (p *parser) errf(n *yaml.Node, format string, args ...any) error {
	line := 1
	if n != nil && n.Line > 0 {
		line = n.Line
	}
	return &Error{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// mapping checks that n is a mapping with only the allowed keys and returns
// key -> value node, plus the key nodes for line numbers.
func (p *parser) mapping(n *yaml.Node, what string, allowed ...string) (map[string]*yaml.Node, map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, nil, p.errf(n, "%s: expected a mapping of keys (key: value), found %s", what, kindName(n))
	}
	vals := map[string]*yaml.Node{}
	keys := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if prev, dup := keys[k.Value]; dup {
			return nil, nil, p.errf(k, "%s: key %q given twice (first on line %d)", what, k.Value, prev.Line)
		}
		if allowed != nil && !contains(allowed, k.Value) {
			return nil, nil, p.errf(k, "%s: unknown key %q (allowed: %s)", what, k.Value, strings.Join(allowed, ", "))
		}
		vals[k.Value] = v
		keys[k.Value] = k
	}
	return vals, keys, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "an empty document"
}

func (p *parser) scalar(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", p.errf(n, "%s: expected a single value, found %s", what, kindName(n))
	}
	return n.Value, nil
}

func (p *parser) number(n *yaml.Node, what string) (float64, error) {
	s, err := p.scalar(n, what)
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		// NaN would switch a threshold off and Inf make it unreachable;
		// ParseFloat takes both ("nan", "inf") without an error.
		return 0, p.errf(n, "%s: %q is not a number", what, s)
	}
	if f < 0 {
		return 0, p.errf(n, "%s: must not be negative", what)
	}
	return f, nil
}

var topicID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

func (p *parser) topicsFile(doc *yaml.Node) ([]Topic, error) {
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, p.errf(doc, "file is empty; expected \"topics:\"")
	}
	root := doc.Content[0]
	vals, keys, err := p.mapping(root, "file", "topics")
	if err != nil {
		return nil, err
	}
	list, ok := vals["topics"]
	if !ok {
		return nil, p.errf(root, "missing key \"topics\"")
	}
	if list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		return nil, p.errf(keys["topics"], "topics: expected a list with at least one topic")
	}
	var topics []Topic
	seen := map[string]int{}
	for _, tn := range list.Content {
		t, err := p.topic(tn)
		if err != nil {
			return nil, err
		}
		if line, dup := seen[t.ID]; dup {
			return nil, p.errf(tn, "topic %q: duplicate id (first used on line %d)", t.ID, line)
		}
		seen[t.ID] = t.Line
		topics = append(topics, t)
	}
	return topics, nil
}

func (p *parser) topic(n *yaml.Node) (Topic, error) {
	t := Topic{Line: n.Line}
	vals, _, err := p.mapping(n, "topic", "id", "name", "description", "public", "digest", "rules", "aliases")
	if err != nil {
		return t, err
	}
	idn, ok := vals["id"]
	if !ok {
		return t, p.errf(n, "topic: missing key \"id\"")
	}
	if t.ID, err = p.scalar(idn, "topic id"); err != nil {
		return t, err
	}
	if !topicID.MatchString(t.ID) {
		return t, p.errf(idn, "topic id %q: use lower-case letters, digits, '-' and '_' (it appears in URLs)", t.ID)
	}
	what := fmt.Sprintf("topic %q", t.ID)
	nn, ok := vals["name"]
	if !ok {
		return t, p.errf(n, "%s: missing key \"name\"", what)
	}
	if t.Name, err = p.scalar(nn, what+": name"); err != nil {
		return t, err
	}
	if dn, ok := vals["description"]; ok {
		if t.Description, err = p.scalar(dn, what+": description"); err != nil {
			return t, err
		}
		t.Description = strings.TrimSpace(t.Description)
	}
	if pn, ok := vals["public"]; ok {
		v, err := p.scalar(pn, what+": public")
		if err != nil {
			return t, err
		}
		switch v {
		case "true", "yes":
			t.Public = true
		case "false", "no":
		default:
			return t, p.errf(pn, "%s: public %q: want true or false", what, v)
		}
	}
	t.Digest = Digest{Schedule: DefaultSchedule, Lookback: DefaultLookback, MaxItems: DefaultMaxItems, Empty: EmptySkip}
	if dn, ok := vals["digest"]; ok {
		if err := p.digest(dn, what, &t.Digest); err != nil {
			return t, err
		}
	}
	rn, ok := vals["rules"]
	if !ok {
		return t, p.errf(n, "%s: missing key \"rules\"", what)
	}
	if t.Rules, err = p.rules(rn, t.ID); err != nil {
		return t, err
	}
	if an, ok := vals["aliases"]; ok {
		if t.Aliases, err = p.aliases(an, what); err != nil {
			return t, err
		}
	}
	return t, nil
}

// aliases reads a list of "name = name = ..." lines. A name may appear in
// one line only: two lines that share a name are one group, and the editor
// should write them as one.
func (p *parser) aliases(n *yaml.Node, what string) ([][]string, error) {
	what += ": aliases"
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, p.errf(n, "%s: expected a list of lines such as \"- Эр-Рияд = Riyadh\", found %s", what, kindName(n))
	}
	var groups [][]string
	seen := map[string]int{} // folded name -> line
	for _, ln := range n.Content {
		s, err := p.scalar(ln, what)
		if err != nil {
			return nil, err
		}
		if !strings.Contains(s, " = ") {
			if strings.Contains(s, "=") {
				return nil, p.errf(ln, "%s: %q: put a space on each side of \"=\" between names", what, s)
			}
			return nil, p.errf(ln, "%s: %q: needs two or more names separated by \" = \"", what, s)
		}
		var group []string
		here := map[string]bool{}
		for _, name := range strings.Split(s, " = ") {
			name = strings.TrimSpace(name)
			if !strings.ContainsFunc(name, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
				return nil, p.errf(ln, "%s: %q: a name is empty or has no letters", what, s)
			}
			key := strings.ToLower(strings.ReplaceAll(name, "ё", "е"))
			if here[key] {
				return nil, p.errf(ln, "%s: %q: name %q is given twice", what, s, name)
			}
			if line, dup := seen[key]; dup {
				return nil, p.errf(ln, "%s: name %q is already in the line on line %d: write the names of one thing on one line", what, name, line)
			}
			here[key] = true
			seen[key] = ln.Line
			group = append(group, name)
		}
		groups = append(groups, group)
	}
	return groups, nil
}

func (p *parser) digest(n *yaml.Node, what string, d *Digest) error {
	vals, _, err := p.mapping(n, what+": digest", "schedule", "lookback", "max_items", "empty", "sections", "best_score")
	if err != nil {
		return err
	}
	if v, ok := vals["schedule"]; ok {
		s, err := p.scalar(v, what+": digest schedule")
		if err != nil {
			return err
		}
		if err := schedule.Check(s); err != nil {
			return p.errf(v, "%s: digest schedule %q: %v", what, s, err)
		}
		d.Schedule = s
	}
	if v, ok := vals["lookback"]; ok {
		s, err := p.scalar(v, what+": digest lookback")
		if err != nil {
			return err
		}
		dur, err := parseDuration(s)
		if err != nil || dur <= 0 {
			return p.errf(v, "%s: digest lookback %q: want a positive duration such as 24h or 7d", what, s)
		}
		d.Lookback = dur
	}
	if v, ok := vals["max_items"]; ok {
		s, err := p.scalar(v, what+": digest max_items")
		if err != nil {
			return err
		}
		k, err := strconv.Atoi(s)
		if err != nil || k <= 0 {
			return p.errf(v, "%s: digest max_items %q: want a whole number above 0", what, s)
		}
		d.MaxItems = k
	}
	if v, ok := vals["best_score"]; ok {
		s, err := p.scalar(v, what+": digest best_score")
		if err != nil {
			return err
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 {
			return p.errf(v, "%s: digest best_score %q: want a number above 0", what, s)
		}
		d.BestScore = f
	}
	if v, ok := vals["empty"]; ok {
		s, err := p.scalar(v, what+": digest empty")
		if err != nil {
			return err
		}
		if s != EmptySkip && s != EmptyNote {
			return p.errf(v, "%s: digest empty %q: want \"skip\" (send nothing) or \"note\" (send a short note)", what, s)
		}
		d.Empty = s
	}
	if v, ok := vals["sections"]; ok {
		s, err := p.scalar(v, what+": digest sections")
		if err != nil {
			return err
		}
		if s != "none" && s != SectionsSource {
			return p.errf(v, "%s: digest sections %q: want \"source\" (a section per feed) or \"none\"", what, s)
		}
		if s == SectionsSource {
			d.Sections = s
		}
	}
	return nil
}

// parseDuration accepts Go durations plus whole days ("7d"), which is how
// editors think about digest periods.
func parseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil {
			return 0, err
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

func (p *parser) rules(n *yaml.Node, id string) (match.Rules, error) {
	what := fmt.Sprintf("topic %q: rules", id)
	r := match.Rules{TopicID: id}
	vals, _, err := p.mapping(n, what, "any", "all", "not", "ignore", "others", "both", "near", "fields", "min_score", "fold_diacritics")
	if err != nil {
		return r, err
	}
	terms := func(v *yaml.Node, label string) ([]string, []match.Term, error) {
		if v.Kind != yaml.SequenceNode {
			return nil, nil, p.errf(v, "%s: %s: expected a list of terms (lines starting with \"- \"), found %s", what, label, kindName(v))
		}
		if len(v.Content) == 0 {
			return nil, nil, p.errf(v, "%s: %s: is empty; add terms or remove it", what, label)
		}
		var out []string
		var compiled []match.Term
		seen := map[string]int{}
		for _, tn := range v.Content {
			s, err := p.scalar(tn, what+": "+label)
			if err != nil {
				return nil, nil, err
			}
			if tn.Style == 0 && strings.Contains(s, " - ") {
				// "- Washington" over a "- White House" indented one space
				// too far is read as the one term "Washington - White
				// House", which matches neither.
				return nil, nil, p.errf(tn, "%s: %s: term %q looks like two list items run together: check the indentation of the list's lines (quote the term if it is meant)", what, label, s)
			}
			t, err := match.ParseTerm(s, r.FoldDiacritics)
			if err != nil {
				return nil, nil, p.errf(tn, "%s: %s: %v", what, label, err)
			}
			norm := t.Key()
			if line, dup := seen[norm]; dup {
				return nil, nil, p.errf(tn, "%s: %s: term %q repeats the term on line %d", what, label, s, line)
			}
			seen[norm] = tn.Line
			out = append(out, s)
			compiled = append(compiled, t)
		}
		// A term that only ever matches where another term of the same list
		// matches adds nothing, and usually means the editor misread one.
		// Not so in ignore, where a longer phrase hides more words.
		for i, t := range compiled {
			if label == "ignore" {
				break
			}
			for j, o := range compiled {
				if i != j && t.Covers(o) {
					return nil, nil, p.errf(v.Content[i], "%s: %s: term %q adds nothing: %q on line %d already matches everything it matches", what, label, out[i], out[j], v.Content[j].Line)
				}
			}
		}
		return out, compiled, nil
	}
	if v, ok := vals["fold_diacritics"]; ok {
		s, err := p.scalar(v, what+": fold_diacritics")
		if err != nil {
			return r, err
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			return r, p.errf(v, "%s: fold_diacritics: want true or false, found %q", what, s)
		}
		r.FoldDiacritics = b
	}
	var positive []struct {
		t    match.Term
		line int
		sect string
	}
	if v, ok := vals["any"]; ok {
		ss, ts, err := terms(v, "any")
		if err != nil {
			return r, err
		}
		r.Any = ss
		for i, t := range ts {
			positive = append(positive, struct {
				t    match.Term
				line int
				sect string
			}{t, v.Content[i].Line, "any"})
		}
	}
	if v, ok := vals["all"]; ok {
		if v.Kind != yaml.MappingNode || len(v.Content) == 0 {
			return r, p.errf(v, "%s: all: expected named groups (group name: list of terms), found %s", what, kindName(v))
		}
		gvals, _, err := p.mapping(v, what+": all")
		if err != nil {
			return r, err
		}
		for i := 0; i+1 < len(v.Content); i += 2 {
			name := v.Content[i].Value
			if strings.TrimSpace(name) == "" {
				return r, p.errf(v.Content[i], "%s: all: a group needs a name", what)
			}
			label := fmt.Sprintf("all: group %q", name)
			ss, ts, err := terms(gvals[name], label)
			if err != nil {
				return r, err
			}
			r.All = append(r.All, match.Group{Name: name, Terms: ss})
			for k, t := range ts {
				positive = append(positive, struct {
					t    match.Term
					line int
					sect string
				}{t, gvals[name].Content[k].Line, label})
			}
		}
	}
	if len(r.Any) == 0 && len(r.All) == 0 {
		return r, p.errf(n, "%s: needs \"any\" terms or \"all\" groups, otherwise nothing can match", what)
	}
	var nots []match.Term
	if v, ok := vals["not"]; ok {
		ss, ts, err := terms(v, "not")
		if err != nil {
			return r, err
		}
		r.Not, nots = ss, ts
	}
	var ignores []match.Term
	if v, ok := vals["ignore"]; ok {
		ss, ts, err := terms(v, "ignore")
		if err != nil {
			return r, err
		}
		r.Ignore, ignores = ss, ts
	}
	if v, ok := vals["others"]; ok {
		if err := p.others(v, what, terms, &r); err != nil {
			return r, err
		}
	}
	if v, ok := vals["both"]; ok {
		ts, lines, err := p.both(v, what, terms, &r)
		if err != nil {
			return r, err
		}
		for i, t := range ts {
			positive = append(positive, struct {
				t    match.Term
				line int
				sect string
			}{t, lines[i], "both"})
		}
	}
	ignored := make(map[string]int, len(ignores))
	for k, it := range ignores {
		ignored[it.Key()] = k
	}
	for _, pt := range positive {
		for k, nt := range nots {
			if pt.t.Covers(nt) && !hiddenBy(nt, ignores) {
				return r, p.errf(&yaml.Node{Line: pt.line}, "%s: %s: term %q can never match: every item containing it is vetoed by not %q", what, pt.sect, pt.t.Spelling, r.Not[k])
			}
		}
		if k, ok := ignored[pt.t.Key()]; ok {
			return r, p.errf(&yaml.Node{Line: pt.line}, "%s: %s: term %q can never match: it is also in ignore (%q)", what, pt.sect, pt.t.Spelling, r.Ignore[k])
		}
	}
	if v, ok := vals["near"]; ok {
		f, err := p.number(v, what+": near")
		if err != nil {
			return r, err
		}
		if f != float64(int(f)) {
			return r, p.errf(v, "%s: near: want a whole number of words", what)
		}
		if f > 0 && len(r.All) < 2 {
			return r, p.errf(v, "%s: near: needs at least two \"all\" groups to bring together", what)
		}
		r.Near = int(f)
	}
	if v, ok := vals["min_score"]; ok {
		if r.MinScore, err = p.number(v, what+": min_score"); err != nil {
			return r, err
		}
	}
	if v, ok := vals["fields"]; ok {
		fv, _, err := p.mapping(v, what+": fields", match.Fields...)
		if err != nil {
			return r, err
		}
		r.Weights = map[string]float64{}
		total := 0.0
		for name, wn := range fv {
			w, err := p.number(wn, what+": fields: "+name)
			if err != nil {
				return r, err
			}
			r.Weights[name] = w
			total += w
		}
		if total == 0 {
			return r, p.errf(v, "%s: fields: at least one field needs a weight above 0", what)
		}
	}
	return r, nil
}

// others reads the third parties: their terms, the groups a headline
// that names one must also have (every group when "needs" is left out),
// and the words that part such a headline.
func (p *parser) others(n *yaml.Node, what string, terms func(*yaml.Node, string) ([]string, []match.Term, error), r *match.Rules) error {
	vals, keys, err := p.mapping(n, what+": others", "terms", "needs", "apart")
	if err != nil {
		return err
	}
	tn, ok := vals["terms"]
	if !ok {
		return p.errf(n, "%s: others: missing key \"terms\" (the names of the third parties)", what)
	}
	if len(r.All) == 0 {
		return p.errf(keys["terms"], "%s: others: needs \"all\" groups: a headline that names a third party must name them too", what)
	}
	if r.Others, _, err = terms(tn, "others"); err != nil {
		return err
	}
	if an, ok := vals["apart"]; ok {
		if r.OthersApart, _, err = terms(an, "others: apart"); err != nil {
			return err
		}
	}
	nn, ok := vals["needs"]
	if !ok {
		return nil
	}
	r.OthersNeed, err = p.groupNames(nn, what+": others: needs", r.All)
	return err
}

// both reads the phrases that name several groups at once, the groups
// they name, and the names that, beside the third parties, void them.
// It returns the phrases compiled, with their lines.
func (p *parser) both(n *yaml.Node, what string, terms func(*yaml.Node, string) ([]string, []match.Term, error), r *match.Rules) ([]match.Term, []int, error) {
	vals, _, err := p.mapping(n, what+": both", "groups", "terms", "unless")
	if err != nil {
		return nil, nil, err
	}
	tn, ok := vals["terms"]
	if !ok {
		return nil, nil, p.errf(n, "%s: both: missing key \"terms\" (the phrases that name the groups at once)", what)
	}
	gn, ok := vals["groups"]
	if !ok {
		return nil, nil, p.errf(n, "%s: both: missing key \"groups\" (the \"all\" groups its phrases name)", what)
	}
	if r.BothGroups, err = p.groupNames(gn, what+": both: groups", r.All); err != nil {
		return nil, nil, err
	}
	var compiled []match.Term
	if r.Both, compiled, err = terms(tn, "both"); err != nil {
		return nil, nil, err
	}
	lines := make([]int, len(tn.Content))
	for i, c := range tn.Content {
		lines[i] = c.Line
	}
	if un, ok := vals["unless"]; ok {
		if r.BothUnless, _, err = terms(un, "both: unless"); err != nil {
			return nil, nil, err
		}
	}
	return compiled, lines, nil
}

// groupNames reads a list of "all" group names, each given once.
func (p *parser) groupNames(n *yaml.Node, what string, groups []match.Group) ([]string, error) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, p.errf(n, "%s: expected a list of \"all\" group names, found %s", what, kindName(n))
	}
	var out []string
	seen := map[string]bool{}
	for _, gn := range n.Content {
		name, err := p.scalar(gn, what)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(groups, func(g match.Group) bool { return g.Name == name }) {
			names := make([]string, len(groups))
			for i, g := range groups {
				names[i] = fmt.Sprintf("%q", g.Name)
			}
			return nil, p.errf(gn, "%s: no group %q (the groups are %s)", what, name, strings.Join(names, ", "))
		}
		if seen[name] {
			return nil, p.errf(gn, "%s: group %q is given twice", what, name)
		}
		seen[name] = true
		out = append(out, name)
	}
	return out, nil
}

// hiddenBy reports whether an exclusion is itself inside an ignored phrase,
// in which case it does not always veto.
func hiddenBy(t match.Term, ignores []match.Term) bool {
	for _, it := range ignores {
		if it.Covers(t) && it.Key() != t.Key() {
			return true
		}
	}
	return false
}
