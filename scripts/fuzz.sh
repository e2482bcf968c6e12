#!/bin/sh
# Runs every fuzz target of feedwatch for a bounded time each.
#
#   scripts/fuzz.sh                  # each target for $FUZZTIME (default 30s)
#   FUZZTIME=60s scripts/fuzz.sh     # longer
#   scripts/fuzz.sh FuzzRenderDigest # only the targets named
#
# New failing inputs are written by `go test` to the package's
# testdata/fuzz/<FuzzName>/ and then run as ordinary tests by `go test ./...`:
# fix the bug and keep the file as a regression seed. FUZZPARALLEL limits the
# fuzzing workers (default: all cores); FUZZMINIMIZETIME is explained below.
set -eu
cd "$(dirname "$0")/.."

FUZZTIME=${FUZZTIME:-30s}
# Each new interesting input is minimised first, by default for up to 60s,
# during which a worker fuzzes nothing: with one or two workers a 60s run
# then spends most of its time minimising. A crasher is still minimised for
# this long, which is plenty for feed documents and rule files.
FUZZMINIMIZETIME=${FUZZMINIMIZETIME:-2s}
GO=${GO:-go}
parallel=""
if [ -n "${FUZZPARALLEL:-}" ]; then
	parallel="-parallel=$FUZZPARALLEL"
fi

# package target
targets="
./internal/parse FuzzParse
./internal/normalize FuzzNormalize
./internal/normalize FuzzText
./internal/match FuzzMatch
./internal/match FuzzParseTerm
./internal/topic FuzzCompile
./internal/topic FuzzRulesMatch
./internal/render FuzzRenderDigest
./internal/render FuzzSanitizeSummary
./internal/story FuzzAdd
"

failed=0
echo "$targets" | while read -r pkg name; do
	[ -n "$pkg" ] || continue
	if [ $# -gt 0 ]; then
		case " $* " in *" $name "*) ;; *) continue ;; esac
	fi
	echo "== $name ($pkg) for $FUZZTIME"
	# -run '^$' skips the ordinary tests; the fuzz target runs its seed
	# corpus first and then mutates.
	if ! $GO test "$pkg" -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$FUZZMINIMIZETIME" $parallel; then
		echo "!! $name found a failure; see $pkg/testdata/fuzz/$name/"
		failed=1
		# Keep going so that one run reports every target.
	fi
	# The while loop runs in a subshell; carry the status out through a file.
	[ $failed -eq 0 ] || : > "${TMPDIR:-/tmp}/feedwatch-fuzz-failed.$$"
done
if [ -e "${TMPDIR:-/tmp}/feedwatch-fuzz-failed.$$" ]; then
	rm -f "${TMPDIR:-/tmp}/feedwatch-fuzz-failed.$$"
	exit 1
fi
