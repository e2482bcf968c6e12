package story

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// synth makes realistic streams of reports for benchmarks and the soak:
// events modelled on the tuning set's events, each told by several
// reports in both languages, with invented people and places so that
// events differ from one another the way real ones do.
type synth struct {
	rng    *rand.Rand
	events [][]labelled // the tuning set's events of several reports
	next   int64
}

func newSynth(tb testing.TB, seed uint64) *synth {
	s := &synth{rng: rand.New(rand.NewPCG(seed, 7))}
	byEvent := map[string][]labelled{}
	var order []string
	for _, l := range loadSet(tb, "tuning.jsonl") {
		if byEvent[l.Event] == nil {
			order = append(order, l.Event)
		}
		byEvent[l.Event] = append(byEvent[l.Event], l)
	}
	for _, e := range order {
		if len(byEvent[e]) > 1 {
			s.events = append(s.events, byEvent[e])
		}
	}
	return s
}

var (
	syllables = []string{"ka", "ro", "va", "le", "mi", "to", "sa", "ne", "bo", "ri", "du", "ga", "po", "zu", "che", "sho"}
	toCyr     = map[string]string{"ka": "ка", "ro": "ро", "va": "ва", "le": "ле", "mi": "ми", "to": "то", "sa": "са", "ne": "не", "bo": "бо", "ri": "ри", "du": "ду", "ga": "га", "po": "по", "zu": "зу", "che": "че", "sho": "шо"}
)

// name invents a surname in both scripts, e.g. Karovalev / Каровалев.
func (s *synth) name() (string, string) {
	var lat, cyr strings.Builder
	for range 2 + s.rng.IntN(2) {
		sy := syllables[s.rng.IntN(len(syllables))]
		lat.WriteString(sy)
		cyr.WriteString(toCyr[sy])
	}
	end := []string{"v", "nko", "lin", "sky"}[s.rng.IntN(4)]
	cend := map[string]string{"v": "в", "nko": "нко", "lin": "лин", "sky": "ский"}[end]
	l, c := lat.String()+end, cyr.String()+cend
	return strings.ToUpper(l[:1]) + l[1:], strings.ToUpper(string([]rune(c)[:1])) + string([]rune(c)[1:])
}

// day returns n reports of about n/5 events published during the day
// that starts at start, in arrival order. Each event retells one of the
// tuning set's events with its people replaced by invented ones (the same
// invented person in both languages), its figures by others and an
// invented place added to every headline: events of one kind with
// different actors, as a busy news day has.
func (s *synth) day(start time.Time, n int) []Report {
	var out []Report
	for len(out) < n {
		tmpl := s.events[s.rng.IntN(len(s.events))]
		cast := map[string][2]string{} // Key of a template name -> invented Latin, Cyrillic
		figures := map[string]string{}
		// Where it happened: every report of a real event names something
		// of its own (a place, a person, a ship) beside the template's.
		placeLat, placeCyr := s.name()
		t0 := start.Add(time.Duration(s.rng.Int64N(int64(24 * time.Hour))))
		k := 3 + s.rng.IntN(5)
		for i := 0; i < k && len(out) < n; i++ {
			r := tmpl[s.rng.IntN(len(tmpl))]
			s.next++
			place := placeLat
			if r.Lang == "ru" {
				place = placeCyr
			}
			out = append(out, Report{
				ID:        s.next,
				Title:     s.recast(r.Title, r.Lang, cast, figures) + " — " + place,
				Text:      s.recast(r.Summary, r.Lang, cast, figures),
				Lang:      r.Lang,
				Source:    r.Source,
				Published: t0.Add(time.Duration(s.rng.Int64N(int64(36 * time.Hour)))),
			})
		}
	}
	// Arrival order: publication time plus up to two hours of polling delay.
	arrive := make(map[int64]time.Time, len(out))
	for _, r := range out {
		arrive[r.ID] = r.Published.Add(time.Duration(s.rng.Int64N(int64(2 * time.Hour))))
	}
	slices.SortStableFunc(out, func(a, b Report) int { return arrive[a.ID].Compare(arrive[b.ID]) })
	return out
}

// recast replaces the capitalised words of text that are not the built-in
// aliases' names (people, mostly) by invented names, and its figures by
// others, consistently through cast and figures.
func (s *synth) recast(text, lang string, cast map[string][2]string, figures map[string]string) string {
	fields := strings.Fields(text)
	for i, f := range fields {
		core := strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if core == "" {
			continue
		}
		first, _ := utf8.DecodeRuneInString(core)
		switch {
		case unicode.IsDigit(first):
			if figures[core] == "" {
				figures[core] = fmt.Sprint(2 + s.rng.IntN(98))
			}
			fields[i] = strings.Replace(f, core, figures[core], 1)
		case unicode.IsUpper(first) && !generic(core) && (i > 0 && !strings.ContainsAny(fields[i-1][len(fields[i-1])-1:], ".:") || isName(words(core, nil), 0)):
			k := Key(core)
			if _, ok := cast[k]; !ok {
				lat, cyr := s.name()
				cast[k] = [2]string{lat, cyr}
			}
			name := cast[k][0]
			if lang == "ru" {
				name = cast[k][1]
			}
			fields[i] = strings.Replace(f, core, name, 1)
		}
	}
	return strings.Join(fields, " ")
}

// generic tells the names that every event of the topic shares (the two
// countries, their capitals and seats of government), which recast keeps.
func generic(w string) bool {
	ws := words(w, nil)
	if len(ws) != 1 {
		return false
	}
	id, _ := synthAliases.match(ws, []string{stem(ws[0].lower, ws[0].cyr)}, 0)
	return genericIDs[id]
}

var synthAliases = newAliasTable(builtinAliases)

var genericIDs = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range []string{"США", "Россия", "Москва", "Вашингтон", "Кремль", "МИД", "Госдеп", "Трамп", "Путин"} {
		ws := words(n, nil)
		if id, _ := synthAliases.match(ws, []string{stem(ws[0].lower, ws[0].cyr)}, 0); id != "" {
			m[id] = true
		}
	}
	return m
}()
