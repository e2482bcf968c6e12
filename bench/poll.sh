#!/usr/bin/env bash
# Polling benchmark: builds feedwatch, serves N synthetic feeds with
# bench/feedgen on loopback addresses, and runs `feedwatch poll --all` twice
# (first poll: everything new; second poll: every feed answers 304),
# measuring wall time, CPU time and peak RSS with GNU time. Then feedgen
# moves every feed on by one entry (one new at the top, the oldest gone, so
# body, ETag and hash change) and a third poll, the steady state, fetches
# them all again. Last it parses the documents of the first and the third
# poll with gofeed alone (bench/parsebare), so that each poll's CPU can be
# read as a multiple of the bare parse of what it fetched.
#
#   bench/poll.sh [-n FEEDS] [-latency 50ms] [-hosts 64] [-workers 32] [-per-host 2] [-large ENTRIES] [-profile DIR]
#
# -large ENTRIES gives the first feed that many entries instead of 25, for
# the memory a long document takes (docs/performance.md, "Memory").
#
# -profile DIR writes a CPU profile of each poll (DIR/first.prof,
# DIR/second.prof, DIR/steady.prof) through FEEDWATCH_CPUPROFILE, and the
# binary beside them for `go tool pprof DIR/feedwatch DIR/steady.prof`.
#
# Results are printed; docs/performance.md ("Polling") records runs.
set -euo pipefail

n=2000 latency=0s hosts=64 workers=32 per_host=2 port=18700 profile= large=0
while [ $# -gt 0 ]; do
	case "$1" in
	-n) n=$2; shift 2 ;;
	-latency) latency=$2; shift 2 ;;
	-hosts) hosts=$2; shift 2 ;;
	-workers) workers=$2; shift 2 ;;
	-per-host) per_host=$2; shift 2 ;;
	-large) large=$2; shift 2 ;;
	-port) port=$2; shift 2 ;;
	-profile) profile=$(realpath -m "$2"); shift 2 ;;
	*) echo "usage: $0 [-n FEEDS] [-latency 50ms] [-hosts 64] [-workers 32] [-per-host 2] [-port 18700] [-large ENTRIES] [-profile DIR]" >&2; exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."
. bench/lib.sh
require poll.sh /usr/bin/time:time

work=$(mktemp -d "${TMPDIR:-/tmp}/feedwatch-bench.XXXXXX")
feedgen_pid=
cleanup() {
	if [ -n "$feedgen_pid" ]; then kill "$feedgen_pid" 2>/dev/null || true; wait "$feedgen_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/feedwatch" ./cmd/feedwatch
go build -o "$work/feedgen" ./bench/feedgen
go build -o "$work/parsebare" ./bench/parsebare

"$work/feedgen" -n "$n" -large "$large" -hosts "$hosts" -port "$port" -latency "$latency" -workers "$workers" -per-host "$per_host" \
	-write-config "$work/feedwatch.yaml" -data-dir "$work/data" -dump-dir "$work/docs" 2>"$work/feedgen.log" &
feedgen_pid=$!
# Building and writing the documents takes a while at 100,000 feeds.
for _ in $(seq 6000); do
	[ -f "$work/feedwatch.yaml" ] && break
	kill -0 "$feedgen_pid" 2>/dev/null || { cat "$work/feedgen.log" >&2; exit 1; }
	sleep 0.1
done
[ -f "$work/feedwatch.yaml" ] || { echo "feedgen did not start" >&2; exit 1; }

# feedgen_get PATH: the last line of feedgen's answer to GET PATH, read
# with bash's /dev/tcp so that no HTTP client needs installing. /_stats
# gives the responses served so far ("200=N 304=M"); /_advance moves every
# feed on by one entry.
feedgen_get() {
	exec 3<>"/dev/tcp/127.0.0.2/$port"
	printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.2\r\n\r\n' "$1" >&3
	tail -n 1 <&3
	exec 3<&-
}
stats() { feedgen_get /_stats; }

cmd=("$work/feedwatch" poll --config "$work/feedwatch.yaml" --all --quiet)
echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -m | awk '/^Mem:/ { print $2 }') MB RAM, $(go version | cut -d' ' -f3)"
echo "feeds:   $n on $hosts loopback addresses$([ "$large" -gt 0 ] && echo ", the first with $large entries"), latency $latency, $(du -sk "$work/docs" | cut -f1) KB of documents; poll.workers $workers, poll.per_host $per_host"
# The machine may be shared: a load above the core count makes wall times
# longer, while CPU times stay comparable.
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) before the first poll"
echo "command: feedwatch poll --config feedwatch.yaml --all --quiet"
echo

if [ -n "$profile" ]; then
	mkdir -p "$profile"
	cp "$work/feedwatch" "$profile/feedwatch"
fi
for run in first second steady; do
	if [ "$run" = steady ]; then
		step=$(feedgen_get /_advance)
		[ "$step" = step=1 ] || { echo "feedgen did not advance: $step" >&2; exit 1; }
		echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) before the steady-state poll; every feed gained one entry and lost its oldest"
	fi
	if [ -n "$profile" ]; then export FEEDWATCH_CPUPROFILE="$profile/$run.prof"; fi
	/usr/bin/time -v -o "$work/time.$run" "${cmd[@]}" >"$work/out.$run" 2>"$work/err.$run" || {
		cat "$work/err.$run" "$work/time.$run" >&2
		exit 1
	}
	wall=$(field 'Elapsed (wall clock) time (h:mm:ss or m:ss)' "$work/time.$run" | seconds)
	user=$(field 'User time (seconds)' "$work/time.$run")
	sys=$(field 'System time (seconds)' "$work/time.$run")
	rss=$(field 'Maximum resident set size (kbytes)' "$work/time.$run")
	total=$(grep '^total:' "$work/out.$run")
	new=$(sed -n 's/.*items \([0-9]*\) new.*/\1/p' <<<"$total")
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	printf '%-6s poll: wall %6.2fs  cpu %6.2fs (user %s, sys %s)  peak RSS %4d MB  items stored/s %s\n' \
		"$run" "$wall" "$cpu" "$user" "$sys" $((rss / 1024)) "$(awk -v n="$new" -v w="$wall" 'BEGIN { printf "%.0f", n / w }')"
	echo "             $total"
	echo "             feedgen has served so far: $(stats)"
	eval "cpu_$run=$cpu"
done

echo
for run in first steady; do
	dir=$work/docs
	[ "$run" = steady ] && dir=$work/docs-step1
	/usr/bin/time -v -o "$work/time.bare" "$work/parsebare" -dir "$dir" >"$work/bare.$run"
	bare_cpu=$(sed -n 's/.*cpu \([0-9.]*\)s wall.*/\1/p' "$work/bare.$run")
	echo "bare parse of the $run poll's documents: $(cat "$work/bare.$run") peak RSS $(($(field 'Maximum resident set size (kbytes)' "$work/time.bare") / 1024)) MB"
	eval "bare_$run=$bare_cpu"
done
awk -v p="$cpu_first" -v b="$bare_first" 'BEGIN { printf "first poll cpu / bare gofeed parse cpu = %.2f\n", p / b }'
awk -v p="$cpu_steady" -v b="$bare_steady" 'BEGIN { printf "steady-state poll cpu / bare gofeed parse cpu = %.2f\n", p / b }'
