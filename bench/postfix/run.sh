#!/bin/sh
# bench/postfix/run.sh: messages per second through a real Postfix on
# loopback with filterd as its milter (unix socket and inet socket) and with
# no milter, in one run, so that all three see the same machine.
#
# Usage: bench/postfix/run.sh [-m MESSAGES] [-r RUNS] [-s SESSIONS] [-k]
#                             [-t TRANSPORT] [-b BASELINE] [-n NULL] FILTERD
#   -m  messages per run (default 2000)
#   -r  runs per path (default 5); the figure is the median
#   -s  concurrent SMTP sessions (default 20)
#   -k  keep each session for many messages (smtp-source -d); by default
#       every message is its own SMTP session, as on an MX
#   -t  discard (default: Postfix's discard(8)) or maildir (virtual(8)
#       into one Maildir)
#   -b  another filterd program (an older build) to measure beside, on
#       ports 2528 (unix) and 2529 (inet:8892)
#   -n  a milter that does nothing (build-rel/bench/postfix/null_milter)
#       to measure beside, on ports 2530 (unix) and 2531 (inet:8893):
#       the floor libmilter puts under any milter (TAMIS_NULL_STEPS picks
#       what it takes, see null_milter.c)
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
# Each run also counts the CPU time that Postfix (all its processes) and
# the milters used per message, and the milters' part of it: on a busy
# machine it moves less than the rate.
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

MSGS=2000 RUNS=5 SESS=20 KEEPSESS="" TRANSPORT=discard BASELINE="" NULLM=""
while getopts m:r:s:kt:b:n: opt; do
	case $opt in
	m) MSGS=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	s) SESS=$OPTARG ;;
	k) KEEPSESS=-d ;;
	t) TRANSPORT=$OPTARG ;;
	b) BASELINE=$OPTARG ;;
	n) NULLM=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
FILTERD=${1:-}
if [ -z "$FILTERD" ] || [ ! -x "$FILTERD" ]; then
	echo "usage: $0 [-m MESSAGES] [-r RUNS] [-s SESSIONS] [-k] [-t discard|maildir] [-b FILTERD] [-n NULL] FILTERD" >&2
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

# start_pair PROGRAM NAME PORT: instance NAME of PROGRAM on a unix socket,
# NAMEtcp on inet:PORT@127.0.0.1.
start_pair() {
	sp_prog=$FILTERD
	FILTERD=$1
	# shellcheck disable=SC2034  # read by lib.sh's fd_start
	FD_SOCKET=""
	fd_start "$2" || exit 1
	FD_SOCKET=inet:$3@127.0.0.1
	fd_start "$2tcp" || exit 1
	FD_SOCKET=""
	FILTERD=$sp_prog
}
start_pair "$FILTERD" filterd 8891
PATHS="none:2525 unix:2526 inet:2527"
if [ -n "$BASELINE" ]; then
	pf_add_service "127.0.0.1:2528 inet n - n - - smtpd -o smtpd_milters=unix:$S/run/base.sock"
	pf_add_service "127.0.0.1:2529 inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:8892"
	start_pair "$(cd "$(dirname "$BASELINE")" && pwd)/$(basename "$BASELINE")" base 8892
	PATHS="$PATHS baseunix:2528 baseinet:2529"
fi
if [ -n "$NULLM" ]; then
	pf_add_service "127.0.0.1:2530 inet n - n - - smtpd -o smtpd_milters=unix:$S/run/null.sock"
	pf_add_service "127.0.0.1:2531 inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:8893"
	start_pair "$(cd "$(dirname "$NULLM")" && pwd)/$(basename "$NULLM")" null 8893
	PATHS="$PATHS nullunix:2530 nullinet:2531"
fi
pf_start || exit 1
rss_rest=$(fd_rss_kb filterd)
HZ=$(getconf CLK_TCK)

# cpu_ms [milters]: CPU time (user + system, ms) used so far by Postfix
# (every process of the master's group, and the children it has reaped)
# and by every milter instance; with "milters", by the milters alone.
cpu_ms() {
	c_pf=$(pgrep -g "$PF_MASTER")
	[ "${1:-}" = milters ] && c_pf=""
	# shellcheck disable=SC2046  # one PID a word
	for c_p in $c_pf $(for w in $FD_PIDS; do echo "${w#*:}"; done); do
		cat "/proc/$c_p/stat" 2>/dev/null
	done | awk -v hz="$HZ" -v m="$PF_MASTER" '{
		pid = $1; sub(/^.*\) /, "")
		t += $12 + $13; if (pid == m) t += $14 + $15
	} END { print int(t * 1000 / hz) }'
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

# run PORT COUNT: send COUNT messages to PORT; prints "MSGS/S CPU-US/MSG
# MILTER-CPU-US/MSG", or FAIL.
run() {
	r_base=$(sent_count)
	r_cpu=$(cpu_ms)
	r_mcpu=$(cpu_ms milters)
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
	echo "$(($2 * 1000 / (r_ms > 0 ? r_ms : 1))) $((($(cpu_ms) - r_cpu) * 1000 / $2))" \
		"$((($(cpu_ms milters) - r_mcpu) * 1000 / $2))"
}

median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# Warm-up: the first messages start Postfix's processes.
for pp in $PATHS; do run "${pp#*:}" 200 >/dev/null || exit 1; done

failed=0
i=0
while [ $i -lt "$RUNS" ]; do
	for pp in $PATHS; do
		out=$(run "${pp#*:}" "$MSGS") || failed=1
		# shellcheck disable=SC2086  # two words
		set -- $out
		eval "rate_${pp%%:*}=\"\${rate_${pp%%:*}:-} $1\" cpu_${pp%%:*}=\"\${cpu_${pp%%:*}:-} ${2:-0}\"" \
			"mcpu_${pp%%:*}=\"\${mcpu_${pp%%:*}:-} ${3:-0}\""
	done
	i=$((i + 1))
done
rss_hwm=$(fd_mem_kb filterd VmHWM)
rss_after=$(fd_rss_kb filterd)

echo "Postfix $(postconf -d -h mail_version 2>/dev/null), $SESS sessions, $MSGS messages a run," \
	"transport $TRANSPORT${KEEPSESS:+, sessions kept}, medians of $RUNS runs"
printf '%-30s %8s %7s %12s %9s   %s\n' path msgs/s ratio "CPU us/msg" "milter" "runs (msgs/s)"
for pp in $PATHS; do
	name=${pp%%:*}
	eval "rates=\$rate_$name cpus=\$cpu_$name mcpus=\$mcpu_$name"
	# shellcheck disable=SC2086,SC2154  # the lists are words, set by eval
	m=$(median $rates) c=$(median $cpus) mc=$(median $mcpus)
	[ "$name" = none ] && base=$m
	case $name in
	none) label="no milter" ;;
	unix) label="filterd, unix socket" ;;
	inet) label="filterd, inet socket" ;;
	baseunix) label="baseline filterd, unix" ;;
	baseinet) label="baseline filterd, inet" ;;
	nullunix) label="null milter, unix" ;;
	nullinet) label="null milter, inet" ;;
	esac
	printf '%-30s %8s %7s %12s %9s   %s\n' "$label" "$m" \
		"$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.2f", a / b }')" "$c" "$mc" "$rates"
done
echo "filterd (unix) VmRSS kB: at rest $rss_rest, under load up to $RSS_MAX," \
	"after $rss_after; VmHWM $rss_hwm"
[ "$failed" = 0 ]
