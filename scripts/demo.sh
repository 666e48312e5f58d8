#!/bin/sh
# demo.sh: the README's first command. Installs what is missing (Debian 12,
# apt-get), builds tamis, runs `filterd check` on the sample messages of
# docs/examples, then brings up the whole thing on the loopback, inside a
# network namespace of its own: a private Postfix with filterd as its
# milter. It sends a ham, a spam and a message to be rejected through it,
# shows what was delivered (the headers of the Maildir files) and what was
# refused (the SMTP replies), and stops everything by PID. docs/demo.md
# explains each step and how to do the same on a real server.
#
# Usage: scripts/demo.sh [BUILD_DIR]     (default: build/demo)
#   KEEP=1 scripts/demo.sh   keeps the scratch folder (config, Maildirs, logs)
# The Postfix part needs root (Postfix's master runs as root; so does
# unshare -n); as another user it runs through sudo when there is one, and
# is left out otherwise. Nothing it starts can reach outside 127.0.0.0/8.
#
# Exit status: 0 when it ran; non-zero when a step failed (it says which).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

# ---- the Postfix part, run inside the namespace -------------------------
# scripts/demo.sh --in-netns FILTERD (through tests/integration/run-in-netns.sh)

# show_reply NAME: the SMTP dialogue from MAIL FROM on, without the data,
# from swaks' transcript.
show_reply() {
	echo "   SMTP dialogue:"
	awk '/^ -> MAIL FROM/ { on = 1 } /^ -> QUIT/ { on = 0 }
	     on && (/^ -> (MAIL FROM|RCPT TO|DATA|\.)/ || /^</) { print "     " $0 }' \
		"$S/$1.out"
}

# show_delivered RCPT: for each file in RCPT's Maildir, the header fields
# a reader looks at, and ours (X-Spam-*), with their continuation lines.
show_delivered() {
	echo "== delivered to $1@$PF_DOMAIN: $(md_count "$1") message(s)"
	for f in $(md_files "$1"); do
		echo "   $f (header, some fields):"
		awk '/^$/ { exit }
		     /^[^ \t]/ { show = ($0 ~ /^(Return-Path|From|To|Subject|X-Spam-[A-Za-z]+):/) }
		     show { print "     | " $0 }' "$f"
	done
}

# send NAME RCPT FILE TEXT: send FILE to RCPT and show the replies.
send() {
	echo
	echo "== sending $4 to $2@$PF_DOMAIN"
	st=0
	smtp_send "$S/$1.out" "$2" "$3" || st=$?
	show_reply "$1"
	case $st in
	0) echo "   -> accepted" ;;
	26) echo "   -> refused at the end of DATA (swaks exit 26)" ;;
	*) echo "   -> refused (swaks exit $st)" ;;
	esac
}

in_netns() {
	FILTERD=$1
	set +e
	# shellcheck source=tests/integration/lib.sh
	. "$top/tests/integration/lib.sh"
	it_require_netns
	S=$(mktemp -d "${TMPDIR:-/tmp}/tamis-demo.XXXXXX") || exit 1
	PF_DIR=$S
	it_trap
	pf_make "$S" "" ham spam reject

	# filterd's configuration for the demo: a few patterns that the sample
	# spam matches (see docs/actions.md), and the subject prefix from the
	# required score on.
	cat >"$S/demo.patterns" <<'EOF'
# name          score  where           pattern                                   description
ALARM_SUBJECT   3.0    header:Subject  /urgent notice|final warning/i             alarmist subject
VERIFY_ACCOUNT  2.5    body            /verify (your|here)|unusual sign-in/i      asks to verify an account
SUSPEND_THREAT  2.0    body            /suspen(d|sion)/i                          threatens a suspension
EOF
	printf 'pattern_files = %s\nrewrite_subject_score = 5\n' "$S/demo.patterns" >"$S/filterd.conf"
	{
		echo "From: Tester <tester@$PF_DOMAIN>"
		echo "To: <reject@$PF_DOMAIN>"
		echo "Subject: GTUBE test"
		echo "Date: $(date -R)"
		echo "Message-ID: <gtube.$$@client.$PF_DOMAIN>"
		echo
		echo "This message carries the GTUBE test string, so filterd rejects it:"
		echo "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
	} >"$S/gtube.eml"

	echo "== network namespace: links: $(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')"
	echo "== starting filterd -f -c $S/filterd.conf (milter_socket=unix:$S/run/filterd.sock, user=postfix)"
	if ! fd_start filterd; then
		echo "demo: filterd did not start; its log:" >&2
		cat "$(fd_log filterd)" >&2
		exit 1
	fi
	echo "   pid $(fd_pid filterd)"
	echo "== starting Postfix: postfix -c $S/etc start (127.0.0.1:$PF_PORT)"
	if ! pf_start; then
		echo "demo: Postfix did not start" >&2
		exit 1
	fi
	echo "   master pid $(pf_master_pid); its milter settings:"
	/usr/sbin/postconf -c "$S/etc" smtpd_milters non_smtpd_milters milter_default_action |
		sed 's/^/     /'

	send ham ham "$top/docs/examples/ham.eml" "docs/examples/ham.eml (ham)"
	send spam spam "$top/docs/examples/spam.eml" "docs/examples/spam.eml (spam: delivered, tagged)"
	send reject reject "$S/gtube.eml" "a message with the GTUBE string (to be rejected)"

	echo
	md_wait ham 1 || echo "demo: the ham was not delivered" >&2
	md_wait spam 1 || echo "demo: the spam was not delivered" >&2
	show_delivered ham
	show_delivered spam
	show_delivered reject
	echo
	echo "== filterd's log (one line per message, tagged with Postfix's queue id)"
	grep -E '^filterd(\[[0-9]+\])?: [0-9A-F]+: ' "$(fd_log filterd)" | sed 's/^/   /'
	echo
	echo "== Postfix's log: what the milter did"
	grep -E 'milter-|status=sent' "$S/maillog" | sed 's/^/   /'
	echo
	echo "== stopping filterd (pid $(fd_pid filterd)) and Postfix (pid $(pf_master_pid))"
	fd_stop filterd
	pf_stop
	echo "   stopped"
	exit 0
}

if [ "${1:-}" = "--in-netns" ]; then
	in_netns "$2"
fi

# ---- install, build, filterd check ------------------------------------------

build=${1:-$top/build/demo}
cd "$top"

echo "== installing what is missing"
scripts/setup-deps.sh demo
echo "== building in $build"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" filterd >/dev/null

filterd="$build/filterd/filterd"
for f in docs/examples/*.eml; do
	echo
	echo "== filterd check $f"
	"$filterd" check "$f" || echo "(exit status $?)"
done
echo
echo "== filterd check --json docs/examples/*.eml"
"$filterd" check --json docs/examples/*.eml || echo "(exit status $?)"
echo
echo "== filterd check --dump docs/examples/multipart.eml"
"$filterd" check --dump docs/examples/multipart.eml

# ---- Postfix with filterd as its milter ---------------------------------------

echo
echo "== a private Postfix with filterd as its milter, on the loopback of a network namespace"
filterd_abs=$(cd "$(dirname "$filterd")" && pwd)/filterd
netns="sh $top/tests/integration/run-in-netns.sh sh $top/scripts/demo.sh --in-netns $filterd_abs"
st=0
if [ "$(id -u)" = 0 ]; then
	# shellcheck disable=SC2086  # netns is a command line
	$netns || st=$?
elif command -v sudo >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	sudo env KEEP="${KEEP:-0}" $netns || st=$?
else
	st=77
fi
case $st in
0) ;;
77)
	echo "   (left out: it needs root, for Postfix and for a network namespace; as root run:"
	echo "    $netns)"
	;;
*)
	echo "demo: the Postfix part failed (exit status $st)" >&2
	exit "$st"
	;;
esac
