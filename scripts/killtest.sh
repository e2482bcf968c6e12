#!/bin/sh
# Crash and fault tests of the feedwatch binary (see docs/reliability.md):
# kill -9 of `feedwatch run` at random moments during polls and digest
# sending, concurrent writers, a read-only database and a full disk.
#
#   scripts/killtest.sh                                # 20 kills
#   FEEDWATCH_KILLTEST_TRIALS=50 scripts/killtest.sh
#   FEEDWATCH_KILLTEST_SEED=123 scripts/killtest.sh    # repeat a run's kill times
#
# The disk-full case mounts a tmpfs and the read-only case drops to the
# nobody user, so run it as root for all of them; otherwise those skip and
# say why. Every test prints a SUMMARY line with its figures; the full
# output is kept in $TMPDIR/feedwatch-killtest.log.
set -eu
cd "$(dirname "$0")/.."
export FEEDWATCH_KILLTEST=1
export FEEDWATCH_KILLTEST_TRIALS="${FEEDWATCH_KILLTEST_TRIALS:-20}"
log="${TMPDIR:-/tmp}/feedwatch-killtest.log"
status=0
${GO:-go} test ./cmd/feedwatch -count=1 -v -timeout 30m \
	-run '^(TestKillDaemon|TestConcurrentWriters|TestReadOnlyDatabase|TestDiskFull)$' >"$log" 2>&1 || status=$?
grep -E '^(--- |PASS|FAIL|ok)|SUMMARY|trial |seed ' "$log" | cut -c1-400
exit $status
