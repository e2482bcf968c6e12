#!/usr/bin/env bash
# feedwatch side by side with the feed tools people run today: newsboat,
# rss2email and feed2exec, as Debian packages them. Each polls the same
# locally served corpus (bench/feedgen: N synthetic feeds of 25 items on 64
# loopback addresses, optionally with latency) twice: a first poll where
# everything is new and a second one where every feed answers as before
# (feedgen serves ETag and Last-Modified; a tool that sends them gets 304).
# No mail is sent by anyone. For each run it prints wall time, CPU time
# (user + system) and peak RSS from GNU time, the items the tool really
# stored (counted in its own state), the full bodies and 304s feedgen served
# it, and feedwatch's figure divided by the tool's.
#
#   bench/compare.sh [-n "200 2000"] [-latency "0s 50ms"] [-jobs 16] [-tools "feedwatch newsboat rss2email feed2exec"]
#
# Every tool runs with HOME, XDG_* and its state in a temporary folder, so
# the user's own configuration and caches are never read or touched.
# Concurrency: feedwatch poll.workers = -jobs (poll.per_host 2, its
# default), newsboat reload-threads = -jobs, feed2exec --parallel -j -jobs;
# rss2email fetches one feed at a time (it has no such setting).
# docs/performance.md ("Compared with newsboat, rss2email and feed2exec")
# records runs.
set -euo pipefail

ns="200" latencies="0s 50ms" jobs=16 tools="feedwatch newsboat rss2email feed2exec" port=18800
while [ $# -gt 0 ]; do
	case "$1" in
	-n) ns=$2; shift 2 ;;
	-latency) latencies=$2; shift 2 ;;
	-jobs) jobs=$2; shift 2 ;;
	-tools) tools=$2; shift 2 ;;
	-port) port=$2; shift 2 ;;
	*) echo "usage: $0 [-n \"200 2000\"] [-latency \"0s 50ms\"] [-jobs 16] [-tools \"feedwatch newsboat rss2email feed2exec\"] [-port 18800]" >&2; exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."

. bench/lib.sh
require compare.sh newsboat:newsboat r2e:rss2email feed2exec:feed2exec sqlite3:sqlite3 curl:curl /usr/bin/time:time

work=$(mktemp -d "${TMPDIR:-/tmp}/feedwatch-compare.XXXXXX")
feedgen_pid=
cleanup() {
	if [ -n "$feedgen_pid" ]; then kill "$feedgen_pid" 2>/dev/null || true; wait "$feedgen_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/feedwatch" ./cmd/feedwatch
go build -o "$work/feedgen" ./bench/feedgen

# served: feedgen's running count of full responses and 304s.
served() { curl -sf "http://127.0.0.2:$port/_stats" | tr -d '\n'; }

# setup_TOOL DIR URLS: prepare the tool's state in DIR.
# run_TOOL DIR: one poll (the command line timed).
# count_TOOL DIR: items in the tool's own state.
setup_feedwatch() { :; }
run_feedwatch() { "$work/feedwatch" poll --config "$1/../feedwatch.yaml" --all --quiet; }
count_feedwatch() { sqlite3 "$1/../fw/feedwatch.db" "SELECT count(*) FROM items"; }

setup_newsboat() {
	cp "$2" "$1/urls"
	# Every article kept, nothing shown, as many fetches at once as feedwatch.
	printf 'reload-threads %d\nmax-items 0\nkeep-articles-days 0\nshow-read-feeds yes\n' "$jobs" >"$1/config"
}
run_newsboat() { newsboat -u "$1/urls" -c "$1/cache.db" -C "$1/config" -x reload; }
count_newsboat() { sqlite3 "$1/cache.db" "SELECT count(*) FROM rss_item"; }

setup_rss2email() {
	HOME=$1 r2e -c "$1/r2e.cfg" -d "$1/r2e.json" new bench@example.invalid >/dev/null 2>&1
	awk '{ printf "[feed.f%d]\nurl = %s\n\n", NR, $0 }' "$2" >>"$1/r2e.cfg"
}
run_rss2email() { r2e -c "$1/r2e.cfg" -d "$1/r2e.json" run --no-send; }
count_rss2email() {
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(sum(len(f.get("seen", {})) for f in d["feeds"]))' "$1/r2e.json"
}

setup_feed2exec() {
	# The null output plugin does nothing with an entry; feed2exec still
	# records it as seen in its cache.
	awk '{ printf "[f%d]\nurl = %s\noutput = feed2exec.plugins.null\n\n", NR, $0 }' "$2" >"$1/feed2exec.ini"
}
run_feed2exec() { feed2exec --config "$1/feed2exec.ini" --database "$1/feed2exec.db" fetch --parallel -j "$jobs"; }
count_feed2exec() { sqlite3 "$1/feed2exec.db" "SELECT count(*) FROM feedcache"; }

echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -m | awk '/^Mem:/ { print $2 }') MB RAM, $(go version | cut -d' ' -f3)"
echo "tools:   feedwatch $(git describe --always --dirty 2>/dev/null || echo dev); $(newsboat --version | head -1 | cut -d' ' -f1-2); rss2email $(r2e --version 2>&1 | awk '{ print $2 }'); feed2exec $(feed2exec --version | awk '{ print $3 }'); python $(python3 --version | cut -d' ' -f2)"
echo "command: bench/compare.sh -n \"$ns\" -latency \"$latencies\" -jobs $jobs"
echo "corpus:  bench/feedgen, 25 items per feed (so feeds x 25 items to store), 64 loopback addresses"
echo
printf '| %5s | %7s | %-9s | %-6s | %8s | %8s | %9s | %7s | %-13s | %-28s |\n' feeds latency tool poll "wall s" "CPU s" "peak RSS" items "bodies / 304s" "feedwatch ÷ tool: wall, CPU, RSS"
printf '|%s|\n' "------:|--------:|-----------|--------|---------:|---------:|----------:|--------:|---------------|------------------------------"

for n in $ns; do
	for latency in $latencies; do
		run=$work/n$n-$latency
		mkdir -p "$run"
		"$work/feedgen" -n "$n" -hosts 64 -port "$port" -latency "$latency" -workers "$jobs" -per-host 2 \
			-write-config "$run/feedwatch.yaml" -data-dir "$run/fw" 2>"$run/feedgen.log" &
		feedgen_pid=$!
		for _ in $(seq 600); do
			[ -f "$run/feedwatch.yaml" ] && break
			kill -0 "$feedgen_pid" 2>/dev/null || { cat "$run/feedgen.log" >&2; exit 1; }
			sleep 0.1
		done
		sed -n 's/^  - url: //p' "$run/feedwatch.yaml" >"$run/urls"
		declare -A fw=()
		for tool in $tools; do
			dir=$run/$tool
			mkdir -p "$dir/home"
			setup_"$tool" "$dir" "$run/urls"
			for pass in first second; do
				t=$dir/time.$pass
				status=0
				before=$(served)
				# A clean environment: the tool's HOME and XDG folders are
				# in the temporary folder, nothing else of the user's.
				env -i PATH="$PATH" HOME="$dir/home" XDG_CONFIG_HOME="$dir/home/.config" XDG_DATA_HOME="$dir/home/.local/share" \
					XDG_CACHE_HOME="$dir/home/.cache" LANG=C.UTF-8 TERM=dumb GOCACHE="${GOCACHE:-$(go env GOCACHE)}" \
					/usr/bin/time -v -o "$t" bash -c "$(declare -f run_"$tool"); work=$work jobs=$jobs run_$tool $dir" \
					>"$dir/out.$pass" 2>"$dir/err.$pass" </dev/null || status=$?
				if [ "$status" != 0 ] || ! [ -s "$t" ]; then
					printf '| %5d | %7s | %-9s | %-6s | failed (exit %s): %s |\n' "$n" "$latency" "$tool" "$pass" "$status" \
						"$(grep -v '^\s*$' "$dir/err.$pass" | grep -v 'Command exited' | tail -1 | cut -c1-100)"
					continue
				fi
				wall=$(field 'Elapsed (wall clock) time (h:mm:ss or m:ss)' "$t" | seconds)
				cpu=$(awk -v u="$(field 'User time (seconds)' "$t")" -v s="$(field 'System time (seconds)' "$t")" 'BEGIN { printf "%.2f", u + s }')
				rss=$(($(field 'Maximum resident set size (kbytes)' "$t") / 1024))
				items=$(count_"$tool" "$dir" 2>/dev/null || echo "?")
				after=$(served)
				traffic=$(awk -v b="$before" -v a="$after" 'BEGIN {
					split(b, x, /[= ]/); split(a, y, /[= ]/); printf "%d / %d", y[2] - x[2], y[4] - x[4] }')
				if [ "$tool" = feedwatch ]; then
					fw[$pass]="$wall $cpu $rss"
					ratio="1"
				elif [ -n "${fw[$pass]:-}" ]; then
					ratio=$(awk -v f="${fw[$pass]}" -v w="$wall" -v c="$cpu" -v r="$rss" 'BEGIN {
						split(f, a, " ")
						printf "%s, %s, %s", (w > 0 ? sprintf("%.2f", a[1] / w) : "-"), (c > 0 ? sprintf("%.2f", a[2] / c) : "-"), (r > 0 ? sprintf("%.2f", a[3] / r) : "-") }')
				else
					ratio="-"
				fi
				printf '| %5d | %7s | %-9s | %-6s | %8.2f | %8.2f | %6d MB | %7s | %-13s | %-28s |\n' "$n" "$latency" "$tool" "$pass" "$wall" "$cpu" "$rss" "$items" "$traffic" "$ratio"
			done
		done
		unset fw
		kill "$feedgen_pid" 2>/dev/null || true
		wait "$feedgen_pid" 2>/dev/null || true
		feedgen_pid=
	done
done
