#!/usr/bin/env bash
# Mail benchmark: builds feedwatch and bench/mailsink, makes a database with
# N active subscribers of the built-in us-russia topic, places them (one
# `feedwatch digest` before anything matched, as the daemon's first dispatch
# after they signed up would), polls one feed of 20 distinct relevant
# stories, and then measures `feedwatch digest --now` with GNU time: it
# plans and renders one mail per subscriber, records them in the outbox a
# chunk of subscribers per transaction and, once all are queued, hands
# every message over one kept-open SMTP connection to mailsink on loopback.
#
#   bench/mail.sh [-n SUBSCRIBERS[,SUBSCRIBERS...]] [-runs K] [-profile DIR]
#
# Each run starts from a copy of the same placed database. It prints CPU
# per message (user + sys, and split at the moment the first message
# reached the sink: render and queue, then send), peak RSS (and the peak of
# each phase, from a sampler that reads the process every 0.1 s), messages
# per second and wall time, with the load average before and after; then
# one line per run to compare them. The placing run's CPU and peak RSS are
# printed too. The machine may be shared: CPU times and memory hold, wall
# times and rates follow the load.
#
# -profile DIR writes a CPU profile of each measured run
# (DIR/mail-N-RUN.prof, through FEEDWATCH_CPUPROFILE) and the binary beside
# them for `go tool pprof DIR/feedwatch DIR/mail-N-RUN.prof`. KEEP_WORK=1
# in the environment keeps the work folder (databases, GNU time's and the
# sampler's output) and prints where it is.
#
# Needs GNU time and the sqlite3 shell (installed when run as root): 10,000
# `subscribers add` processes would take minutes, so the rows are inserted
# with SQL after one `subscribers add` has created the schema. Results are
# printed; docs/performance.md ("Mail") records runs.
set -euo pipefail

sizes=10000 runs=1 profile=
while [ $# -gt 0 ]; do
	case "$1" in
	-n) sizes=$2; shift 2 ;;
	-runs) runs=$2; shift 2 ;;
	-profile) profile=$(realpath -m "$2"); shift 2 ;;
	*) echo "usage: $0 [-n SUBSCRIBERS[,SUBSCRIBERS...]] [-runs K] [-profile DIR]" >&2; exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."

. bench/lib.sh
require mail.sh /usr/bin/time:time sqlite3:sqlite3

work=$(mktemp -d "${TMPDIR:-/tmp}/feedwatch-mailbench.XXXXXX")
sink_pid=
cleanup() {
	if [ -n "$sink_pid" ]; then kill "$sink_pid" 2>/dev/null || true; wait "$sink_pid" 2>/dev/null || true; fi
	[ -n "${KEEP_WORK:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/feedwatch" ./cmd/feedwatch
go build -o "$work/mailsink" ./bench/mailsink
if [ -n "$profile" ]; then
	mkdir -p "$profile"
	cp "$work/feedwatch" "$profile/feedwatch"
fi

# One feed of 20 reports that all match us-russia, each about an event of
# its own, each with a summary of a realistic length. Grouping puts some
# of them together (docs/digest.md, "Limits": distinct events from one
# outlet within hours); every report is in the digest either way, as a
# headline or under one, which is what the message's size follows.
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<rss version="2.0"><channel><title>Bench Wire</title><link>https://wire.example/</link><description>mail benchmark</description>'
	i=0
	while IFS='|' read -r title summary; do
		i=$((i + 1))
		echo "<item><title>$title</title><link>https://wire.example/story/$i</link><guid>bench-$i</guid>"
		echo "<pubDate>$(date -u -R -d "-$i hours")</pubDate>"
		echo "<description>&lt;p&gt;$summary &lt;a href=\"https://wire.example/story/$i#more\"&gt;More&lt;/a&gt;&lt;/p&gt;</description></item>"
	done <<-'EOF'
	Kremlin and White House agree to resume arms control talks|Negotiators will meet in Vienna next month to discuss limits on deployed warheads, the first such round since the treaty's inspections were suspended.
	Lavrov and Rubio meet in Riyadh to discuss embassy staffing|The foreign ministers spent three hours on visas, bank accounts for diplomats and the return of seized consular property in San Francisco and Seattle.
	US Treasury announces new sanctions on Russian oil exports|Tankers of the shadow fleet and two trading houses in Dubai were added to the list; the price cap on crude is lowered to forty-five dollars a barrel.
	Russia expels two American diplomats in retaliation|The foreign ministry gave a political officer and a defence attaché seven days to leave Moscow after Washington expelled two Russian staff last week.
	Putin and Trump hold a two-hour phone call on a ceasefire|Both presidents' offices described the conversation as frank; energy infrastructure strikes and prisoner numbers were on the agenda, according to aides.
	Moscow court sentences US citizen to 12 years in prison|A former schoolteacher from Pennsylvania was convicted of smuggling after customs officers found cannabis oil in his luggage at Sheremetyevo airport.
	Russian ambassador to the United States summoned to the State Department|Officials handed Ambassador Darchiev a formal protest over the harassment of American reporters accredited in Moscow and Saint Petersburg.
	Pentagon says a Russian satellite approached a US satellite|Space Command tracked the object within a few kilometres of a reconnaissance satellite in low orbit and called the manoeuvre reckless and unprofessional.
	New START expiry looms as Moscow and Washington trade proposals|Ryabkov offered a one-year freeze on central limits while American negotiators want new heavy bombers and hypersonic systems counted as well.
	Prisoner swap frees American journalist held in Russia|The reporter landed at Andrews air base after an exchange in Ankara that also freed a Russian businessman convicted of fraud in New York.
	Senate votes to extend export controls on Russian technology|The bill passed seventy-eight to twenty and covers microchips, machine tools and drone engines shipped through Central Asian intermediaries.
	Kremlin accuses CIA of plotting cyber attacks on Russian banks|Peskov said intelligence services had uncovered malware aimed at Sberbank payment systems and demanded an explanation from the American embassy.
	FBI charges Russian hackers with election interference|An indictment unsealed in Pittsburgh names six officers of military intelligence accused of breaking into county voter registration databases.
	US and Russian delegations meet in Istanbul for consular talks|The second round at the Turkish foreign ministry ended without agreement on diplomatic property but with progress on visa processing times.
	Witkoff travels to Moscow for a meeting with Putin|The special envoy was received at the Kremlin for four hours and brought a written proposal on a maritime truce in the Black Sea.
	Russia warns Washington over missile deployment in Europe|Deputy foreign minister Grushko said stationing intermediate-range launchers in Germany would make those sites legitimate targets for Russian forces.
	Gazprom assets frozen under new US sanctions package|Accounts of the company's trading arm in Singapore and London were blocked, and banks have thirty days to wind down remaining transactions.
	Aeroflot may return to New York as regulators weigh direct flights|Aeroflot could fly to New York again from spring if regulators approve, while American carriers want overflight rights across Siberia in return.
	Ryabkov calls strategic stability dialogue frozen after Alaska deployments|Speaking to Kommersant, the deputy minister blamed new deployments in Alaska and said no working group had met since the summer.
	Russia vetoes US draft on humanitarian access at the Security Council|The draft demanded humanitarian access to occupied areas; China abstained and eleven members voted in favour after a long and bitter debate.
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
kill "$sink_pid"
wait "$sink_pid" || true
sink_pid=

# start_sink: a fresh mailsink for one run, on the SMTP port the
# configuration names.
start_sink() {
	"$work/mailsink" -listen "$smtp_addr" -feed "$work/feed.xml" >"$work/sink.log" 2>&1 &
	sink_pid=$!
	for _ in $(seq 100); do
		grep -qs '^feed ' "$work/sink.log" && return 0
		sleep 0.1
	done
	cat "$work/sink.log" >&2
	exit 1
}
stop_sink() {
	kill "$sink_pid"
	wait "$sink_pid" || true
	sink_pid=
}

cat >"$work/feedwatch.yaml" <<EOF
data_dir: $work/data
topics_file: ""
log: {level: warn, format: text}
feeds:
  - url: FEED_URL
mail:
  from: "feedwatch bench <digest@bench.example.org>"
  smtp: {host: ${smtp_addr%:*}, port: ${smtp_addr##*:}, tls: none, timeout: 30s}
web: {listen: "", base_url: "https://news.bench.example.org"}
EOF
fw=("$work/feedwatch")
cfg=(--config "$work/feedwatch.yaml")

# sample PID FILE: every 0.1 s, the time, the CPU ticks the process has
# used and its resident memory, so that CPU and memory can be split at the
# moment the first message reached the sink.
sample() {
	while [ -r "/proc/$1/stat" ]; do
		echo "$(date +%s.%N) $(awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null) $(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null)"
		sleep 0.1
	done >"$2"
}

# timed NAME COMMAND...: runs a feedwatch command under GNU time and the
# sampler; fails with its output when it fails.
timed() {
	local name=$1
	shift
	/usr/bin/time -v -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err" &
	local time_pid=$! fw_pid= sampler_pid=
	for _ in $(seq 200); do
		fw_pid=$(pgrep -P "$time_pid" || true)
		[ -n "$fw_pid" ] && break
		sleep 0.01
	done
	[ -n "$fw_pid" ] && sample "$fw_pid" "$work/$name.samples" &
	sampler_pid=$!
	wait "$time_pid" || {
		cat "$work/$name.out" "$work/$name.err" "$work/$name.time" >&2
		exit 1
	}
	wait "$sampler_pid" || true
}

echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -m | awk '/^Mem:/ { print $2 }') MB RAM, $(go version | cut -d' ' -f3)"
echo "command: feedwatch digest --now --config feedwatch.yaml (GOGC=${GOGC:-400, the default})"
echo "The machine may be shared: CPU times and memory hold, wall times and rates follow the load."

summary=()
for n in ${sizes//,/ }; do
	rm -rf "$work/data"
	start_sink
	sed -i "s|^  - url: .*|  - url: $(sed -n 's/^feed //p' "$work/sink.log")|" "$work/feedwatch.yaml"
	"${fw[@]}" subscribers add reader00001@bench.example.net --topic us-russia "${cfg[@]}" >/dev/null
	# Rows as `subscribers add` makes them: active, following the topic's
	# schedule, cursor and next delivery time still to be worked out.
	sqlite3 "$work/data/feedwatch.db" <<-EOF
	BEGIN;
	WITH RECURSIVE seq(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM seq WHERE i < $n)
	INSERT INTO subscribers (email, name, time_zone, created_at)
	SELECT printf('reader%06d@bench.example.net', i), printf('Reader %d', i), 'Europe/Berlin', strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM seq;
	INSERT INTO subscriptions (subscriber_id, topic_id, status, created_at, confirmed_at, changed_at, cursor_seq, next_at)
	SELECT id, 'us-russia', 'active', created_at, created_at, created_at, -1, '' FROM subscribers WHERE id NOT IN (SELECT subscriber_id FROM subscriptions);
	COMMIT;
	EOF
	# Nothing has matched yet: this only places the subscriptions.
	timed place "${fw[@]}" digest "${cfg[@]}"
	"${fw[@]}" poll "${cfg[@]}" --quiet >/dev/null
	stop_sink
	preview=$("${fw[@]}" digest --preview --json "${cfg[@]}")
	stories=$(grep -o '"title":"[^"]*","link":"https://wire.example/story/[0-9]*","items"' <<<"$preview" | wc -l)
	items=$(grep -o '"link":"https://wire.example/story/[0-9]*","source"' <<<"$preview" | wc -l)
	if [ "$items" != 20 ]; then
		echo "the digest holds $items of the bench feed's 20 reports" >&2
		echo "$preview" >&2
		exit 1
	fi
	sqlite3 "$work/data/feedwatch.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
	rm -rf "$work/placed"
	cp -r "$work/data" "$work/placed"

	echo
	echo "== $n active subscribers of us-russia, all in Europe/Berlin; one feed of 20 matching reports of distinct events, grouped into $stories stories; SMTP sink on $smtp_addr (tls: none)"
	awk -v n="$n" -v user="$(field 'User time (seconds)' "$work/place.time")" -v sys="$(field 'System time (seconds)' "$work/place.time")" \
		-v rss="$(field 'Maximum resident set size (kbytes)' "$work/place.time")" 'BEGIN {
		printf "placing:         `feedwatch digest` before any match placed %d new subscriptions: %.2f s CPU (%.3f ms each), peak RSS %.0f MB\n", n, user + sys, (user + sys) * 1000 / n, rss / 1024
	}'
	for run in $(seq "$runs"); do
		rm -rf "$work/data"
		cp -r "$work/placed" "$work/data"
		start_sink
		load_before=$(cut -d' ' -f1-3 /proc/loadavg)
		start_unix=$(date +%s.%N)
		if [ -n "$profile" ]; then
			timed digest env FEEDWATCH_CPUPROFILE="$profile/mail-$n-$run.prof" "${fw[@]}" digest --now "${cfg[@]}"
		else
			timed digest "${fw[@]}" digest --now "${cfg[@]}"
		fi
		load_after=$(cut -d' ' -f1-3 /proc/loadavg)
		stop_sink

		wall=$(field 'Elapsed (wall clock) time (h:mm:ss or m:ss)' "$work/digest.time" | seconds)
		user=$(field 'User time (seconds)' "$work/digest.time")
		sys=$(field 'System time (seconds)' "$work/digest.time")
		rss=$(field 'Maximum resident set size (kbytes)' "$work/digest.time")
		sent=$(sed -n 's/^outbox: \([0-9]*\) sent.*/\1/p' "$work/digest.out")
		db_kb=$(du -sk "$work/data" | cut -f1)
		first_unix=$(sed -n 's/^first_unix //p' "$work/sink.log")
		last_unix=$(sed -n 's/^last_unix //p' "$work/sink.log")
		per_msg=$(sed -n 's/^received [0-9]* messages, [0-9]* bytes (\([0-9]*\) per message).*/\1/p' "$work/sink.log")
		# CPU used and the highest RSS seen before the first message
		# arrived, from the samples up to it.
		read -r render_cpu render_rss send_rss < <(awk -v first="$first_unix" -v hz="$(getconf CLK_TCK)" '
			$2 == "" { next }
			$1 <= first { t = $2; if ($3 > a) a = $3; next }
			{ if ($3 > b) b = $3 }
			END { printf "%.2f %.0f %.0f\n", t / hz, a / 1024, b / 1024 }' "$work/digest.samples")

		echo
		echo "run $run: load $load_before before, $load_after after (1, 5, 15 min)"
		sed 's/^/  feedwatch: /' "$work/digest.out"
		sed -n 's/^\(received\|first to\)/  sink:      \1/p' "$work/sink.log"
		awk -v n="$sent" -v wall="$wall" -v user="$user" -v sys="$sys" -v rss="$rss" -v db="$db_kb" \
			-v start="$start_unix" -v first="$first_unix" -v last="$last_unix" -v rcpu="$render_cpu" \
			-v rrss="$render_rss" -v srss="$send_rss" -v size="$per_msg" 'BEGIN {
			printf "  messages:        %d of %d bytes sent in %.1f s wall = %.0f messages/s (render, queue and send)\n", n, size, wall, n / wall
			printf "  phases:          %.1f s start to first message (render and queue), %.1f s sending = %.0f messages/s\n", first - start, last - first, (n - 1) / (last - first)
			printf "  CPU:             %.2f s user + %.2f s sys = %.3f ms per message\n", user, sys, (user + sys) * 1000 / n
			printf "  CPU by phase:    %.2f s to render and queue (%.3f ms per message), %.2f s to send (%.3f ms per message)\n", rcpu, rcpu * 1000 / n, user + sys - rcpu, (user + sys - rcpu) * 1000 / n
			printf "  peak RSS:        %.0f MB (sampled: %.0f MB rendering and queueing, %.0f MB sending)\n", rss / 1024, rrss, srss
			printf "  database after:  %.0f MB\n", db / 1024
		}'
		summary+=("$(awk -v n="$sent" -v wall="$wall" -v user="$user" -v sys="$sys" -v rss="$rss" \
			-v first="$first_unix" -v last="$last_unix" -v rcpu="$render_cpu" -v load="${load_before%% *}" -v run="$run" 'BEGIN {
			printf "| %d | %d | %s | %.1f s | %.0f | %.0f | %.3f ms | %.3f ms | %.3f ms | %.0f MB |", n, run, load, wall, n / wall, (n - 1) / (last - first), rcpu * 1000 / n, (user + sys - rcpu) * 1000 / n, (user + sys) * 1000 / n, rss / 1024
		}')")
		[ "$sent" = "$n" ] || { echo "sent $sent of $n" >&2; exit 1; }
	done
done

echo
echo "| subscribers | run | load before | wall | messages/s | sending messages/s | render + queue CPU/msg | send CPU/msg | CPU/msg | peak RSS |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${summary[@]}"
