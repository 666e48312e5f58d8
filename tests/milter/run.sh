#!/bin/sh
# run.sh: one test of the filterd milter daemon with miltertest (the MTA
# side of the milter protocol), inside a network namespace of its own
# (unshare -n: only "lo" exists, so no packet can leave the machine).
#
# filterd runs in the foreground on a unix socket in a temporary folder,
# started as root and dropping to user nobody, and is stopped by PID at
# the end: it must exit 0 within 30 s (the wait polls the process state,
# no fixed sleep). Under the sanitizer build a leak, an ASan error or a
# UBSan report makes that exit non-zero.
#
# Usage: run.sh FILTERD SRCDIR CASE
#   CASE: ham gtube forged several abort disconnect header_limit chunks
#         reload sigterm startup lint inet (the same daemon on a TCP socket)
#         early (refusals before DATA are given at RCPT)
# Exit status: 0 pass, 1 fail, 77 skipped (not root, or no unshare/ip).
set -u
filterd=$1 src=$2 case=$3

if [ -z "${TAMIS_NETNS:-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: unshare -n needs root"
		exit 77
	fi
	if ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
		echo "SKIP: unshare or ip is missing"
		exit 77
	fi
	exec unshare -n env TAMIS_NETNS=1 sh -c 'ip link set lo up && exec sh "$0" "$@"' \
		"$0" "$@"
fi
if ! command -v miltertest >/dev/null; then
	echo "FAIL: miltertest is not installed (scripts/setup-deps.sh test)"
	exit 1
fi

tmp=$(mktemp -d /tmp/tamis-milter.XXXXXX)
chmod 755 "$tmp"
mkdir "$tmp/spool"
chown nobody "$tmp/spool"
sock=$tmp/filterd.sock
# The socket spec: unix, but TCP for the inet case (inside the namespace).
spec=unix:$sock
[ "$case" = inet ] && spec=inet:8893@127.0.0.1
fpid=

cleanup() {
	if [ -n "$fpid" ]; then kill -KILL "$fpid" 2>/dev/null; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "not ok - $*"
	echo "# filterd log:"
	sed 's/^/#   /' "$tmp/log" 2>/dev/null
	exit 1
}
ok() {
	echo "ok - $*"
}

# conf FILE [LINE...]: a configuration for this test, plus LINEs.
conf() {
	f=$1
	shift
	{
		echo "milter_socket = $spec"
		echo "pid_file = $tmp/filterd.pid"
		echo "user = nobody"
		for l in "$@"; do echo "$l"; done
	} >"$tmp/$f"
}

# state PID: the process state letter (R, S, Z...), empty when gone.
state() {
	sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null
}

# wait_gone PID SECONDS: poll until PID has exited (a zombie or gone).
wait_gone() {
	i=0
	while :; do
		s=$(state "$1")
		[ -z "$s" ] || [ "$s" = Z ] && return 0
		i=$((i + 1))
		[ "$i" -le $(($2 * 100)) ] || return 1
		sleep 0.01
	done
}

# start [ARG...]: start filterd -f on filterd.conf; wait for "ready".
start() {
	TMPDIR=$tmp/spool "$filterd" -f -c "$tmp/filterd.conf" "$@" 2>>"$tmp/log" &
	fpid=$!
	sh "$src/wait-log.sh" "$tmp/log" "ready: listening on $spec" ||
		fail "filterd did not start"
	[ "$(cat "$tmp/filterd.pid")" = "$fpid" ] || fail "pid file does not hold $fpid"
	uid=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$fpid/status")
	[ "$uid" = "$(id -u nobody)" ] || fail "filterd runs as uid $uid, not nobody"
}

# stop: SIGTERM, wait for the PID, check the exit status and the log.
stop() {
	kill -TERM "$fpid"
	wait_gone "$fpid" 30 || fail "filterd still running 30 s after SIGTERM"
	wait "$fpid"
	rc=$?
	fpid=
	[ "$rc" = 0 ] || fail "filterd exited $rc after SIGTERM"
	grep -q "filterd: stopped" "$tmp/log" || fail "no 'stopped' line in the log"
	[ ! -s "$tmp/filterd.pid" ] || fail "the pid file is still there"
	[ -z "$(ls -A "$tmp/spool")" ] || fail "spool files left behind: $(ls "$tmp/spool")"
	if grep -q -E "AddressSanitizer|LeakSanitizer|runtime error" "$tmp/log"; then
		fail "sanitizer report"
	fi
	ok "filterd exited 0 on SIGTERM; pid file emptied or removed; spool folder empty"
}

# mtest SCRIPT: run tests/milter/SCRIPT.lua with miltertest.
mtest() {
	miltertest -D MILTER_SOCK="$spec" -D SRC="$src" -D TMP="$tmp" \
		-D FILTERD_PID="$fpid" -s "$src/$1.lua" >"$tmp/mt.out" 2>&1
	r=$?
	cat "$tmp/mt.out"
	[ "$r" = 0 ] || fail "$1.lua: miltertest exit $r"
}

# logged TEXT: the log has a line holding TEXT (a fixed string).
logged() {
	grep -q -F -- "$1" "$tmp/log" || fail "no log line with: $1"
}

# milter_case [CONF LINE...]: the common run of a miltertest case.
milter_case() {
	conf filterd.conf "$@"
	start
	mtest "$case"
}

case $case in
ham)
	milter_case
	logged "HAMQID1: client=client.test[127.0.0.1] helo=client.test from=<sender@test.example> to=<alice@test.example> size="
	logged "action=accept symbols=none"
	ok "one log line for the message, tagged with its queue id"
	stop
	;;
inet)
	milter_case
	logged "INETQID1: client=client.test[127.0.0.1]"
	logged "INETQID2: client=client.test[127.0.0.1]"
	ok "both messages logged"
	stop
	;;
gtube)
	milter_case
	logged "GTUBEQID1: client=client.test[127.0.0.1]"
	logged "action=reject symbols=GTUBE("
	ok "the log line says reject and GTUBE"
	stop
	;;
forged)
	milter_case
	python3 "$src/mta.py" "$sock" forged >"$tmp/mta.out" 2>&1 || {
		cat "$tmp/mta.out"
		fail "mta.py forged"
	}
	cat "$tmp/mta.out"
	stop
	;;
early)
	printf 'spammer@bad.example\n' >"$tmp/badmailfrom"
	printf 'nobody@test.example\n' >"$tmp/badrcptto"
	printf '192.0.2.9 554 5.7.1 Your host is not welcome here\n' >"$tmp/access"
	chmod 644 "$tmp/badmailfrom" "$tmp/badrcptto" "$tmp/access"
	milter_case "badmailfrom = $tmp/badmailfrom" "badrcptto = $tmp/badrcptto" \
		"access_table = $tmp/access"
	for q in EARLY1 EARLY2 EARLY3; do
		[ "$(grep -c "$q: client=.*action=reject" "$tmp/log")" = 1 ] ||
			fail "$q: one reject log line expected"
	done
	logged "EARLY1: client=bad.test[192.0.2.9] helo=bad.test from=<sender@test.example> to=<alice@test.example>"
	logged "EARLY4: client=client.test[127.0.0.1]"
	ok "one log line per refused message, with the first refused recipient"
	stop
	;;
several)
	milter_case
	for q in MULTI1 MULTI2 MULTI3 MULTI4; do logged "$q: client="; done
	[ "$(grep -c "action=reject" "$tmp/log")" = 1 ] || fail "one reject expected"
	ok "four log lines, one reject"
	stop
	;;
abort)
	milter_case
	logged "AFTER1: client="
	logged "AFTER2: client="
	! grep -q -e "ABORTED1:" -e "ABORTED2:" "$tmp/log" || fail "a log line for an aborted message"
	ok "no log line for the aborted messages"
	stop
	;;
disconnect)
	milter_case
	logged "STILL1: client="
	stop
	;;
header_limit)
	milter_case "header_count_limit = 10" "header_size_limit = 1k"
	python3 "$src/mta.py" "$sock" header_limit >"$tmp/mta.out" 2>&1 || {
		cat "$tmp/mta.out"
		fail "mta.py header_limit"
	}
	cat "$tmp/mta.out"
	stop
	;;
chunks)
	milter_case "spool_threshold = 0"
	lines=$(grep -E ': (WHOLE1|CHUNKS[0-9]+): ' "$tmp/log")
	[ "$(echo "$lines" | wc -l)" = 4 ] || fail "four log lines expected"
	[ "$(echo "$lines" | sed 's/.* size=\([0-9]*\) .*/\1/' | sort -u | wc -l)" = 1 ] ||
		fail "the sizes differ between chunkings"
	ok "the same size is logged for every chunking"
	stop
	;;
reload)
	conf conf.start "reject_score = -1"
	conf conf.reject "reject_score = 15"
	conf conf.broken "reject_score = 15" "bogus line" "mime_parts_limit = lots"
	cp "$tmp/conf.start" "$tmp/filterd.conf"
	start
	mtest reload
	logged "reload refused: $tmp/filterd.conf:5:"
	logged "reload refused: $tmp/filterd.conf:6:"
	ok "the refused reload names file:line of each error"
	stop
	;;
sigterm)
	milter_case
	logged "INFLIGHT1: client="
	wait_gone "$fpid" 30 || fail "filterd still running 30 s after SIGTERM"
	wait "$fpid"
	rc=$?
	fpid=
	[ "$rc" = 0 ] || fail "filterd exited $rc"
	logged "filterd: stopped"
	[ ! -s "$tmp/filterd.pid" ] || fail "the pid file is still there"
	ok "filterd exited 0 once the message in flight was done"
	;;
startup)
	sh "$src/startup.sh" "$filterd" "$src" "$tmp" || fail "startup.sh"
	;;
lint)
	sh "$src/lint.sh" "$filterd" "$tmp" || fail "lint.sh"
	;;
*)
	echo "usage: run.sh FILTERD SRCDIR CASE" >&2
	exit 2
	;;
esac
echo "PASS: milter $case"
exit 0
