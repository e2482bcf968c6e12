// Command serve runs a hostile.Set until interrupted, for bench scripts and
// manual runs against the binary:
//
//	go run ./internal/hostile/serve -healthy 1000 -feeds-out /tmp/feeds.yaml
//
// It writes the feeds as a "feeds:" block for a feedwatch config file (the
// healthy ones, then every hostile case unless -no-hostile) and prints one
// line per hostile case. The binary refuses every redirect hop to a
// loopback address, so there the multi-hop redirect cases end as refused
// redirects rather than as loops (the ingest test allows 127.0.1.0/24 to
// reach the loops).
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/feedwatch/feedwatch/internal/hostile"
)

func main() {
	healthy := flag.Int("healthy", 1000, "healthy feeds to serve")
	hosts := flag.Int("hosts", 100, "loopback addresses to spread the healthy feeds over")
	items := flag.Int("items", 3, "items per healthy feed")
	noHostile := flag.Bool("no-hostile", false, "leave the hostile cases out of -feeds-out")
	out := flag.String("feeds-out", "", "write a feeds: block for a config file here")
	flag.Parse()

	set, err := hostile.Start(hostile.Options{HealthyFeeds: *healthy, HealthyHosts: *hosts, ItemsPerFeed: *items})
	if err != nil {
		log.Fatal(err)
	}
	defer set.Close()
	var b strings.Builder
	b.WriteString("feeds:\n")
	for _, u := range set.Healthy() {
		fmt.Fprintf(&b, "  - url: %s\n", u)
	}
	for _, name := range hostile.Names() {
		u := set.Hostile()[name]
		fmt.Printf("%-26s %s  # %s\n", name, u, hostile.Describe(name))
		if !*noHostile {
			fmt.Fprintf(&b, "  - url: %s\n", u)
		}
	}
	if *out != "" {
		if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("serving %d healthy feeds and %d hostile cases; Ctrl-C stops\n", len(set.Healthy()), len(set.Hostile()))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
}
