#!/bin/sh
# startup.sh: the daemon's start-up and its refusals (run by run.sh inside
# the network namespace, as root): a bad configuration exits 78 naming
# file:line; an unknown user, or root, exits 78; a second daemon on the same pid file
# exits 75 ("already running"); one on the same socket exits 75 ("in use");
# a stale pid file is replaced; without -f the daemon goes to the
# background, the start command exits 0 once it is ready, and the daemon
# runs as nobody in a session of its own until SIGTERM.
# Usage: startup.sh FILTERD SRCDIR TMP
set -u
filterd=$1 src=$2 tmp=$3
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { echo "not ok - $*"; sed 's/^/#   /' "$tmp/err" 2>/dev/null; exit 1; }
sock=$tmp/filterd.sock

conf() { # conf FILE PIDFILE [LINE...]
	f=$1 p=$2
	shift 2
	{
		echo "milter_socket = unix:$sock"
		echo "pid_file = $p"
		echo "user = nobody"
		for l in "$@"; do echo "$l"; done
	} >"$tmp/$f"
}
state() { sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null; }
wait_gone() {
	i=0
	while s=$(state "$1") && [ -n "$s" ] && [ "$s" != Z ]; do
		i=$((i + 1))
		[ "$i" -le 3000 ] || return 1
		sleep 0.01
	done
}

conf bad.conf "$tmp/a.pid" "bogus line" "required_score = high"
TMPDIR=$tmp/spool "$filterd" -f -c "$tmp/bad.conf" 2>"$tmp/err"
rc=$?
[ "$rc" = 78 ] || fail "bad configuration: exit $rc, not 78"
grep -q "bad.conf:4:" "$tmp/err" && grep -q "required_score" "$tmp/err" ||
	fail "bad configuration: file:line of each error"
[ ! -e "$tmp/a.pid" ] && [ ! -e "$sock" ] || fail "bad configuration: pid file or socket made"
ok "bad configuration: exit 78 with file:line, nothing created"

conf nouser.conf "$tmp/a.pid" "user = no-such-user-here"
TMPDIR=$tmp/spool "$filterd" -f -c "$tmp/nouser.conf" 2>"$tmp/err"
rc=$?
[ "$rc" = 78 ] && grep -q "unknown user" "$tmp/err" || fail "unknown user: exit $rc"
ok "unknown user: exit 78"

conf root.conf "$tmp/a.pid" "user = root"
TMPDIR=$tmp/spool "$filterd" -f -c "$tmp/root.conf" 2>"$tmp/err"
rc=$?
[ "$rc" = 78 ] && grep -q "does not run as root" "$tmp/err" || fail "user root: exit $rc"
ok "user root refused: exit 78"

# A stale pid file (no process holds its lock) is replaced.
echo 999999 >"$tmp/a.pid"
conf a.conf "$tmp/a.pid"
rm -f "$sock"
"$filterd" -c "$tmp/a.conf" 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] || fail "background start: exit $rc"
grep -q "removed a stale pid file" "$tmp/err" || fail "no word of the stale pid file"
pid=$(cat "$tmp/a.pid")
[ -n "$pid" ] && [ "$pid" != 999999 ] && [ -n "$(state "$pid")" ] || fail "no daemon"
[ -S "$sock" ] || fail "no socket once the start command returned"
uid=$(sed -n 's/^Uid:[[:space:]]*\([0-9]*\)[[:space:]]*\([0-9]*\).*/\1 \2/p' "/proc/$pid/status")
[ "$uid" = "$(id -u nobody) $(id -u nobody)" ] || fail "daemon uid: $uid"
sid=$(awk '{print $6}' "/proc/$pid/stat")
[ "$sid" != "$(awk '{print $6}' /proc/$$/stat)" ] && [ "$sid" != 0 ] ||
	fail "the daemon is in the session of its starter"
ok "background start: exit 0 when ready, stale pid file replaced, runs as nobody in a session of its own"

conf b.conf "$tmp/a.pid"
"$filterd" -f -c "$tmp/b.conf" 2>"$tmp/err"
rc=$?
[ "$rc" = 75 ] && grep -q "already running (pid $pid)" "$tmp/err" ||
	fail "second daemon, same pid file: exit $rc"
ok "second daemon on the same pid file: exit 75, already running (pid $pid)"

conf c.conf "$tmp/c.pid"
"$filterd" -f -c "$tmp/c.conf" 2>"$tmp/err"
rc=$?
[ "$rc" = 75 ] && grep -q "in use" "$tmp/err" || fail "second daemon, same socket: exit $rc"
[ ! -e "$tmp/c.pid" ] || fail "the refused daemon left its pid file"
ok "second daemon on the same socket: exit 75, in use; its pid file removed"

miltertest -D MILTER_SOCK="unix:$sock" -D SRC="$src" -s "$src/ham.lua" >"$tmp/err" 2>&1 ||
	fail "the background daemon does not serve"
ok "the background daemon serves"

kill -TERM "$pid"
wait_gone "$pid" || fail "the background daemon is still running 30 s after SIGTERM"
[ ! -s "$tmp/a.pid" ] || fail "pid file left"
ok "the background daemon stops on SIGTERM and removes its pid file"
