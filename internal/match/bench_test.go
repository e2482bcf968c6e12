package match_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedwatch/feedwatch/internal/match"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// benchTopic builds a topic of about n terms from a fixed vocabulary, in
// the same proportions an editor's topic has: mostly single words, some
// phrases, some prefixes, a few case-sensitive acronyms and exclusions.
func benchTopic(id string, n int, rng *rand.Rand) topic.Topic {
	vocab := strings.Fields(`energy oil gas pipeline refinery crude barrel opec output price
		climate emission carbon solar wind battery grid nuclear reactor uranium coal lithium
		market stock bond yield inflation rate bank central currency euro yuan export import
		shipping tanker port freight insurance tariff quota subsidy investment fund merger
		election vote parliament minister cabinet coalition party senator governor court ruling`)
	term := func(i int) string {
		w := vocab[rng.IntN(len(vocab))]
		switch i % 10 {
		case 0, 1:
			return w + " " + vocab[rng.IntN(len(vocab))] + fmt.Sprint(i)
		case 2, 3:
			return w + fmt.Sprint(i) + "*"
		case 4:
			return "=" + strings.ToUpper(w[:3]) + fmt.Sprint(i)
		default:
			return w + fmt.Sprint(i)
		}
	}
	r := match.Rules{Weights: map[string]float64{"title": 3, "summary": 1}, MinScore: 2, Near: 40}
	for i := 0; i < n/4; i++ {
		r.Any = append(r.Any, term(i))
	}
	for g := 0; g < 2; g++ {
		grp := match.Group{Name: fmt.Sprint("group", g)}
		for i := 0; i < n/3; i++ {
			grp.Terms = append(grp.Terms, term(1000*(g+1)+i))
		}
		r.All = append(r.All, grp)
	}
	for i := 0; i < n/12; i++ {
		r.Not = append(r.Not, term(5000+i))
	}
	// Plain vocabulary words too, so the benchmark text produces hits.
	r.All[0].Terms = append(r.All[0].Terms, vocab[:20]...)
	r.All[1].Terms = append(r.All[1].Terms, vocab[20:40]...)
	return topic.Topic{ID: id, Name: id, Rules: r}
}

const benchSummary = `Russia and the United States held a fresh round of talks in Istanbul on
Thursday on the work of their embassies, the foreign ministry in Moscow said, as the Kremlin signalled
that a meeting between the two presidents was still possible this year. Sergei Ryabkov, the deputy
foreign minister, told reporters that Washington had responded to some of Moscow's proposals on visas
and diplomatic property but that "the main irritants remain". The State Department described the
consultations as businesslike. Oil prices rose 2% after the talks, with Brent crude at $68 a barrel,
while the rouble firmed against the dollar on the Moscow Exchange. Analysts at several banks said the
market expected no quick change in US sanctions on Russian energy exports, which cover Rosneft and
Lukoil, and that European buyers of Russian gas would watch the next steps closely. Talks on strategic
stability and the future of New START were not on the agenda, officials said. Лавров заявил, что
Россия готова к диалогу с США на равноправной основе, а Песков добавил, что в Кремле ждут сигналов.`

func benchSet(b *testing.B) *topic.Set {
	b.Helper()
	dir, _ := os.Getwd()
	shipped, err := topic.Load(filepath.Join(dir, "..", "..", "config", "topics.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	topics := append(shipped.Topics(), benchTopic("energy", 200, rng), benchTopic("markets", 200, rng))
	set, err := topic.New(topics)
	if err != nil {
		b.Fatal(err)
	}
	return set
}

// BenchmarkMatch measures one average item (title and a 1 KB summary)
// against the shipped topic plus two generated topics of ~200 terms.
func BenchmarkMatch(b *testing.B) {
	set := benchSet(b)
	doc := match.Document{Title: "Russia, US hold embassy talks in Istanbul as Kremlin keeps summit hopes alive", Summary: benchSummary}
	if len(benchSummary) < 1000 {
		b.Fatalf("summary is %d bytes, want about 1 KB", len(benchSummary))
	}
	res := set.Match(doc)
	if len(res) != 3 || !res[0].Matched {
		b.Fatalf("benchmark item should match the shipped topic: %+v", res[0])
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(doc.Title) + len(doc.Summary)))
	for b.Loop() {
		set.Match(doc)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}
