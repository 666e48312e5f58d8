#!/bin/sh
# fake-sendmail.sh: a sendmail-compatible stand-in for the ezlist tests.
# Each call writes FAKE_SM_DIR/N (N = 1, 2, ...): a line "ARGS: ..." with
# its arguments, then the message from standard input. If the file
# FAKE_SM_DIR/fail-at holds N, call N exits 75 (temporary) having kept
# nothing, as an MTA that fails midway.
d=$(dirname "$0")/out
[ -n "${FAKE_SM_DIR:-}" ] && d=$FAKE_SM_DIR
mkdir -p "$d"
n=$(($(cat "$d/count" 2>/dev/null || echo 0) + 1))
echo "$n" >"$d/count"
if [ -r "$d/fail-at" ] && [ "$(cat "$d/fail-at")" = "$n" ]; then
	cat >/dev/null
	echo "queue file write error" >&2
	exit 75
fi
{ echo "ARGS: $*"; cat; } >"$d/$n"
exit 0
