# Shell helpers the bench/*.sh scripts source.

# require SCRIPT COMMAND:PACKAGE...: installs the Debian packages of the
# commands that are missing when run as root, else names them and exits.
# GNU time (/usr/bin/time) is among them everywhere because it gives peak
# RSS, which bash's time keyword does not.
require() {
	local script=$1 missing=() spec
	shift
	for spec in "$@"; do
		command -v "${spec%%:*}" >/dev/null || missing+=("${spec#*:}")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	else
		echo "$script needs: ${missing[*]} (apt-get install, as root)" >&2
		exit 1
	fi
}

# field NAME FILE: one value from GNU time -v output.
field() { sed -n "s/^[[:space:]]*$1: //p" "$2"; }

# seconds: H:MM:SS.ss or M:SS.ss on standard input -> seconds.
seconds() { awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'; }
