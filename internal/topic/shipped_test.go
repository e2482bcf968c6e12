package topic

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot walks up from the package directory to the directory holding
// go.mod, so tests do not depend on where "go test" is run from.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the package directory")
		}
		dir = parent
	}
}

// sharedDev finds shared/relevance/dev.jsonl in a parent directory: CI puts
// shared/ beside the repository clone, developers may have it elsewhere up
// the tree.
func sharedDev(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "relevance", "dev.jsonl")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared/relevance/dev.jsonl not found in any parent directory; the labelled dev set lives beside the repository clone in CI")
		}
		dir = parent
	}
}

func loadShipped(t testing.TB) *Set {
	t.Helper()
	s, err := Load(filepath.Join(repoRoot(t), "config", "topics.yaml"))
	if err != nil {
		t.Fatalf("shipped topics.yaml: %v", err)
	}
	return s
}

func readLabels(t testing.TB, path string) []Labelled {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	items, err := ReadLabelled(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// The bar the issue sets for the shipped US–Russia topic.
const (
	minPrecision = 0.97
	minRecall    = 0.95
)

func checkQuality(t *testing.T, path string) {
	checkFloors(t, path, minPrecision, minRecall)
}

func checkFloors(t *testing.T, path string, minPrecision, minRecall float64) {
	t.Helper()
	s := loadShipped(t)
	items := readLabels(t, path)
	rep, err := Evaluate(s, "us-russia", items)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s\n%s", path, b.String())
	if rep.Precision < minPrecision || rep.Recall < minRecall {
		t.Errorf("us-russia on %s: precision %.3f (want >= %.2f), recall %.3f (want >= %.2f)", path, rep.Precision, minPrecision, rep.Recall, minRecall)
	}
}

func TestShippedTopicDev(t *testing.T) {
	checkQuality(t, sharedDev(t))
}

func TestShippedTopicExtra(t *testing.T) {
	checkQuality(t, filepath.Join(repoRoot(t), "testdata", "relevance", "extra.jsonl"))
}

// TestShippedTopicHoldout measures the topic on items written after the
// rules, by someone who had not seen them, and never used to tune them.
func TestShippedTopicHoldout(t *testing.T) {
	checkQuality(t, filepath.Join(repoRoot(t), "testdata", "relevance", "holdout.jsonl"))
}

// TestShippedTopicIsPublic: the shipped topic's feeds are open to anyone,
// as README and docs/rules.md say.
func TestShippedTopicIsPublic(t *testing.T) {
	s := loadShipped(t)
	if tp, ok := s.Topic("us-russia"); !ok || !tp.Public {
		t.Errorf("us-russia = %+v, %v; want public", tp.ID, ok)
	}
}

// TestShippedTopicHardSets measures the topic on the kinds of item it
// misses most: one side named only implicitly (Congress, a US state, the
// Navy, the UN's host country, "the two leaders") and stories about a third
// country; and on items the rules were not written against. The floors are the figures measured when the sets were written
// (docs/rules.md), below the goal of 0.95: a change may not make them
// worse. The third-country negatives name both countries and government
// business without any dealing between them (Lula's separate calls to both
// presidents), which word rules cannot tell from the real thing.
func TestShippedTopicHardSets(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "testdata", "relevance")
	sets := []struct {
		name string
		p, r float64 // the floors of precision and recall
	}{
		// The rules written after unseen2.jsonl was read catch one more of
		// implicit.jsonl's items (R 0.833, the Navy destroyer off Virginia);
		// "the two leaders" as a both phrase, void beside a third party,
		// catches its four calls and meetings and none of its Putin and Xi
		// (R 1.000).
		{"implicit", 1.0, 1.0},
		// The third parties in the headline (docs/rules.md) drop two of its
		// false positives (P 0.731); the talks on the embassies catch its
		// Istanbul round (P 0.741, R 1.000); the words that part a third
		// party's headline ("then") drop two more, Japan's prime minister
		// and Netanyahu (P 0.800).
		{"thirdcountry", 0.80, 1.0},
		// Written by an engineer who had not read the rules, and read once
		// with the rules as they were: P 0.970, R 0.889. Since read, it is
		// development data; the rules written after it catch one more of its
		// items (R 0.917), and "the two leaders" one more (R 0.944); exiles
		// excluded drop its false positive, the opposition figure at a US
		// university (P 1.000); the special envoy by his title alone catches
		// one more, the Kremlin aide on the president's talk with him
		// (R 0.972).
		{"unseen", 1.0, 0.97},
		// Written blind like unseen.jsonl, and read once after the rules'
		// names for both sides were widened: P 0.912, R 0.775 (the same as
		// before that change; docs/rules.md). Since read, it is development
		// data; the rules written after it catch six more of its items and
		// lose none (P 0.925, R 0.925), and those that name the Russian
		// Navy's ships one more (P 0.927, R 0.950); the third parties in the
		// headline drop its three false positives (P 1.000); senators in the
		// plural catch one more, their bill on buyers of Moscow's oil
		// (R 0.975).
		{"unseen2", 1.0, 0.97},
		// Written blind like unseen2.jsonl, and read once after the rules
		// named the sides by their states, places, bodies and aircraft:
		// P 0.857, R 0.714 (P 0.839, R 0.619 with the rules before that
		// change; docs/rules.md). Since read, it is development data; the
		// rules written after it (ships, space, the Bering Sea, Commerce)
		// catch eight more of its items and lose none (P 0.884, R 0.905);
		// the third parties in the headline drop two false positives (P 0.927);
		// "the two leaders" and the talks on the embassies catch three more
		// (P 0.932, R 0.976); India by its adjective among the third parties
		// drops a false positive (P 0.953) and «сенат» on the American side
		// catches one more (P 0.955, R 1.000); histories and exhibits of the
		// past excluded drop one more, the hotline of 1963 (P 0.977); the
		// words that part a third party's headline the last, To Lam in
		// Moscow "weeks after" hosting the US defence secretary (P 1.000).
		{"unseen3", 1.0, 1.0},
		// Written blind like unseen3.jsonl, and read once after the rules
		// named the sides by their ships, space programme, the Bering Sea
		// and Commerce: P 0.725, R 0.674 (P 0.718, R 0.651 with the rules
		// before that change; docs/rules.md). Since read, it is development
		// data; the rules written after it (surnames, weapons, seas and
		// treaties) catch eleven more of its items and drop one false
		// positive (P 0.800, R 0.930); the third parties in the headline drop
		// five more (P 0.889); Brooklyn on the American side catches one more
		// (P 0.891, R 0.953); the talks on the embassies one more (P 0.894,
		// R 0.977); China's oil companies and Power of Siberia among the
		// third parties drop two false positives (P 0.933); the battlefield's
		// report of a village taken, excluded, one more (P 0.955); the
		// Virginia class of submarines ignored one more (P 0.977).
		{"unseen4", 0.97, 0.97},
		// Written blind like unseen4.jsonl, and read once after the rules
		// named the sides by surnames, weapons, seas and treaties: P 0.745,
		// R 0.814, the same items as with the rules before that change
		// (docs/rules.md). Since read, it is development data; the rules
		// written after it (third parties in the headline, the UN's host in
		// Russian, the embassies by their streets, escorts, «Белый дом»)
		// catch four more of its items and drop six false positives
		// (P 0.867, R 0.907); MGIMO on the Russian side one more (P 0.870,
		// R 0.930); the US–Ukraine pair among the third parties drops a false
		// positive and the talks on the embassies catch one more (P 0.891,
		// R 0.953); CNPC among the third parties drops one more (P 0.911);
		// the Urals on the Russian side catch one more (P 0.913, R 0.977);
		// the words that part a third party's headline drop a false
		// positive, Tokayev in Moscow "days after" a Washington summit
		// (P 0.933); the embassy in Moscow without a country catches one
		// more, its new deputy chief of mission (P 0.935, R 1.000).
		{"unseen5", 0.93, 1.0},
		// Written blind like unseen5.jsonl, and read once after the third
		// parties in the headline: P 0.857, R 0.698 (P 0.750, R 0.698 with
		// the rules before that change; docs/rules.md). Since read, it is
		// development data; the rules written after it (places, bodies and
		// spellings of both sides) catch five more of its items (P 0.875,
		// R 0.814); "the two leaders", the launch-notification channel and
		// the talks on the embassies three more (P 0.884, R 0.884); films and
		// their reviews excluded drop a false positive (P 0.905); Russia's
		// consulates general named by their US city in Russian catch one
		// more (R 0.907); the presidents in the plural beside what they
		// discussed one more, Peskov on the KHL and NHL matches (P 0.909,
		// R 0.930); the Reaper as a both phrase with the Su-27 on the
		// Russian side one more, the drone lost over the Black Sea (P 0.911,
		// R 0.953).
		{"unseen6", 0.90, 0.95},
		// Written blind like unseen6.jsonl, and read once after the places,
		// bodies and spellings: P 0.829, R 0.791, the same items as with the
		// rules before that change (docs/rules.md). Since read, it is
		// development data; the rules written after it (parliament's voices,
		// the Northern Fleet, Brooklyn and New Yorkers, the ministries' pair,
		// more third parties) catch six more of its items and drop five false
		// positives (P 0.952, R 0.930); "the two leaders" two more (P 0.955,
		// R 0.977); Indonesia among the third parties, with the words that
		// part its headline, drops a false positive, Prabowo in Moscow
		// "then" at the White House (P 0.977).
		{"unseen7", 0.97, 0.97},
		// Written blind like unseen7.jsonl, and read once after the names and
		// third parties that followed it: P 0.902, R 0.860, the same items
		// with the rules before that change and the one before it
		// (docs/rules.md). Since read, it is development data; the rules
		// written after it (the large cities, the talks on the embassies,
		// box-office reports out) catch three more of its items and drop one
		// false positive (P 0.930, R 0.930); India by its adjective among the
		// third parties drops one more (P 0.952); the resumption of nuclear
		// testing as a both phrase catches one more (P 0.953, R 0.953).
		{"unseen8", 0.95, 0.95},
		// Written blind like unseen8.jsonl, and read once after the two
		// leaders, the embassy talks and the large cities: P 0.809, R 0.884
		// (P 0.804, R 0.860 with the rules before them; docs/rules.md).
		// Since read, it is development data; the third parties by their
		// companies, adjectives, blocs and leaders drop seven of its false
		// positives (P 0.950), the shopping centres and the Russian-American
		// Company ignored the other two (P 1.000), and the strategic
		// stability talks, the leaders' call, Caine and the Vishnya ships
		// catch four more of its items (R 0.977).
		{"unseen9", 1.0, 0.97},
		// Written blind like unseen9.jsonl, and read once after the third
		// parties by their companies and leaders, strategic stability and the
		// leaders' call: P 0.875, R 0.814 (P 0.850, R 0.791 with the rules
		// before them; docs/rules.md). Since read, it is development data;
		// «двое лидеров» and the resumption of nuclear testing as both
		// phrases catch two more of its items (P 0.881, R 0.860), a county's
		// election office and a native of New Jersey two more (P 0.886,
		// R 0.907), OFAC between the governments one more (P 0.889, R 0.930),
		// the Russian spelling of the Capitals and Kremlin, Montana ignored
		// drop two false positives (P 0.930), and films excluded one more
		// (P 0.952); Syria as a Russian headline's subject among the third
		// parties one more (P 0.976).
		{"unseen10", 0.97, 0.93},
		// Written blind like unseen10.jsonl, and read once after nuclear
		// testing, the natives and counties, OFAC and duties: P 0.857, R
		// 0.837 (P 0.837, R 0.837 with the rules before them; docs/rules.md).
		// Since read, it is development data; the services by their
		// headquarters (Langley) catch two more of its items (P 0.864,
		// R 0.884), the committees of Congress one more (P 0.867, R 0.907)
		// and the administration as a both phrase one more (P 0.870,
		// R 0.930); the Baltic states' air policing among the third parties
		// drops a false positive (P 0.889), the tennis tournaments and the
		// player Medvedev one more (P 0.909) and the exiles one more
		// (P 0.930); the Navy's patrol planes catch one more (P 0.932,
		// R 0.953); the survey ship Admiral Vladimirsky by name one more
		// (P 0.933, R 0.977); the words that part a third party's headline
		// drop a false positive, Tokayev hosting a US delegation "then"
		// calling Putin (P 0.955); the Russian licence for payments one
		// more, Budapest's extension through Gazprombank (P 0.956,
		// R 1.000).
		{"unseen11", 0.95, 1.0},
		// Written blind like unseen11.jsonl, and read once after the rules
		// named the intelligence services by their headquarters, the
		// administration, the committees of Congress and the Navy's planes:
		// P 0.850, R 0.791, the same items as with the rules before that
		// change (docs/rules.md). Since read, it is development data; the
		// Far East and the krais' courts on the Russian side catch two more
		// of its items (P 0.857, R 0.837), the Russian verb of detention one
		// more (P 0.860, R 0.860), the House by its votes one more (P 0.864,
		// R 0.884), the defence industry's towns one more (P 0.867,
		// R 0.907), the contacts between the sides one more (P 0.870,
		// R 0.930) and the maritime boundary one more (P 0.872, R 0.953);
		// a match report's words excluded drop two false positives
		// (P 0.911) and Syria as a Russian headline's subject among the
		// third parties one more (P 0.932); a third country's choice between
		// the two excluded drops one more (P 0.953).
		{"unseen12", 0.95, 0.95},
		// Written blind like unseen12.jsonl, and read once after the rules
		// named the krais' courts, the House by its votes, contacts and the
		// maritime boundary: P 0.897, R 0.814 (P 0.895, R 0.791 with the
		// rules before that change; docs/rules.md). Since read, it is
		// development data; the Sea of Japan ignored as a third party catches
		// one more of its items (P 0.900, R 0.837), the Coast Guard's
		// icebreakers by name one more (P 0.902, R 0.860), the foreign
		// ministry and the Secretary of State as a pair one more (P 0.905,
		// R 0.884) and the two largest nuclear powers one more (P 0.907,
		// R 0.907); Egypt among the third parties drops a false positive
		// (P 0.929) and histories and exhibits of the past one more
		// (P 0.951); the airports of New York and Washington by name catch
		// one more of its items, Dmitriev on direct flights to Kennedy
		// (P 0.952, R 0.930); counting heavy bombers as a both phrase one
		// more, Ryabkov on the delegations' gaps (P 0.953, R 0.953).
		{"unseen13", 0.95, 0.95},
		// Written blind like unseen13.jsonl, and read once after the rules
		// ignored the Sea of Japan and named the Navy's numbered fleets, the
		// Coast Guard's icebreakers, the ministers as a pair and the two
		// largest nuclear powers: P 0.865, R 0.744, the same items as with
		// the rules before that change (docs/rules.md). Since read, it is
		// development data; a state's resident in every case catches one
		// more of its items (P 0.868, R 0.767), the embassy's address one
		// more (P 0.872, R 0.791), the consulates general by their city one
		// more (P 0.875, R 0.814), Nome one more (P 0.878, R 0.837) and Tver
		// two more (P 0.884, R 0.884); the Union State's state secretary
		// ignored drops a false positive (P 0.905) and a series by its
		// parts one more (P 0.927); the words that part a third party's
		// headline one more, Vietnam's leader in Washington "then" Moscow
		// (P 0.950); the ports where Russian crews are held catch one more
		// of its items, the sailors arrested in Baltimore (P 0.951,
		// R 0.907); the special envoy by his title alone one more, his
		// landing at Vnukovo (P 0.952, R 0.930); the embassy's address in
		// Moscow as the Russian side one more, its visa interviews cut
		// (P 0.953, R 0.953); the Su-27 on the Russian side one more, the
		// Reaper it dumped fuel on (P 0.955, R 0.977).
		{"unseen14", 0.95, 0.97},
		// Written blind like unseen14.jsonl, and read once after the rules
		// named a state's resident in every case, the US embassy's address,
		// the consulates general, Nome and Tver: P 0.911, R 0.953, the same
		// items, scores and words as with the rules before that change
		// (docs/rules.md). Since read, it is development data; the words
		// that part a third party's headline drop a false positive, India's
		// frigates "weeks after" a US patrol plane deal (P 0.932), and
		// Indonesia among the third parties two more, its president in
		// Moscow «после визита» to Washington and its BRICS meeting
		// (P 0.976); the special envoy by his title alone catches one more
		// of its items, the presidents' advisers in Riyadh (P 0.977,
		// R 0.977).
		{"unseen15", 0.97, 0.97},
		// Written blind like unseen15.jsonl, and read once after the rules
		// gained the words that part a third party's headline and Indonesia
		// among the third parties: P 1.000, R 0.628 (P 0.964, R 0.628 with
		// the rules before that change, which matched Russia and Indonesia's
		// naval drill off Java; docs/rules.md). Its misses name one side
		// only by a ship, a service, a body, an address or a regional court.
		// Since read, it is development data; the Sverdlovsk region catches
		// one of its items (R 0.651), Tolyatti one more (R 0.674), the
		// weather and air services one more (R 0.698), Red Square one more
		// (R 0.721), the embassy on Wisconsin Avenue by its other word order
		// one more (R 0.744), the Transportation Department one more
		// (R 0.767), the icebreaker Storis with Chukotka's ports one more
		// (R 0.791) and Golden Dome in Russian one more (R 0.814); the
		// foreign ministry followed by its verb in the present one more,
		// the trade mission employee held in Seattle (R 0.837); the Defense
		// POW/MIA Accounting Agency one more, the joint commission on
		// missing servicemen (R 0.860); Russia's other state banks by name
		// one more, Citibank's profits frozen in reply to OFAC (R 0.884),
		// and the P-8 as a both phrase one more, the MiG-31 escorting it
		// over the Barents Sea (R 0.907); "the embassy track" beside the
		// embassy talks one more, the analysis of that channel (R 0.930);
		// the bare ministry directly followed by «возглавил» one more, the
		// consultations in Singapore (R 0.953).
		{"unseen16", 1.0, 0.95},
		// Written blind like unseen16.jsonl, and read once after the rules
		// named the Sverdlovsk region, Tolyatti, Russia's weather and air
		// services, Red Square, the Transportation Department, the Storis,
		// Chukotka's ports and Golden Dome in Russian: P 0.800, R 0.465
		// (P 0.792, R 0.442 with the rules before that change, which missed
		// Ryabkov on «Золотой купол»; docs/rules.md). Its misses name the
		// sides by bodies, bases, ships, towns, estates and programmes the
		// sets before it did not; its false positives are third countries'
		// dealings with each side and the two sides' past. Since read, it is
		// development data; the military intelligence's hacking units by
		// their nicknames catch one of its items (R 0.488), the Navy's
		// criminal investigators one more (R 0.512), the arms control
		// inspectors' agency with the missile divisions' towns one more
		// (R 0.535), the postal service one more (R 0.558), the Navy's
		// commands one more (R 0.581), Baltiysk one more (R 0.605), Pituffik
		// one more (R 0.628), Sitka one more (R 0.651), the embassy's estates
		// one more (R 0.674), Ryazan one more (R 0.698), Tenex one more
		// (R 0.721) and the sanctions licence in Russian one more
		// (P 0.865, R 0.744); the US consulates general by their streets
		// one more (R 0.767), the ports where Russian crews are held one
		// more (R 0.791) and a former Marine one more (R 0.814); plays
		// excluded drop a false positive, the review of 'Hotline'
		// (P 0.897), a month that parts a third party's itinerary one more,
		// Brazil's president (P 0.921), and Malaysia among the third
		// parties one more (P 0.946); СНВ as the Russian side too catches
		// one more of its items, the inspectors at Whiteman (P 0.947,
		// R 0.837); the State Department's bureaus by name one more,
		// Consular Affairs on the travel level (P 0.949, R 0.860), and the
		// metals by the towns they come from one more, palladium from
		// Norilsk held in Savannah (P 0.950, R 0.884); the anniversary
		// piece's "fifty years on" excluded drops a false positive, the
		// Olympians of the 1980 boycott (P 0.974); the export-control
		// bureau as the business between the governments catches one more,
		// its licence for Aeroflot's engine repairs (P 0.975, R 0.907), and
		// the trade commission's vote by its initials one more, the duties
		// on Acron's ammonium nitrate (P 0.976, R 0.930).
		{"unseen17", 0.97, 0.93},
		// Written blind like unseen17.jsonl, but asked for the usual mix,
		// where most relevant items name both sides plainly, and read once
		// after the rules named one side's agencies, commands, hacking units,
		// estates, bases and towns: P 0.950, R 0.884, the same with the rules
		// before that change, whose names none of its items uses
		// (docs/rules.md). Its misses name a side only by a ship, a city, a
		// satellite, a street or "the two presidents"; its false positives
		// are a San Francisco neighbourhood and Vietnam's ports receiving
		// each side's ships. Since read, it is development data; the Kosmos
		// satellites in Russian catch one of its items (R 0.907), the
		// consulates general by their streets one more (R 0.930) and
		// shadowing at sea one more (R 0.953); Russian Hill ignored drops a
		// false positive (P 0.976) and Vietnam's ports among the third
		// parties the other (P 1.000).
		{"unseen18", 1.0, 0.95},
		// Written blind like unseen18.jsonl, with about half of its relevant
		// items naming both sides plainly and the others one side only by a
		// body, a ship, an aircraft, a weapon, a court or an address, and
		// read once after the rules named the Kosmos satellites in Russian,
		// the consulates' streets, the ports, a former Marine, shadowing at
		// sea and the strategic bases: P 0.946, R 0.814 (P 0.944, R 0.791
		// with the rules before that change, which missed the Viktor Leonov
		// off Kings Bay; docs/rules.md). Its misses name a side only by a
		// city's resident, "the embassy", an unnamed foreign ministry, a
		// weapon, a jet, a destroyer or not at all, or "the two presidents"
		// at a venue; its false positives are a billiards cup and Armenia's
		// deals with each side. Since read, it is development data; the
		// military districts catch one of its items (R 0.837), the strategic
		// stability talks by their rounds one more (R 0.860), the Navy's
		// destroyers by name one more (R 0.884), the weapons against
		// satellites one more (R 0.907) and Americans by the large cities
		// they come from one more (R 0.930); the Kremlin's namesakes
		// ignored drop the billiards cup (P 0.976); the embassy in Moscow
		// without a country catches one more, its visa interviews resumed
		// (R 0.953).
		{"unseen19", 0.97, 0.95},
		// Written blind like unseen19.jsonl, half in Russian, with about a
		// third of its relevant items naming one side only by a capital, a
		// body, an official, a city or a ship, and read once after the rules
		// named the military districts, the ministries' verbs in the present,
		// the strategic stability rounds, the destroyers, Nudol, the large
		// cities and the Kremlin's namesakes: P 0.950, R 0.844, the same with
		// the rules before that change, none of whose names occurs in it
		// (docs/rules.md). Its misses name a side only by a watchdog, the
		// General Staff, the bare МИД, a city or an official's title, or
		// neither side, or name both by their agencies with no word of the
		// business between them; its false positives are ambassadors at a
		// third country's ceremony and both peoples among Turkey's visitors.
		// Since read, it is development data; the General Staff in Russian
		// catches one of its items (R 0.867), the State Department's under
		// secretary by his portfolio one more (R 0.889), Russia's consulates
		// general by their city one more (R 0.911) and NASA and Roscosmos
		// named as a pair one more (R 0.933); officials' visits spelled out,
		// not "visit*", drop Turkey's visitors (P 0.977); Americans «из» a
		// large city catch one more, the musician from Nashville (R 0.956);
		// Rosselkhoznadzor for the Russian side and as the trade measure
		// one more, its halt on Arkansas poultry (P 0.978, R 0.978).
		{"unseen20", 0.97, 0.97},
		// Written blind like unseen20.jsonl, half in Russian, asked for the
		// usual mix: most relevant items name both sides plainly, the others
		// one side only by a body, an official, a capital, a state, a ship
		// or an address; read once after the rules named the General Staff
		// in Russian, the under secretaries, Russia's consulates by their
		// city and the space agencies as a pair: P 0.957, R 1.000, the same
		// with the rules before that change, which moved no item of it
		// (docs/rules.md). It has no misses; its false positives are a third
		// country's leader on Svalbard amid both sides' interest and the
		// Pentagon's interceptor contract with Russian missiles in passing.
		{"unseen21", 0.95, 1.0},
		// Written blind like unseen21.jsonl, half in Russian, asked for the
		// usual mix: most relevant items name both sides plainly, the others
		// one side only by a body, an official, a court, a state, a ship or
		// an address, or both only as "the two presidents"; read once after
		// the rules named the American special envoy by his title, the
		// embassy in Moscow without a country, the POW/MIA Accounting Agency
		// and the airports of New York and Washington: P 1.000, R 0.978,
		// the same with the rules before that change, which moved no item
		// of it (docs/rules.md). It has no false positives; its one miss is
		// the Kremlin aide on what "the presidents" will discuss in Vienna,
		// which names the American side not at all. Since read, it is
		// development data; the presidents in the plural beside what they
		// discussed catch it (R 1.000).
		{"unseen22", 1.0, 1.0},
		// Written blind like unseen22.jsonl, half in Russian, asked for the
		// usual mix: most relevant items name both sides plainly, the others
		// one side, or both, only by a body, an official, a court, a city,
		// an aircraft or "the two capitals"; read once after the rules named
		// the presidents in the plural beside what they discussed, the
		// embassy's addresses in Moscow, СНВ as the Russian side, Americans
		// «из» a large city and senators in the plural: P 1.000, R 0.940,
		// the same with the rules before that change, which moved no item
		// of it (docs/rules.md). It has no false positives; its misses are a
		// Russian sentenced by a court in New York, a Russian helicopter
		// over the Coast Guard's cutter Healy, and Ryabkov on the Vienna
		// text, whose negotiators are only "from the two capitals". Since
		// read, it is development data; low passes over a ship, the courts
		// of the large American cities and "the two capitals" catch its
		// three misses (R 1.000).
		{"unseen23", 1.0, 1.0},
		// Written blind like unseen23.jsonl, half in Russian, asked for the
		// usual mix; read once after the rules named low passes over a ship,
		// the courts of the large American cities, "the two capitals", the
		// State Department's bureaus and Russian metals by their towns:
		// P 0.959, R 0.979, the same with the rules before that change,
		// which moved no item of it (docs/rules.md). Its false positives are
		// Mongolia's uranium deal with France, which names Russia and the US
		// in passing, and the Soviet flag lowered over the Kremlin forty
		// years on; its miss is Northern Fleet Su-27s escorting two B-52H
		// bombers, the American side named only by the bombers' type.
		// Since read, it is development data; the bombers by their variants
		// catch its miss (R 1.000) and the anniversary piece's "forty years
		// on" excluded drops the Soviet flag (P 0.980).
		{"unseen24", 0.97, 1.0},
		// Written blind like unseen24.jsonl, half in Russian, asked for the
		// usual mix; read once after the rules named the American bombers
		// by their variants, the Su-27, the Reaper and the P-8, excluded
		// the anniversary piece's "forty years on" and named Russia's other
		// state banks: P 0.980, R 0.961, the same with the rules before
		// that change, which moved no verdict of it (docs/rules.md). Its
		// false positive is Turkey weighing an American offer for a second
		// nuclear plant beside its Rosatom-built one; its misses are the
		// Russian consumer watchdog and the CDC sharing bird flu data, which
		// names neither side by its country, and Aeroflot's first New York
		// flight since 2022, the American side named only by the city and
		// its airport. Since read, it is development data; Rospotrebnadzor
		// and the CDC named for their sides catch the first (R 0.980), and
		// the direct flights to New York as both phrases the second (R
		// 1.000).
		{"unseen25", 0.98, 1.0},
		// Written blind like unseen25.jsonl, half in Russian, asked for the
		// usual mix; read once after the rules named the export-control
		// bureau and the trade commission's vote as the business between
		// the governments, Rosselkhoznadzor, Rospotrebnadzor and the CDC, and
		// "the embassy track": P 1.000, R 0.900, the same with the rules
		// before that change, which moved no verdict of it (docs/rules.md).
		// It has no false positives; its misses are the trade turnover
		// between the two with no word of the governments, the Treasury's
		// licence for Gazprombank extended, whose summary has no word of the
		// sanctions, Aeroflot's New York flights twice, the American side
		// named only by the city and its airport, and an American detained
		// in Sochi, the Russian side named only by the city. Since read, it
		// is development data; «товарооборот», the flights to New York and
		// Sochi catch all but the licence (R 0.980); the Russian licence
		// for settlements catches that too (R 1.000).
		{"unseen26", 1.0, 1.0},
		// Written blind like unseen26.jsonl, half in Russian, asked for the
		// usual mix; read once after the rules named Sochi among the large
		// cities, «товарооборот» as the business between the governments
		// and the direct flights to New York as both phrases: P 1.000,
		// R 0.980 (R 0.960 with the rules before that change, «товарооборот»
		// catching the trade turnover of the first nine months between the
		// two; docs/rules.md). It has no false positives; its miss is the
		// foreign ministry under «МИД:» on Washington's delay of visas for
		// the delegation to the General Assembly, where the colon leaves the
		// ministry bare and nothing else names the Russian side. Since
		// read, it is development data; «МИД» directly before Washington as
		// the Russian side catches it (R 1.000).
		{"unseen27", 1.0, 1.0},
		// Written blind like unseen27.jsonl, half in Russian, asked for the
		// usual mix; read once after the rules named the bare ministry
		// before «возглавил» and before Washington and counted warheads and
		// heavy bombers as both phrases: P 0.979, R 0.940, the same with the
		// rules before that change (docs/rules.md). Its false positive is
		// Moscow, Idaho's water plant, the state named in the summary
		// apart from the town, where the veto needs the two together; its
		// misses are Roshydromet and NOAA's Arctic data agreement, NOAA
		// being no name of the American side in the lists, and Washington
		// revoking the licence for payments through Gazprombank and the
		// fertiliser supplies to the US, where they hold no word of the
		// business between the governments. Since read, it is development
		// data; NOAA as the American side catches the first (R 0.960), the
		// Russian licence for settlements the second (R 0.980), and the
		// town as "the Idaho city" among the exclusions drops the false
		// positive (P 1.000); the fertiliser supplied to the US catches the
		// third (R 1.000).
		{"unseen28", 1.0, 1.0},
		// Written blind like unseen28.jsonl, half in Russian, asked for the
		// usual mix; read once after the rules named NOAA as the American
		// side, the Russian licence for payments or settlements as the
		// business between the governments and "the Idaho city" among the
		// exclusions: P 1.000, R 0.960 (R 0.940 with the rules before that
		// change, the licence for settlements catching the Treasury's
		// licence for settlements with Rosatom; docs/rules.md). It has no
		// false positives; its misses are NOAA and Roshydromet resuming a
		// joint survey of the Chukchi Sea and the Treasury allowing Boeing
		// to buy Russian titanium from VSMPO, where the sides are found
		// but no word of the business between the governments: a survey
		// of two agencies, and a licence named by what it allows. Since
		// read, it is development data; the weather agencies named as a
		// pair catch the first (R 0.980), and the Treasury's permission in
		// Russian («Минфин США разрешил») the second (R 1.000).
		{"unseen29", 1.0, 1.0},
		// Written blind like unseen29.jsonl, half in Russian, asked for the
		// usual mix; read once after the rules named the weather agencies
		// and the health agencies as pairs and the Treasury's permission in
		// Russian («Минфин США разрешил») as the business between the
		// governments: P 0.980 (48 of 49), R 0.960, the same with the rules before
		// that change (docs/rules.md). Its false positive is an exhibition
		// in Moscow for the seventieth anniversary of the test ban treaty,
		// history that names the treaty's parties; its misses are the
		// Energy Department allowing imports of Russian uranium, a
		// permission the lists hold for the Treasury alone, and Russian
		// fertiliser supplies to the US, trade named by a good, where the
		// sides are found but no word of the business between the
		// governments. Since read, it is development data; any US
		// department's permission in Russian («Мин* США разрешил») catches
		// the first miss (R 0.980), the fertiliser supplied to the US the
		// second (R 1.000), and an exhibition opened for an anniversary
		// among the histories excluded drops the false positive (P 1.000).
		{"unseen30", 1.0, 1.0},
		// Written blind like unseen30.jsonl, half in Russian, asked for the
		// usual mix; read once after the rules named any US department's
		// permission in Russian, the fertiliser supplied to the US and the
		// exhibitions opened for an anniversary: P 0.980 (48 of 49), R
		// 0.960, the same with the rules before that change
		// (docs/rules.md). Its false positive is the US and Turkey on
		// deliveries of F-35s, a third country's arms with Russia in
		// passing; its misses are the US and Russian health agencies
		// sharing data on drug-resistant tuberculosis, where the sides and
		// the CDC are found but no word of the business between the
		// governments, and «Глава МИД» by phone with the secretary of
		// state, the Russian foreign minister named by his office alone.
		// Since read, it is development data; the ministry followed by
		// its head's talks and calls («МИД провёл») catches the second
		// miss (R 0.980), the two sides' health agencies named together
		// by their field the first (R 1.000), and Turkey named as one
		// side's pair among the third parties drops the false positive
		// (P 1.000).
		{"unseen31", 1.0, 1.0},
		// Written blind like unseen31.jsonl, half in Russian, asked for the
		// usual mix; read once after the rules named the foreign ministry
		// followed by its head's talks and calls («МИД провёл»), the two
		// sides' agencies named together by their field and Turkey named as
		// one side's pair among the third parties: P 0.980 (50 of 51), R
		// 1.000, the same with the rules before that change
		// (docs/rules.md). It has no misses; its false positive is a Boston
		// archive's release of the 1962 back-channel messages between the
		// White House and the Kremlin, Cold War history whose release reads
		// as the business between the governments.
		{"unseen32", 0.98, 1.0},
	}
	for _, set := range sets {
		t.Run(set.name, func(t *testing.T) { checkFloors(t, filepath.Join(dir, set.name+".jsonl"), set.p, set.r) })
	}
}
