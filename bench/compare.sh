#!/usr/bin/env bash
# feedwatch side by side with the feed tools people run today: newsboat,
# rss2email and feed2exec, as Debian packages them, and Miniflux, the
# self-hosted reader, built from its Go module (miniflux.app/v2, through the
# module proxy, into the temporary folder: nothing of it is kept) with
# PostgreSQL from Debian in a temporary cluster. Each polls the same
# locally served corpus (bench/feedgen: N synthetic feeds of 25 items on 64
# loopback addresses, optionally with latency) twice: a first poll where
# everything is new and a second one where every feed answers as before
# (feedgen serves ETag and Last-Modified; a tool that sends them gets 304).
# No mail is sent by anyone. For each run it prints wall time, CPU time
# (user + system) and peak RSS from GNU time, the items the tool really
# stored (counted in its own state), the full bodies and 304s feedgen served
# it, and feedwatch's figure divided by the tool's.
#
#   bench/compare.sh [-n "200 2000"] [-latency "0s 50ms"] [-jobs 16] [-tools "feedwatch newsboat rss2email feed2exec miniflux"]
#
# Every tool runs with HOME, XDG_* and its state in a temporary folder, so
# the user's own configuration and caches are never read or touched.
# Concurrency: feedwatch poll.workers = -jobs (poll.per_host 2, its
# default), newsboat reload-threads = -jobs, feed2exec --parallel -j -jobs;
# rss2email fetches one feed at a time (it has no such setting); Miniflux
# WORKER_POOL_SIZE = -jobs and BATCH_SIZE = the feed count, so that one
# `miniflux -refresh-feeds` refreshes every feed.
#
# Miniflux: its feeds are imported through its API (POST /v1/import, an
# OPML file, which stores them without fetching), its server is stopped,
# and each poll is one `miniflux -refresh-feeds`; before the second, every
# feed is made due again (next_check_at), as the others poll all feeds
# every time. Its storing is done by PostgreSQL's processes, which are not
# its children: their CPU (read from /proc for the whole cluster) is added
# to Miniflux's, and their memory is not in its peak RSS.
# docs/performance.md ("Compared with newsboat, rss2email, feed2exec and Miniflux")
# records runs.
set -euo pipefail

ns="200" latencies="0s 50ms" jobs=16 tools="feedwatch newsboat rss2email feed2exec miniflux" port=18800
miniflux_version=v2.3.5
while [ $# -gt 0 ]; do
	case "$1" in
	-n) ns=$2; shift 2 ;;
	-latency) latencies=$2; shift 2 ;;
	-jobs) jobs=$2; shift 2 ;;
	-tools) tools=$2; shift 2 ;;
	-port) port=$2; shift 2 ;;
	*) echo "usage: $0 [-n \"200 2000\"] [-latency \"0s 50ms\"] [-jobs 16] [-tools \"feedwatch newsboat rss2email feed2exec miniflux\"] [-port 18800]" >&2; exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."

. bench/lib.sh
require compare.sh newsboat:newsboat r2e:rss2email feed2exec:feed2exec sqlite3:sqlite3 curl:curl /usr/bin/time:time \
	runuser:util-linux psql:postgresql-client
case " $tools " in *" miniflux "*)
	pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	if [ -z "$pgbin" ]; then require compare.sh pg_ctlcluster:postgresql; pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); fi
	;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/feedwatch-compare.XXXXXX")
feedgen_pid=
cleanup() {
	for pgdata in "$work"/*/miniflux/pg/data; do
		[ -f "$pgdata/postmaster.pid" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1
	done
	if [ -n "$feedgen_pid" ]; then kill "$feedgen_pid" 2>/dev/null || true; wait "$feedgen_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/feedwatch" ./cmd/feedwatch
go build -o "$work/feedgen" ./bench/feedgen
case " $tools " in *" miniflux "*)
	# Built, not installed: GOBIN is the temporary folder.
	GOBIN=$work/bin GOFLAGS=-mod=mod go install "miniflux.app/v2@$miniflux_version"
	;;
esac

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

# Miniflux: a PostgreSQL cluster of its own in DIR/pg, run by the postgres
# user (initdb refuses root), reached over a Unix socket only.
miniflux_env() {
	# One word per variable: run_miniflux splits the file on white space.
	echo "DATABASE_URL=postgres://miniflux@/miniflux?host=$1/pg&port=15432&sslmode=disable" \
		"FETCHER_ALLOW_PRIVATE_NETWORKS=1 POLLING_LIMIT_PER_HOST=0 POLLING_PARSING_ERROR_LIMIT=0" \
		"WORKER_POOL_SIZE=$jobs BATCH_SIZE=$(wc -l <"$2") LOG_LEVEL=warning"
}
setup_miniflux() {
	mkdir -p "$1/pg"
	chown postgres "$1/pg"
	chmod o+x "$work" "$(dirname "$1")" "$1" # mktemp's folder is root's alone
	runuser -u postgres -- "$pgbin/initdb" -D "$1/pg/data" -A trust -U miniflux >"$1/initdb.log" 2>&1 ||
		{ echo "initdb failed:" >&2; cat "$1/initdb.log" >&2; return 1; }
	runuser -u postgres -- "$pgbin/pg_ctl" -D "$1/pg/data" -l "$1/pg/log" -w \
		-o "-k $1/pg -p 15432 -c listen_addresses=''" start >/dev/null
	psql -h "$1/pg" -p 15432 -U miniflux -d postgres -qc "CREATE DATABASE miniflux" >/dev/null
	miniflux_env "$1" "$2" >"$1/env"
	local port=$((port + 1))
	env $(cat "$1/env") RUN_MIGRATIONS=1 CREATE_ADMIN=1 ADMIN_USERNAME=bench ADMIN_PASSWORD=bench-password \
		LISTEN_ADDR="127.0.0.1:$port" POLLING_FREQUENCY=1440 "$work/bin/miniflux.app" >"$1/server.log" 2>&1 &
	local server=$!
	# Its first start runs about 130 migrations: seconds on a busy machine.
	for _ in $(seq 1800); do
		curl -sf "http://127.0.0.1:$port/healthcheck" >/dev/null && break
		kill -0 "$server" 2>/dev/null || break
		sleep 0.1
	done
	curl -sf "http://127.0.0.1:$port/healthcheck" >/dev/null || { echo "miniflux did not start:" >&2; tail "$1/server.log" >&2; return 1; }
	{
		echo '<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>bench</title></head><body>'
		awk '{ printf "<outline type=\"rss\" text=\"f%d\" xmlUrl=\"%s\"/>\n", NR, $0 }' "$2"
		echo '</body></opml>'
	} >"$1/feeds.opml"
	curl -sf -u bench:bench-password -X POST --data-binary @"$1/feeds.opml" "http://127.0.0.1:$port/v1/import" >/dev/null
	kill "$server"
	wait "$server" 2>/dev/null || true
}
run_miniflux() { env $(cat "$1/env") "$work/bin/miniflux.app" -refresh-feeds; }
count_miniflux() { psql -h "$1/pg" -p 15432 -U miniflux -d miniflux -tAc "SELECT count(*) FROM entries"; }
between_miniflux() { psql -h "$1/pg" -p 15432 -U miniflux -d miniflux -qc "UPDATE feeds SET next_check_at = now() - interval '1 minute'" >/dev/null; }
teardown_miniflux() { runuser -u postgres -- "$pgbin/pg_ctl" -D "$1/pg/data" -w stop >/dev/null; }
# cpu_miniflux DIR: CPU seconds the cluster's processes have used so far,
# those that exited included (a backend's CPU goes to the postmaster's
# children's times when it ends).
cpu_miniflux() {
	local pid tck sum=0
	pid=$(head -1 "$1/pg/data/postmaster.pid")
	tck=$(getconf CLK_TCK)
	for p in $pid $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
		# Fields after the command: utime stime cutime cstime are 12-15.
		sum=$((sum + $(sed 's/.*) //' /proc/"$p"/stat 2>/dev/null | awk '{ print $12 + $13 + $14 + $15 }' || echo 0)))
	done
	awk -v s="$sum" -v t="$tck" 'BEGIN { printf "%.2f", s / t }'
}

echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -m | awk '/^Mem:/ { print $2 }') MB RAM, $(go version | cut -d' ' -f3)"
echo "tools:   feedwatch $(git describe --always --dirty 2>/dev/null || echo dev); $(newsboat --version | head -1 | cut -d' ' -f1-2); rss2email $(r2e --version 2>&1 | awk '{ print $2 }'); feed2exec $(feed2exec --version | awk '{ print $3 }'); python $(python3 --version | cut -d' ' -f2); miniflux $miniflux_version with PostgreSQL $("${pgbin:-/nonexistent}/postgres" --version 2>/dev/null | awk '{ print $3 }')"
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
				if [ "$pass" = second ] && declare -F between_"$tool" >/dev/null; then between_"$tool" "$dir"; fi
				extra0=0
				if declare -F cpu_"$tool" >/dev/null; then extra0=$(cpu_"$tool" "$dir"); fi
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
				if declare -F cpu_"$tool" >/dev/null; then
					extra=$(awk -v a="$(cpu_"$tool" "$dir")" -v b="$extra0" 'BEGIN { printf "%.2f", a - b }')
					echo "$tool $pass: $cpu s CPU of its own, $extra s of its database's processes (added)" >>"$work/notes"
					cpu=$(awk -v c="$cpu" -v e="$extra" 'BEGIN { printf "%.2f", c + e }')
				fi
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
			if declare -F teardown_"$tool" >/dev/null; then teardown_"$tool" "$dir"; fi
		done
		unset fw
		kill "$feedgen_pid" 2>/dev/null || true
		wait "$feedgen_pid" 2>/dev/null || true
		feedgen_pid=
	done
done
if [ -f "$work/notes" ]; then
	echo
	cat "$work/notes"
fi
