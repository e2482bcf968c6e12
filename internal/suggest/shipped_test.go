package suggest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/feedwatch/feedwatch/internal/match"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// unread are labelled files kept for measuring the next change to the
// rules (docs/rules.md): nothing reads them until then. A new one is
// added here when it is written, and leaves when it has been read.
var unread = map[string]bool{"unseen29.jsonl": true}

// labelledSets reads every labelled file in testdata/relevance that has
// been read.
func labelledSets(t *testing.T) []Item {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "relevance", "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no labelled files: %v", err)
	}
	var out []Item
	for _, name := range files {
		if unread[filepath.Base(name)] {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		ls, err := topic.ReadLabelled(f, name)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			out = append(out, Item{ID: filepath.Base(name) + ":" + l.ID, Title: l.Title, Doc: l.Document(), Relevant: l.Relevant})
		}
	}
	return out
}

// TestSuggestFindsRemovedTerm takes one term out of the shipped rules and
// asks for suggestions on the labelled sets: the term, or one that matches
// the same words, must be among the first three for its group. The terms
// are the sides' whose removal loses at least two labelled items; one
// whose removal loses a single item (Госдеп*) ranks below edits that fix
// two of the misses the shipped rules already have, and one whose items
// share false positives is, on these labels, not worth its cost: Putin
// and Trump (the Brazilian president's calls to both, thirdcountry.jsonl
// t22), and since unseen4.jsonl was read, Washington (its return fixes
// eight items and brings back four false positives, among them Putin and
// Xi as "the two leaders" with Washington in passing, unseen4.jsonl q074:
// no more than twice what it breaks, so the method does not propose it).
// Москв* left the list at the same time: its return fixes two items and
// ties with the words of two misses the rules already have (Anchorage
// hosting "the two leaders", "August", "notice"), which come first by
// lift, and it is the eleventh suggestion of all; since unseen5.jsonl
// was read, Washington's return fixes ten items and brings back six
// false positives, and Москв*'s fixes two and brings back two, so the
// method proposes neither. Вашингтон* (six items since unseen4.jsonl),
// Лавров*, Kremlin and White House took their places. =US left the list
// when unseen11.jsonl was read: its return fixes nineteen items and
// brings back ten false positives, less than twice what it breaks, so the
// method does not propose it; with unseen9.jsonl it had been exactly
// twice (18 and 9). With unseen12.jsonl and unseen13.jsonl read, and the
// rules that name the Baltic states' air policing and veto match
// reports, it is still nineteen and ten (Armenia's reactors, Tokayev's
// minerals delegation, Burkina Faso's leader at a Sahel summit and
// Germany's defence target among them). With the Navy's numbered fleets
// all named, the Third Fleet finds the American side of the Kareliya off
// Oahu (unseen9.jsonl r9-076) without it: eighteen and ten. With
// unseen14.jsonl read it is still eighteen and ten: its items that say
// "US" name the American side in other words too. With unseen15.jsonl
// read it is nineteen and eleven: Qatar's release of a dual national
// held in Rostov names the American side only by "US" passports, and
// India's frigates bought weeks after a US patrol plane deal come back.
// With the words that part a third party's headline ("then", "weeks
// after") and Indonesia among the third parties, its return fixes
// nineteen items and brings back eight false positives (Moldova's
// expulsion, Modi and Putin, Venezuela's air defences, Serbia's gas
// deal, the Security Council on Sudan, Armenia's reactors, Burkina Faso's
// leader, Germany's defence target): more than twice what it breaks, and
// =US is back in the list. With unseen16.jsonl read it is still nineteen
// and eight: none of its relevant items says "US", and the two others that
// do (palladium prices, Finland's border fence) are not matched with it.
// With unseen17.jsonl read it is twenty and eight: the US envoy to NATO
// accusing the Kremlin (r17-067) names the American side in a headline
// that names NATO only by "US", and its items on other business that say
// "US" (the envoy on allies' spending, a chess champion) are not matched
// with it. With one side's agencies, commands, units, estates, bases and
// towns named it is still twenty and eight: the items they catch name
// the other side in other words than "US". With unseen18.jsonl read it is
// twenty-six and nine: six of its relevant items name the American side
// only by "US" (a treason sentence, the military chiefs' call, aluminium
// tariffs, diplomatic visas, the Riyadh talks, the presidents' call on a
// Black Sea ceasefire), and Vietnam's Cam Ranh receiving a Russian frigate
// days after a US carrier's visit to Da Nang (r18-056) comes back. With
// Vietnam's ports among the third parties, which part that headline
// without "US", it is twenty-six and eight. With unseen19.jsonl read it is
// thirty and nine: four of its relevant items name the American side only
// by "US" (a veteran freed before New Year, the negotiators on
// anti-satellite weapons, the envoys at the OSCE, the frozen central bank
// reserves), and Armenia's reactor study with a US firm beside its fuel
// deal with Rosatom (r19-094) comes back. With the military districts, the
// ministries' verbs in the present, the strategic stability rounds, the
// destroyers, the weapons against satellites, the large cities and the
// Kremlin's namesakes it is still thirty and nine: none of the items
// they catch or drop says "US". With unseen20.jsonl read it is thirty-two
// and nine: two of its relevant items name the American side only by
// "US" (the officers' deconfliction line on the Black Sea, the embassy in
// Moscow's visa services), and its items on other business that say "US"
// are not matched with it. With the General Staff in Russian, the State
// Department's under secretaries, Russia's consulates by their US city,
// NASA and Roscosmos as a pair and visits spelled out it is still
// thirty-two and nine: none of the items they catch or drop says "US".
// With unseen21.jsonl read it is thirty-four and ten: two of its relevant
// items name the American side only by "US" (the presidents' phone call,
// king crab let in under a traceability deal), and Norway's prime minister
// on Svalbard amid "US and Russian interest" (r21-056) comes back: more
// than twice what it breaks, so the method still proposes it. With the
// special envoy by his title alone, the envoy in Russian, the embassy in
// Moscow without a country and the POW/MIA Accounting Agency it is
// thirty-three and ten: "US embassy in Moscow to resume full visa
// services" (r20-043) no longer needs "US", "Embassy in Moscow" naming
// the American side in it. With unseen22.jsonl read it is thirty-seven
// and ten: four of its relevant items name the American side only by
// "US" (the envoys in Muscat on Iran's uranium, the accusations at the UN
// space committee, the text on a nuclear war that cannot be won, the
// Zvezda shipyard's sanctions), and it has no false positive to bring
// back: more than three times what it breaks. With the presidents in the
// plural, the embassy's addresses in Moscow and СНВ as the Russian side,
// Americans «из» a large city and senators in the plural it is still
// thirty-seven and ten: none of the items they catch says "US". With
// unseen23.jsonl read it is thirty-nine and ten: two of its relevant
// items name the American side only by "US" (the negotiators in Riyadh on
// ceasefire monitoring, the forty lawmakers barred in reply to a sanctions
// bill), and it has no false positive to bring back. With low passes
// over a ship, the courts of the large American cities, "the two
// capitals", the State Department's bureaus and the metals by their towns
// it is thirty-eight and ten: the dual national freed through Qatar, who
// "holds US and Russian passports" (r15-051), is caught by "both
// capitals" without "US". With unseen24.jsonl read it is thirty-eight
// and eleven: none of its relevant items names the American side only by
// "US", and Mongolia's uranium deal with France, whose summary has
// "mining deals with the US" (r24-007), comes back. With the bombers by
// their variants, the Su-27, the Reaper and the P-8, "forty years on" and
// Russia's other state banks it is still thirty-eight and eleven. With
// unseen25.jsonl read it is forty-two and twelve: four of its relevant
// items name the American side only by "US" (the sanctions on shipping
// firms over North Korea, the envoys clashing over Sudan at the Security
// Council, the embassy in Moscow's visa services, whose "Embassy in
// Moscow" names no side beside Astana, the negotiators in Riyadh on the
// monitors' flight rules), and Turkey weighing a US offer for Sinop beside
// its Rosatom-built Akkuyu (r25-075) comes back: three and a half times
// what it breaks, so the method still proposes it. With the export-control
// bureau and the trade commission's vote as the business between the
// governments, Rosselkhoznadzor, Rospotrebnadzor and the CDC, and "the
// embassy track" it is still forty-two and twelve: none of the items they
// catch says "US". With unseen26.jsonl read it is forty-eight and twelve:
// six of its relevant items name the American side only by "US" (the veto
// of a Russian draft at the Security Council, the new ambassador's
// credentials at the Kremlin, the foreign ministers in Manila, Ushakov and
// the national security adviser in Riyadh, the trade between the two up in
// the first half, a veteran sentenced by a Russian court), and none of its
// negatives comes back: four times what it breaks. With Sochi,
// «товарооборот» and the direct flights to New York it is still
// forty-eight and twelve: none of the items they catch says "US". With
// unseen27.jsonl read it is fifty-one and twelve: three of its relevant
// items name the American side only by "US" (the negotiators in Vienna on
// Iran's uranium, the embassy allowed to hire local staff again, the tariff
// on Russian palladium doubled), and none of its negatives comes back: more
// than four times what it breaks. With the bare ministry before
// «возглавил» and before Washington, and counting warheads and heavy
// bombers as both phrases, it is still fifty-one and twelve: none of the
// items they catch says "US". With unseen28.jsonl read it is fifty-three
// and twelve: two of its relevant items name the American side only by
// "US" (a schoolteacher jailed by a court in Tver, the envoys at the
// Security Council over Iran), and none of its negatives comes back: more
// than four times what it breaks. With NOAA as the American side it is
// fifty-two and twelve: NOAA names the American side of the king crab
// imports allowed again (unseen21.jsonl), which said "US" too; the
// Russian licence for settlements and "the Idaho city" among the
// exclusions move none of its items.
func TestSuggestFindsRemovedTerm(t *testing.T) {
	set, err := topic.Load(filepath.Join("..", "..", "config", "topics.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	shipped, _ := set.Topic("us-russia")
	items := labelledSets(t)
	tests := []struct{ group, term string }{
		{"Russian side", "Moscow"},
		{"Russian side", "Russian"},
		{"Russian side", "Kremlin"},
		{"Russian side", "Росси*"},
		{"Russian side", "Лавров*"},
		{"American side", "=US"},
		{"American side", "White House"},
		{"American side", "США"},
		{"American side", "Америк*"},
		{"American side", "Вашингтон*"},
	}
	for _, tt := range tests {
		t.Run(tt.term, func(t *testing.T) {
			rules := shipped.Rules
			rules.All = slices.Clone(rules.All)
			found := false
			for i, g := range rules.All {
				if g.Name == tt.group {
					rules.All[i].Terms = slices.DeleteFunc(slices.Clone(g.Terms), func(s string) bool { return s == tt.term })
					found = len(rules.All[i].Terms) < len(g.Terms)
				}
			}
			if !found {
				t.Fatalf("no term %q in group %q", tt.term, tt.group)
			}
			removed, _ := match.ParseTerm(tt.term, false)
			got, err := Suggest(rules, items, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var forGroup []Suggestion
			for _, s := range got {
				if s.Change.Section == topic.SectionAll && s.Change.Group == tt.group {
					forGroup = append(forGroup, s)
				}
			}
			for i, s := range forGroup {
				t.Logf("%d. %s: fixes %d, breaks %d (%s)", i+1, s.Change, len(s.Fixes), len(s.Breaks), s.Why)
			}
			for _, s := range forGroup[:min(3, len(forGroup))] {
				if c, err := match.ParseTerm(s.Change.Term, false); err == nil && (c.Covers(removed) || removed.Covers(c)) {
					return
				}
			}
			t.Errorf("%q is not among the first three suggestions for %q", tt.term, tt.group)
		})
	}
}
