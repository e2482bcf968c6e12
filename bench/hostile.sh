#!/usr/bin/env bash
# Memory of polls with the shipped defaults over the hostile-server cases:
# builds feedwatch and internal/hostile/serve (1,000 healthy feeds and every
# hostile case: 100,000 entries, 1 MB titles, a 16 MiB body, gzip bombs,
# endless and trickling responses, …) and runs `feedwatch poll --all` over
# them with GNU time, once with the default memory_limit and once with the
# limit given by -compare (default 0: none), so the limit's effect shows.
#
#   bench/hostile.sh [-runs 2] [-compare 0]
#
# docs/performance.md ("Memory") records runs.
set -euo pipefail

runs=2 compare=0
while [ $# -gt 0 ]; do
	case "$1" in
	-runs) runs=$2; shift 2 ;;
	-compare) compare=$2; shift 2 ;;
	*) echo "usage: $0 [-runs 2] [-compare 0]" >&2; exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."
. bench/lib.sh
require hostile.sh /usr/bin/time:time

work=$(mktemp -d "${TMPDIR:-/tmp}/feedwatch-hostile.XXXXXX")
serve_pid=
cleanup() {
	if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/feedwatch" ./cmd/feedwatch
go build -o "$work/serve" ./internal/hostile/serve
"$work/serve" -healthy 1000 -feeds-out "$work/feeds.yaml" >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 600); do
	[ -s "$work/feeds.yaml" ] && break
	kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
	sleep 0.1
done

echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores, $(free -m | awk '/^Mem:/ { print $2 }') MB RAM, $(go version | cut -d' ' -f3)"
echo "feeds:   1000 healthy and $(grep -c '#' "$work/serve.log") hostile (internal/hostile); shipped defaults otherwise"
echo "command: feedwatch poll --config feedwatch.yaml --all --quiet, a new database each run"
for limit in default "$compare"; do
	for run in $(seq "$runs"); do
		rm -rf "$work/data"
		{
			echo "data_dir: $work/data"
			echo "log: {level: error, format: text}"
			echo 'web: {listen: ""}'
			[ "$limit" != default ] && echo "memory_limit: $limit"
			cat "$work/feeds.yaml"
		} >"$work/feedwatch.yaml"
		load=$(cut -d' ' -f1 /proc/loadavg)
		/usr/bin/time -v -o "$work/time" "$work/feedwatch" poll --config "$work/feedwatch.yaml" --all --quiet >"$work/out" 2>"$work/err" || true
		wall=$(field 'Elapsed (wall clock) time (h:mm:ss or m:ss)' "$work/time" | seconds)
		cpu=$(awk -v u="$(field 'User time (seconds)' "$work/time")" -v s="$(field 'System time (seconds)' "$work/time")" 'BEGIN { printf "%.2f", u + s }')
		rss=$(($(field 'Maximum resident set size (kbytes)' "$work/time") / 1024))
		printf 'memory_limit %-8s run %d: load %s  wall %6.2fs  cpu %6.2fs  peak RSS %4d MB  %s\n' \
			"$limit" "$run" "$load" "$wall" "$cpu" "$rss" "$(grep '^total:' "$work/out" || tail -1 "$work/err")"
	done
done
