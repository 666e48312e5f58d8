#!/bin/sh
# bench/postfix/run.sh: messages per second through a real Postfix on
# loopback with filterd as its milter (unix socket and inet socket) and with
# no milter, in one run, so that all three see the same machine.
#
# Usage: bench/postfix/run.sh [-m MESSAGES] [-r RUNS] [-s SESSIONS] [-k]
#                             [-t TRANSPORT] FILTERD
#   -m  messages per run (default 2000)
#   -r  runs per path (default 5); the figure is the median
#   -s  concurrent SMTP sessions (default 20)
#   -k  keep each session for many messages (smtp-source -d); by default
#       every message is its own SMTP session, as on an MX
#   -t  discard (default: Postfix's discard(8)) or maildir (virtual(8)
#       into one Maildir)
#   FILTERD  the filterd program (build/filterd/filterd; a Release build
#       for figures worth quoting)
# Environment: KEEP=1 keeps the scratch folder.
#
# One private Postfix instance (tests/integration/lib.sh) listens on three
# ports: 2525 with no milter, 2526 with filterd on a unix socket, 2527 with
# filterd on inet:8891@127.0.0.1. Each run sends MESSAGES copies of a 2.5 kB
# plain-text message with smtp-source, and times from the start until the
# maillog has one more `status=sent` line per message: a message counts
# once it is delivered, not when smtp-source is done (a tempfailing milter
# would look fast otherwise; smtp-source stops on the first refusal, and
# the run is then reported as failed). The paths take turns, run by run.
# filterd's resident memory (VmRSS, kB) is read at rest, sampled during the
# unix-socket runs, and its peak (VmHWM) read at the end.
#
# It runs in a network namespace of its own (it re-executes itself
# through tests/integration/run-in-netns.sh), as root, and
# needs postfix (smtp-source is in Debian's package). Exit status: 0, or 1
# when a run failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ -z "${TAMIS_BENCH_NETNS:-}" ]; then
	export TAMIS_BENCH_NETNS=1
	exec sh "$top/tests/integration/run-in-netns.sh" sh "$here/run.sh" "$@"
fi

# shellcheck source=tests/integration/lib.sh
. "$top/tests/integration/lib.sh"

MSGS=2000 RUNS=5 SESS=20 KEEPSESS="" TRANSPORT=discard
while getopts m:r:s:kt: opt; do
	case $opt in
	m) MSGS=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	s) SESS=$OPTARG ;;
	k) KEEPSESS=-d ;;
	t) TRANSPORT=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
FILTERD=${1:-}
if [ -z "$FILTERD" ] || [ ! -x "$FILTERD" ]; then
	echo "usage: $0 [-m MESSAGES] [-r RUNS] [-s SESSIONS] [-k] [-t discard|maildir] FILTERD" >&2
	exit 2
fi
FILTERD=$(cd "$(dirname "$FILTERD")" && pwd)/$(basename "$FILTERD")
it_require_netns
[ -x /usr/sbin/smtp-source ] || { echo "smtp-source missing (Debian package postfix)" >&2; exit 1; }

S=$(mktemp -d "${TMPDIR:-/tmp}/tamis-bench.XXXXXX") || exit 1
it_trap
pf_make "$S" none bench
case $TRANSPORT in
discard) pf_set "virtual_transport = discard:bench" ;;
maildir) ;;
*) echo "unknown transport $TRANSPORT" >&2; exit 2 ;;
esac
pf_add_service "127.0.0.1:2526 inet n - n - - smtpd -o smtpd_milters=unix:$S/run/filterd.sock"
pf_add_service "127.0.0.1:2527 inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:8891"

# The message: plain text, 2.5 kB, the headers of a real one.
{
	printf 'From: Sender <sender@test.example>\nTo: <bench@test.example>\n'
	printf 'Subject: Minutes of the Tuesday meeting\nDate: %s\n' "$(date -R)"
	printf 'Message-ID: <bench.%s@client.test.example>\nMIME-Version: 1.0\n' "$$"
	printf 'Content-Type: text/plain; charset=us-ascii\n\n'
	i=0
	while [ $i -lt 30 ]; do
		echo "Line $i of the minutes: we agreed to move the release to next week."
		i=$((i + 1))
	done
} >"$S/msg.eml"

fd_start filterd || exit 1
FD_SOCKET=inet:8891@127.0.0.1 fd_start filterdtcp || exit 1
pf_start || exit 1
rss_rest=$(fd_rss_kb filterd)

# cpu_ms NAME: user + system CPU time of instance NAME so far, ms.
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' \
		"/proc/$(fd_pid "$1")/stat"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
sent_count() { grep -c 'status=sent' "$S/maillog"; }
sent_reach() { [ "$(sent_count)" -ge "$1" ]; }

RSS_MAX=0
# sample_rss NAME: keep the largest VmRSS of NAME seen in RSS_MAX.
sample_rss() {
	sr=$(fd_rss_kb "$1")
	[ -n "$sr" ] && [ "$sr" -gt "$RSS_MAX" ] && RSS_MAX=$sr
	return 0
}

# run PORT COUNT: send COUNT messages to PORT; prints msgs/s, or FAIL.
run() {
	r_base=$(sent_count)
	r_t0=$(now_ms)
	# shellcheck disable=SC2086  # KEEPSESS is empty or one option
	/usr/sbin/smtp-source -s "$SESS" -m "$2" $KEEPSESS -F "$S/msg.eml" \
		-f sender@test.example -t bench@test.example -M client.test.example \
		"127.0.0.1:$1" >"$S/source.out" 2>&1 &
	r_src=$!
	while pid_alive "$r_src"; do
		[ "$1" = 2526 ] && sample_rss filterd
		sleep 0.1
	done
	wait "$r_src"
	r_rc=$?
	if [ "$r_rc" != 0 ] || ! wait_until 120 sent_reach $((r_base + $2)); then
		echo FAIL
		tap_diag "port $1: smtp-source exit $r_rc; sent $(($(sent_count) - r_base)) of $2" \
			"$(tail -n 3 "$S/source.out")" >&2
		return 1
	fi
	r_ms=$(($(now_ms) - r_t0))
	echo $((${2} * 1000 / (r_ms > 0 ? r_ms : 1)))
}

median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# Warm-up: the first messages start Postfix's processes.
for port in 2525 2526 2527; do run $port 200 >/dev/null || exit 1; done

none="" unix="" inet="" failed=0
cpu0=$(cpu_ms filterd)
i=0
while [ $i -lt "$RUNS" ]; do
	a=$(run 2525 "$MSGS") || failed=1
	b=$(run 2526 "$MSGS") || failed=1
	c=$(run 2527 "$MSGS") || failed=1
	none="$none $a" unix="$unix $b" inet="$inet $c"
	i=$((i + 1))
done
rss_hwm=$(fd_mem_kb filterd VmHWM)
rss_after=$(fd_rss_kb filterd)
cpu_us=$((($(cpu_ms filterd) - cpu0) * 1000 / (MSGS * RUNS)))

# shellcheck disable=SC2086  # the lists are words
mn=$(median $none) mu=$(median $unix) mi=$(median $inet)
echo "Postfix $(postconf -d -h mail_version 2>/dev/null), $SESS sessions, $MSGS messages a run," \
	"transport $TRANSPORT${KEEPSESS:+, sessions kept}, median of $RUNS runs (msgs/s)"
printf '%-28s %8s   %s\n' "no milter" "$mn" "runs:$none"
printf '%-28s %8s   %s  ratio %s\n' "filterd, unix socket" "$mu" "runs:$unix" \
	"$(awk -v a="$mu" -v b="$mn" 'BEGIN { printf "%.2f", a / b }')"
printf '%-28s %8s   %s  ratio %s\n' "filterd, inet socket" "$mi" "runs:$inet" \
	"$(awk -v a="$mi" -v b="$mn" 'BEGIN { printf "%.2f", a / b }')"
echo "filterd (unix) CPU per message: $cpu_us us (user + system)"
echo "filterd (unix) VmRSS kB: at rest $rss_rest, under load max $RSS_MAX, after $rss_after; VmHWM $rss_hwm"
[ "$failed" = 0 ]
