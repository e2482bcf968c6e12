package story

import (
	"testing"
	"time"
)

// Floors a little under the measured figures (docs/digest.md): a change
// that loses precision or recall on a set fails here. They were set anew
// when the fitted model replaced the hand-set score, which had been tuned
// on the first seven sets: the model is lower on three of them (tuning,
// unseen and unseen4 precision, by about 0.04) and higher on the
// others, and on the sets neither had been fitted to when they were read
// it is higher in both (unseen6.jsonl: P 0.832 against 0.717, R 0.639
// against 0.523).
var floors = map[string]struct{ P, R float64 }{
	"tuning.jsonl":  {0.91, 0.95},
	"holdout.jsonl": {0.96, 0.99},
	"unseen.jsonl":  {0.90, 0.78},
	"unseen2.jsonl": {0.86, 0.78},
	"unseen3.jsonl": {0.84, 0.77},
	"unseen4.jsonl": {0.63, 0.69},
	"unseen5.jsonl": {0.76, 0.64},
	"unseen6.jsonl": {0.83, 0.66},
	"unseen7.jsonl": {0.78, 0.96},
}

func TestGroupingQuality(t *testing.T) {
	for _, name := range readSets {
		t.Run(name, func(t *testing.T) {
			set := arrival(loadSet(t, name), 0, 0)
			m, got := evaluate(set, Options{})
			t.Logf("%s: %v", name, m)
			if testing.Verbose() {
				t.Log("\n" + explainErrors(set, got))
			}
			// The same set arriving out of order, as a poller sees it.
			var jp, jr float64
			for seed := uint64(1); seed <= 3; seed++ {
				m, _ := evaluate(arrival(loadSet(t, name), 6*time.Hour, seed), Options{})
				jp, jr = jp+m.P/3, jr+m.R/3
			}
			t.Logf("%s, reports up to 6 h late (mean of 3 orders): P %.3f  R %.3f", name, jp, jr)
			f := floors[name]
			if m.P < f.P || m.R < f.R {
				t.Errorf("%s: precision %.3f recall %.3f, want at least %.2f and %.2f", name, m.P, m.R, f.P, f.R)
			}
		})
	}
}
