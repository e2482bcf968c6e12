package topic

import (
	"fmt"
	"os"
	"testing"
)

func TestZZDebug(t *testing.T) {
	path := os.Getenv("DBG")
	if path == "" {
		t.Skip()
	}
	s := loadShipped(t)
	for _, it := range readLabels(t, path) {
		r, _ := s.MatchTopic("us-russia", it.Document())
		mark := " "
		if r.Matched != it.Relevant {
			mark = "X"
		}
		fmt.Printf("%s %s %v %s | %s\n", mark, it.ID, it.Relevant, it.Title, r.Reason)
	}
}
