#!/usr/bin/env bash
# A day of mail: builds bench/mailday and bench/mailsink, starts mailsink on
# loopback and runs mailday against it, -runs times: 10,000 subscribers (by
# default) of us-russia over instant alerts, daily and weekly digests and
# the topic's schedule in 24 zones, a simulated day of polls with the
# dispatcher and the outbox running every minute (see bench/mailday/main.go).
# Prints mailday's figures with the load average before and after each run.
#
#   bench/mailday.sh [-runs K] [-profile DIR] [mailday flags, e.g. -subscribers 20000]
#
# -profile DIR writes a CPU profile of each run's day (DIR/mailday-RUN.prof)
# and the binary beside it for `go tool pprof DIR/mailday DIR/mailday-1.prof`.
# Results are printed; docs/performance.md ("Mail", "A day of mail")
# records runs.
set -euo pipefail

runs=1 profile=
args=()
while [ $# -gt 0 ]; do
	case "$1" in
	-runs) runs=$2; shift 2 ;;
	-profile) profile=$(realpath -m "$2"); shift 2 ;;
	*) args+=("$1"); shift ;;
	esac
done

cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/feedwatch-mailday.XXXXXX")
sink_pid=
cleanup() {
	if [ -n "$sink_pid" ]; then kill "$sink_pid" 2>/dev/null || true; wait "$sink_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/mailday" ./bench/mailday
go build -o "$work/mailsink" ./bench/mailsink
if [ -n "$profile" ]; then
	mkdir -p "$profile"
	cp "$work/mailday" "$profile/mailday"
fi

echo "machine:     $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -m | awk '/^Mem:/ { print $2 }') MB RAM, $(go version | cut -d' ' -f3)"
echo "command:     bench/mailday.sh ${args[*]} (GOGC=${GOGC:-400, the default})"
echo "The machine may be shared: CPU times and memory hold, wall times follow the load."
for run in $(seq "$runs"); do
	"$work/mailsink" >"$work/sink.log" 2>&1 &
	sink_pid=$!
	for _ in $(seq 100); do
		grep -qs '^smtp ' "$work/sink.log" && break
		sleep 0.1
	done
	smtp_addr=$(sed -n 's/^smtp //p' "$work/sink.log")
	[ -n "$smtp_addr" ] || { cat "$work/sink.log" >&2; exit 1; }
	echo
	echo "run $run: load $(cut -d' ' -f1-3 /proc/loadavg) before (1, 5, 15 min)"
	"$work/mailday" -smtp "$smtp_addr" -dir "$work" ${profile:+-cpuprofile "$profile/mailday-$run.prof"} "${args[@]}" | sed 's/^/  /'
	echo "  load:        $(cut -d' ' -f1-3 /proc/loadavg) after"
	kill "$sink_pid"
	wait "$sink_pid" || true
	sink_pid=
	sed -n 's/^\(received\)/  sink:        \1/p' "$work/sink.log"
	rm -f "$work"/feedwatch.db*
done
