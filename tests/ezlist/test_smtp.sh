#!/bin/sh
# test_smtp.sh: ezlist's SMTP injection against a test server of ours
# (smtp-test-server.py) on loopback: XVERP when offered, a new transaction
# after "452 too many recipients", a connection dropped in the middle of a
# message (temporary failure, then a retry that sends nobody the post
# twice and loses nobody), and per-recipient VERP when XVERP is not offered.
#
# Usage: run-in-netns.sh sh test_smtp.sh EZLIST
set -u
EZ=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib.sh"
it_require_netns
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 missing"; exit 77; }
T=$(mktemp -d /tmp/ezlist-smtp.XXXXXX)
SRV=""
stop_server() {
	[ -n "$SRV" ] || return 0
	kill -TERM "$SRV" 2>/dev/null
	wait "$SRV" 2>/dev/null
	SRV=""
	wait_until 5 port_closed 2526
}
trap 'stop_server; rm -rf "$T"' EXIT
start_server() { # start_server LOG [ARGS...]
	python3 "$here/smtp-test-server.py" 2526 "$@" &
	SRV=$!
	wait_until 10 port_listening 2526 || tap_diag "test server did not start"
}
L=$T/list
"$EZ" make "$L" news@lists.example.org
printf 'smtp\n' >"$L/inject"
printf '2526\n' >"$L/smtp_port"
printf 'anyone\n' >"$L/post"
for i in $(seq 1 10); do echo "u$i@example.com"; done | "$EZ" sub "$L"
printf 'From: a@example.org\nSubject: hi\n\n.leading dot\nbody\n' >"$T/post.eml"
post() { "$EZ" receive "$L" a@example.org news@lists.example.org <"$T/post.eml" >"$T/out" 2>&1; }
rcpts() { cut -f2 "$1" | tr ' ' '\n' | grep -c @; }
uniq_rcpts() { cut -f2 "$1" | tr ' ' '\n' | grep @ | sort -u | wc -l | tr -d ' '; }

start_server "$T/log1" --max-rcpt 3
tap_ok "a post through SMTP exits 0" post
tap_is "four transactions (452 after 3 recipients)" "$(wc -l <"$T/log1" | tr -d ' ')" 4
tap_is "every subscriber once" "$(rcpts "$T/log1")/$(uniq_rcpts "$T/log1")" "10/10"
tap_ok "XVERP asked in MAIL FROM" grep -q '^<news-return@lists.example.org> XVERP=-=' "$T/log1"
stop_server

printf 'From: a@example.org\nSubject: second\n\nbody\n' >"$T/post.eml"
start_server "$T/log2" --max-rcpt 3 --drop-at 2
post
tap_is "a connection dropped midway is temporary (75)" "$?" 75
tap_is "the first transaction was kept" "$(rcpts "$T/log2")" 3
tap_ok "the retry exits 0" post
tap_is "after the retry every subscriber has it once" "$(rcpts "$T/log2")/$(uniq_rcpts "$T/log2")" "10/10"
stop_server

printf 'From: a@example.org\nSubject: third\n\nbody\n' >"$T/post.eml"
start_server "$T/log3" --no-xverp
tap_ok "without XVERP: exits 0" post
tap_is "one transaction per subscriber" "$(wc -l <"$T/log3" | tr -d ' ')" 10
tap_ok "each with its own return path" grep -q '^<news-return-u7=example.com@lists.example.org>	u7@example.com$' "$T/log3"
stop_server

# LMTP: per-recipient replies after the data; a 452 there goes again.
printf 'From: a@example.org\nSubject: fourth\n\nbody\n' >"$T/post.eml"
printf 'lmtp\n' >"$L/inject"
start_server "$T/log4" --lmtp --refuse u5@example.com
post
tap_is "LMTP: a recipient refused after the data makes it temporary" "$?" 75
tap_is "the others were delivered once" "$(rcpts "$T/log4")/$(uniq_rcpts "$T/log4")" "9/9"
stop_server
start_server "$T/log5" --lmtp
tap_ok "LMTP retry exits 0" post
cat "$T/log4" "$T/log5" >"$T/log45"
tap_is "the retry sends only to the refused one: every subscriber once in all" \
	"$(rcpts "$T/log45")/$(uniq_rcpts "$T/log45")/$(rcpts "$T/log5")" "10/10/1"
stop_server
tap_done
