// Command parsebare parses every document in a folder with gofeed alone, to
// give bench/poll.sh the CPU cost of the bare parse that feedwatch's whole
// pipeline (fetch, charset, second pass, normalise, match, store) is
// compared with. It deliberately bypasses internal/parse.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/mmcdole/gofeed"
)

func main() {
	dir := flag.String("dir", "", "folder of feed documents (bench/feedgen --dump-dir)")
	rounds := flag.Int("rounds", 1, "parse every document this many times")
	flag.Parse()
	paths, err := filepath.Glob(filepath.Join(*dir, "*.xml"))
	if err != nil || len(paths) == 0 {
		log.Fatalf("parsebare: no *.xml in %q", *dir)
	}
	docs := make([][]byte, len(paths))
	for i, p := range paths {
		if docs[i], err = os.ReadFile(p); err != nil {
			log.Fatal(err)
		}
	}
	// Only the parse loop is timed: reading the files is not part of either
	// side of the comparison.
	cpu0, start := cpuTime(), time.Now()
	items := 0
	for range *rounds {
		for i, d := range docs {
			f, err := gofeed.NewParser().Parse(bytes.NewReader(d))
			if err != nil {
				log.Fatalf("parsebare: %s: %v", paths[i], err)
			}
			items += len(f.Items)
		}
	}
	cpu, wall := cpuTime()-cpu0, time.Since(start)
	fmt.Printf("parsebare: %d documents x %d rounds, %d items: cpu %.2fs wall %.2fs (cpu per round %.2fs)\n",
		len(docs), *rounds, items, cpu.Seconds(), wall.Seconds(), cpu.Seconds()/float64(*rounds))
}

// cpuTime is user+sys of this process, garbage collector included, which is
// what /usr/bin/time reports for feedwatch too.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
