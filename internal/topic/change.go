package topic

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/feedwatch/feedwatch/internal/match"
	"gopkg.in/yaml.v3"
)

// Change is one edit of a topic's rules: a term added to a list, or a
// number set. The rules workbench proposes them; ApplyText makes one in
// the file's text, where the editor sees it before saving.
type Change struct {
	Section string  // "any", "all", "not", "ignore", "near" or "min_score"
	Group   string  // the "all" group a term goes into
	Term    string  // for any, all, not and ignore
	Value   float64 // for near (0: no limit) and min_score
}

// Change sections.
const (
	SectionAny      = "any"
	SectionAll      = "all"
	SectionNot      = "not"
	SectionIgnore   = "ignore"
	SectionNear     = "near"
	SectionMinScore = "min_score"
)

func (c Change) String() string {
	switch c.Section {
	case SectionAll:
		return fmt.Sprintf("add %q to group %q", c.Term, c.Group)
	case SectionAny, SectionNot, SectionIgnore:
		return fmt.Sprintf("add %q to %s", c.Term, c.Section)
	case SectionNear:
		if c.Value == 0 {
			return "remove the near limit"
		}
		return fmt.Sprintf("set near to %s", formatNumber(c.Value))
	case SectionMinScore:
		return fmt.Sprintf("set min_score to %s", formatNumber(c.Value))
	}
	return "unknown change"
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// Apply returns r with the change made.
func (c Change) Apply(r match.Rules) match.Rules {
	switch c.Section {
	case SectionAny:
		r.Any = append(slices.Clip(r.Any), c.Term)
	case SectionNot:
		r.Not = append(slices.Clip(r.Not), c.Term)
	case SectionIgnore:
		r.Ignore = append(slices.Clip(r.Ignore), c.Term)
	case SectionAll:
		groups := slices.Clone(r.All)
		for i, g := range groups {
			if g.Name == c.Group {
				groups[i].Terms = append(slices.Clip(g.Terms), c.Term)
			}
		}
		r.All = groups
	case SectionNear:
		r.Near = int(c.Value)
	case SectionMinScore:
		r.MinScore = c.Value
	}
	return r
}

// ApplyText makes the change in the text of a topics file, keeping every
// other line, comment and indentation as it is: a term becomes a new line
// after the last of its list (or the list is added to the rules), a number
// is replaced where it stands (or added). The result is checked by parsing
// it; a change the file cannot take is an error that says why.
func ApplyText(text, topicID string, c Change) (string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return "", fmt.Errorf("apply %s: the file does not parse: %w", c, err)
	}
	rules, err := findRules(&doc, topicID)
	if err != nil {
		return "", fmt.Errorf("apply %s: %w", c, err)
	}
	lines := strings.Split(text, "\n")
	switch c.Section {
	case SectionAny, SectionNot, SectionIgnore:
		lines, err = addToList(lines, rules, mapValue(rules, c.Section), c.Section, c.Term)
	case SectionAll:
		all := mapValue(rules, SectionAll)
		group := (*yaml.Node)(nil)
		if all != nil {
			group = mapValue(all, c.Group)
		}
		if group == nil {
			return "", fmt.Errorf("apply %s: topic %q has no group %q", c, topicID, c.Group)
		}
		lines, err = addToList(lines, all, group, c.Group, c.Term)
	case SectionNear, SectionMinScore:
		lines, err = setScalar(lines, rules, c.Section, formatNumber(c.Value))
	default:
		err = fmt.Errorf("unknown section %q", c.Section)
	}
	if err != nil {
		return "", fmt.Errorf("apply %s: %w", c, err)
	}
	out := strings.Join(lines, "\n")
	if _, err := Parse(strings.NewReader(out), "edited"); err != nil {
		return "", fmt.Errorf("apply %s: the rules would not be valid: %w", c, err)
	}
	return out, nil
}

// findRules returns the rules mapping of topic id.
func findRules(doc *yaml.Node, id string) (*yaml.Node, error) {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, fmt.Errorf("no topics in the file")
	}
	list := mapValue(doc.Content[0], "topics")
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("no topics in the file")
	}
	for _, t := range list.Content {
		if idn := mapValue(t, "id"); idn != nil && idn.Value == id {
			rules := mapValue(t, "rules")
			if rules == nil || rules.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("topic %q has no rules", id)
			}
			return rules, nil
		}
	}
	return nil, fmt.Errorf("no topic %q in the file", id)
}

// mapValue is the value of key in mapping m, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// quoteTerm writes a term as a YAML scalar: plain when YAML reads it back
// unchanged, quoted otherwise ("*" at the start would be an alias).
func quoteTerm(term string) string {
	b, err := yaml.Marshal(term)
	if err != nil {
		return strconv.Quote(term)
	}
	return strings.TrimSuffix(string(b), "\n")
}

// addToList adds term to seq, the value of key in mapping parent; without
// seq it adds "key:" with the term to parent.
func addToList(lines []string, parent, seq *yaml.Node, key, term string) ([]string, error) {
	item := quoteTerm(term)
	if seq == nil {
		indent := strings.Repeat(" ", keyColumn(parent))
		return insertAt(lines, lastLine(parent), indent+key+":", indent+"  - "+item), nil
	}
	if seq.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s is not a list", key)
	}
	if seq.Style&yaml.FlowStyle != 0 {
		// [a, b]: add before the closing bracket when it is on one line.
		i := seq.Line - 1
		line := lines[i]
		open := seq.Column - 1
		end := strings.IndexByte(line[open:], ']')
		if end < 0 {
			return nil, fmt.Errorf("%s: a bracketed list over several lines; add the term by hand", key)
		}
		end += open
		sep := ", "
		if len(seq.Content) == 0 {
			sep = ""
		}
		lines[i] = strings.TrimRight(line[:end], " ") + sep + item + line[end:]
		return lines, nil
	}
	last := seq.Content[len(seq.Content)-1]
	// The new item copies the last one's indentation and dash.
	prefix := lines[last.Line-1][:last.Column-1]
	return insertAt(lines, lastLine(last), prefix+item), nil
}

// setScalar sets key of mapping m to value, in place or as a new line.
func setScalar(lines []string, m *yaml.Node, key, value string) ([]string, error) {
	v := mapValue(m, key)
	if v == nil {
		indent := strings.Repeat(" ", keyColumn(m))
		return insertAt(lines, lastLine(m), indent+key+": "+value), nil
	}
	if v.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("%s is not a single value", key)
	}
	i := v.Line - 1
	line := lines[i]
	start := v.Column - 1
	end := start + len(v.Value)
	if v.Style != 0 || end > len(line) || line[start:end] != v.Value {
		return nil, fmt.Errorf("%s: write the number unquoted to let it be changed here", key)
	}
	lines[i] = line[:start] + value + line[end:]
	return lines, nil
}

// keyColumn is the indentation of m's keys.
func keyColumn(m *yaml.Node) int {
	if len(m.Content) > 0 {
		return m.Content[0].Column - 1
	}
	return m.Column - 1
}

// lastLine is the last line (1-based) a node's content reaches.
func lastLine(n *yaml.Node) int {
	last := n.Line
	for _, c := range n.Content {
		last = max(last, lastLine(c))
	}
	if n.Kind == yaml.ScalarNode && (n.Style&(yaml.LiteralStyle|yaml.FoldedStyle)) != 0 {
		last += strings.Count(strings.TrimRight(n.Value, "\n"), "\n") + 1
	}
	return last
}

// insertAt inserts new lines after line number after (1-based).
func insertAt(lines []string, after int, add ...string) []string {
	after = min(after, len(lines))
	out := make([]string, 0, len(lines)+len(add))
	out = append(out, lines[:after]...)
	out = append(out, add...)
	return append(out, lines[after:]...)
}
