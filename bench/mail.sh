#!/usr/bin/env bash
# Mail benchmark: builds feedwatch and bench/mailsink, makes a database with
# N active subscribers of the built-in us-russia topic and one polled feed of
# 20 relevant stories, then measures `feedwatch digest` with GNU time: it
# renders one digest per subscriber, records them in the outbox a chunk of
# subscribers per transaction and, once all are queued, hands every message
# over one kept-open SMTP connection to
# mailsink on loopback. Prints messages per second, CPU per message and peak
# RSS; mailsink adds its own count and the rate of the sending phase alone.
#
#   bench/mail.sh [-n SUBSCRIBERS]
#
# Needs GNU time and the sqlite3 shell (installed when run as root): 10,000
# `subscribers add` processes would take minutes, so the rows are inserted
# with SQL after one `subscribers add` has created the schema. Results are
# printed; docs/performance.md ("Mail") records runs.
set -euo pipefail

n=10000
while [ $# -gt 0 ]; do
	case "$1" in
	-n) n=$2; shift 2 ;;
	*) echo "usage: $0 [-n SUBSCRIBERS]" >&2; exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."

. bench/lib.sh
require mail.sh /usr/bin/time:time sqlite3:sqlite3

work=$(mktemp -d "${TMPDIR:-/tmp}/feedwatch-mailbench.XXXXXX")
sink_pid=
cleanup() {
	if [ -n "$sink_pid" ]; then kill "$sink_pid" 2>/dev/null || true; wait "$sink_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/feedwatch" ./cmd/feedwatch
go build -o "$work/mailsink" ./bench/mailsink

# One feed of 20 distinct stories that all match us-russia, each with a
# summary of a realistic length, so each digest is the size of a busy day.
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<rss version="2.0"><channel><title>Bench Wire</title><link>https://wire.example/</link><description>mail benchmark</description>'
	i=0
	while IFS= read -r title; do
		i=$((i + 1))
		echo "<item><title>$title</title><link>https://wire.example/story/$i</link><guid>bench-$i</guid>"
		echo "<pubDate>$(date -u -R)</pubDate>"
		echo "<description>&lt;p&gt;$title, officials in Moscow and Washington said on Tuesday. The talks, the first at this level for months, covered sanctions, embassy staffing and the future of arms control. &lt;a href=\"https://wire.example/story/$i#more\"&gt;Diplomats&lt;/a&gt; on both sides described the meeting as businesslike but said no agreement was reached.&lt;/p&gt;</description></item>"
	done <<-'EOF'
	Kremlin and White House agree to resume arms control talks
	Lavrov and Rubio meet in Riyadh to discuss embassy staffing
	US Treasury announces new sanctions on Russian oil exports
	Russia expels two American diplomats in retaliation
	Putin and Trump hold a two-hour phone call on a ceasefire
	Moscow court sentences US citizen to 12 years in prison
	Russian ambassador to the United States summoned to the State Department
	Pentagon says a Russian satellite approached a US satellite
	New START expiry looms as Moscow and Washington trade proposals
	Prisoner swap frees American journalist held in Russia
	Senate votes to extend export controls on Russian technology
	Kremlin accuses CIA of plotting cyber attacks on Russian banks
	FBI charges Russian hackers with election interference
	US and Russian delegations meet in Istanbul for consular talks
	Witkoff travels to Moscow for a meeting with Putin
	Russia warns Washington over missile deployment in Europe
	Gazprom assets frozen under new US sanctions package
	American and Russian officials agree to restore direct flights
	Ryabkov says dialogue with the US on strategic stability is frozen
	Russia vetoes US resolution at the UN Security Council
	EOF
	echo '</channel></rss>'
} >"$work/feed.xml"

"$work/mailsink" -feed "$work/feed.xml" >"$work/sink.log" 2>&1 &
sink_pid=$!
for _ in $(seq 100); do
	grep -qs '^feed ' "$work/sink.log" && break
	sleep 0.1
done
smtp_addr=$(sed -n 's/^smtp //p' "$work/sink.log")
feed_url=$(sed -n 's/^feed //p' "$work/sink.log")
[ -n "$smtp_addr" ] && [ -n "$feed_url" ] || { cat "$work/sink.log" >&2; exit 1; }

cat >"$work/feedwatch.yaml" <<EOF
data_dir: $work/data
topics_file: ""
log: {level: warn, format: text}
feeds:
  - url: $feed_url
mail:
  from: "feedwatch bench <digest@bench.example.org>"
  smtp: {host: ${smtp_addr%:*}, port: ${smtp_addr##*:}, tls: none, timeout: 30s}
web: {listen: "", base_url: "https://news.bench.example.org"}
EOF
fw=("$work/feedwatch")
cfg=(--config "$work/feedwatch.yaml")

"${fw[@]}" subscribers add reader00001@bench.example.net --topic us-russia "${cfg[@]}" >/dev/null
sqlite3 "$work/data/feedwatch.db" <<EOF
BEGIN;
WITH RECURSIVE seq(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM seq WHERE i < $n)
INSERT INTO subscribers (email, name, time_zone, created_at)
SELECT printf('reader%05d@bench.example.net', i), printf('Reader %d', i), 'Europe/Berlin', strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM seq;
INSERT INTO subscriptions (subscriber_id, topic_id, status, created_at, confirmed_at, changed_at)
SELECT id, 'us-russia', 'active', created_at, created_at, created_at FROM subscribers WHERE id NOT IN (SELECT subscriber_id FROM subscriptions);
COMMIT;
EOF
"${fw[@]}" poll "${cfg[@]}" --quiet >/dev/null

echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -m | awk '/^Mem:/ { print $2 }') MB RAM, $(go version | cut -d' ' -f3)"
echo "setup:   $n active subscribers of us-russia, one feed of 20 matching stories, SMTP sink on $smtp_addr (tls: none)"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) before the run: wall times on a busy machine are long, CPU times hold"
echo "command: feedwatch digest --now --config feedwatch.yaml"
echo

# sample PID: every 0.1 s, the time and the CPU ticks the process has used,
# so the CPU can be split at the moment the first message reached the sink.
sample() {
	while [ -r "/proc/$1/stat" ]; do
		echo "$(date +%s.%N) $(awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null)"
		sleep 0.1
	done >"$work/cpu.samples"
}

start_unix=$(date +%s.%N)
/usr/bin/time -v -o "$work/time" "${fw[@]}" digest --now "${cfg[@]}" >"$work/out" 2>"$work/err" &
time_pid=$!
fw_pid=
for _ in $(seq 100); do
	fw_pid=$(pgrep -P "$time_pid" || true)
	[ -n "$fw_pid" ] && break
	sleep 0.01
done
[ -n "$fw_pid" ] && sample "$fw_pid" &
sampler_pid=$!
wait "$time_pid" || {
	cat "$work/out" "$work/err" "$work/time" >&2
	exit 1
}
wait "$sampler_pid" || true
kill "$sink_pid"
wait "$sink_pid" || true
sink_pid=

wall=$(field 'Elapsed (wall clock) time (h:mm:ss or m:ss)' "$work/time" | seconds)
user=$(field 'User time (seconds)' "$work/time")
sys=$(field 'System time (seconds)' "$work/time")
rss=$(field 'Maximum resident set size (kbytes)' "$work/time")
sent=$(sed -n 's/^outbox: \([0-9]*\) sent.*/\1/p' "$work/out")
db_kb=$(du -sk "$work/data" | cut -f1)
first_unix=$(sed -n 's/^first_unix //p' "$work/sink.log")
last_unix=$(sed -n 's/^last_unix //p' "$work/sink.log")
# CPU seconds used before the first message arrived: the last sample before it.
render_cpu=$(awk -v first="$first_unix" -v hz="$(getconf CLK_TCK)" '$1 <= first && $2 != "" { t = $2 } END { printf "%.2f", t / hz }' "$work/cpu.samples")

sed 's/^/feedwatch: /' "$work/out"
sed -n 's/^\(received\|first to\)/sink:      \1/p' "$work/sink.log"
echo
awk -v n="$sent" -v wall="$wall" -v user="$user" -v sys="$sys" -v rss="$rss" -v db="$db_kb" \
	-v start="$start_unix" -v first="$first_unix" -v last="$last_unix" -v rcpu="$render_cpu" 'BEGIN {
	printf "messages:        %d sent in %.2f s wall = %.0f messages/s (render, queue and send)\n", n, wall, n / wall
	printf "phases:          %.1f s start to first message (render and queue %d), %.1f s sending = %.0f messages/s\n", first - start, n, last - first, (n - 1) / (last - first)
	printf "CPU:             %.2f s user + %.2f s sys = %.3f ms per message\n", user, sys, (user + sys) * 1000 / n
	printf "CPU by phase:    %.2f s to render and queue (%.3f ms per message), %.2f s to send (%.3f ms per message)\n", rcpu, rcpu * 1000 / n, user + sys - rcpu, (user + sys - rcpu) * 1000 / n
	printf "peak RSS:        %.0f MB\n", rss / 1024
	printf "database after:  %.0f MB\n", db / 1024
}'
[ "$sent" = "$n" ] || { echo "sent $sent of $n" >&2; exit 1; }
