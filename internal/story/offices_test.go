package story

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// A report that names a post names its holder on the report's day, in
// either language and any case form, and a post of another country or
// one whose country is not said names nobody.
func TestOffices(t *testing.T) {
	g := New(Options{})
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		text string
		at   time.Time
		want []string // names a report that gives them says
	}{
		{"Глава МИД России и госсекретарь США провели переговоры", day("2026-07-01"), []string{"Lavrov", "Rubio"}},
		{"Главы МИД России и госсекретаря США встретятся", day("2026-07-01"), []string{"Лавров", "Рубио"}},
		{"Russia's top diplomat spoke to the Secretary of State", day("2026-07-01"), []string{"Lavrov", "Rubio"}},
		{"госсекретарь США позвонил министру иностранных дел России", day("2023-03-01"), []string{"Blinken", "Lavrov"}},
		{"Russian ambassador to the United States met senators", day("2026-02-01"), []string{"Darchiev"}},
		{"посол России в США встретился с сенаторами", day("2024-02-01"), []string{"Antonov"}},
		{"спецпосланник Трампа прилетел в Москву", day("2026-02-01"), []string{"Witkoff"}},
		{"помощник Путина рассказал о звонке", time.Time{}, []string{"Ushakov"}},
		{"глава РФПИ встретился с инвесторами", day("2026-02-01"), []string{"Dmitriev"}},
		{"Pentagon chief visits Alaska", day("2026-02-01"), []string{"Hegseth"}},
		{"министр обороны России провел совещание", day("2023-02-01"), []string{"Шойгу"}},
	}
	for _, tt := range tests {
		got := g.x.features(Report{Title: tt.text, Published: tt.at})
		for _, n := range tt.want {
			want := g.x.features(Report{Title: n, Published: tt.at})
			if len(want.feats) == 0 || !got.has(want.feats[0].key) {
				t.Errorf("%q (%s): names %v, want %s (%v)", tt.text, tt.at.Format(time.DateOnly), names(got), n, names(want))
			}
			if !slices.Contains(got.heads[headWho], want.feats[0].key) {
				t.Errorf("%q: headline's who %v, want %s", tt.text, got.heads[headWho], n)
			}
		}
	}

	// Posts named without their country, or of another country, and
	// posts before the table's first holder name nobody.
	for _, tt := range []struct {
		text string
		at   time.Time
	}{
		{"Глава МИД Турции предложил площадку", day("2026-07-01")},
		{"the foreign minister said", day("2026-07-01")},
		{"госсекретарь США заявил", day("2019-01-01")},
	} {
		f := g.x.features(Report{Title: tt.text, Published: tt.at})
		if len(f.heads[headWho]) != 0 {
			t.Errorf("%q (%s): headline's who %v, want none", tt.text, tt.at.Format(time.DateOnly), f.heads[headWho])
		}
	}

	// The spokespeople's posts count as their names do: for little.
	f := g.x.features(Report{Title: "Kremlin spokesman says talks go on", Published: day("2026-07-01")})
	peskov := string(kindName) + Key("Песков")
	if !f.has(peskov) || slices.Contains(f.heads[headWho], peskov) {
		t.Errorf("Kremlin spokesman: names %v, who %v; want Peskov's key, not as who", names(f), f.heads[headWho])
	}
}

// The office table reads, and a table with a mistake says where.
func TestOfficeTable(t *testing.T) {
	a := newAliasTable(builtinAliases)
	if _, err := newOffices(officeTable, a); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ table, want string }{
		{"президент США Трамп 2025-01-20", `line 1: no " : "`},
		{"президент США : Трамп", `line 1: holder "Трамп"`},
		{"президент США : Трамп 2025-01-20, Байден 2021-01-20", "earliest first"},
		{"президент США : Дональд Трамп 2025-01-20", "want a surname"},
		{"президент США : Трамп 2025-01-20\nпрезидент США : Байден 2021-01-20", "named twice"},
	} {
		_, err := newOffices(tt.table, a)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("table %q: error %v, want one with %q", tt.table, err, tt.want)
		}
	}
}
