#!/bin/sh
# test_sendmail_e2e.sh: filterd as the INPUT_MAIL_FILTER of a real Sendmail.
#
# Usage (through run.sh, which fetches the .debs and makes the namespaces):
#   run-in-netns.sh unshare -m -u sh test_sendmail_e2e.sh FILTERD CACHE
#   FILTERD  the filterd program; CACHE  the folder with Debian's
#            sendmail-bin, sendmail-cf and sendmail-base .debs
# Environment: KEEP=1 keeps the scratch folder; KEEP_ON_FAIL=1 keeps it when
# a check failed.
#
# The .debs are unpacked into a scratch folder; m4 makes a sendmail.cf from
# Debian's cf macros with filterd as INPUT_MAIL_FILTER (F=T: tempfail when
# filterd is down). Sendmail (-bD, in the foreground) listens on
# 127.0.0.1:2527 and relays every accepted message to smtp-sink on
# 127.0.0.1:2526, which writes each to a file. swaks sends a ham (with a
# forged X-Spam-Flag), a spam that a pattern scores 8 (tagged: subject
# prefix, X-Spam-Flag) and GTUBE (refused with 550 5.7.1); the test reads
# the replies and the headers of the copies smtp-sink received.
#
# Sendmail wants to know its own fully qualified name, and would ask the
# machine's resolver (off the machine) for it: the test runs in its own
# mount and host-name namespaces as well as the network one, and binds its
# own /etc/hosts and /etc/nsswitch.conf there. Nothing outside is changed.
#
# Exit status: 0 every check passed; 1 a check failed; 77 skipped (not root,
# or a needed program missing).
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/../integration/lib.sh"

FILTERD=${1:-}
CACHE=${2:-}
if [ -z "$FILTERD" ] || [ ! -x "$FILTERD" ] || [ ! -d "$CACHE" ]; then
	echo "usage: $0 FILTERD CACHE" >&2
	exit 2
fi
FILTERD=$(cd "$(dirname "$FILTERD")" && pwd)/$(basename "$FILTERD")

# shellcheck source=tests/sendmail/lib.sh
. "$here/lib.sh"
sm_skip_unless_ready
sm_init tamis-sendmail "$CACHE" || { tap_done; exit 1; }
mkdir -p "$S/run"
chown postfix "$S/run"

{
	sm_mc_common
	cat <<EOF
INPUT_MAIL_FILTER(\`filterd', \`S=unix:$S/run/filterd.sock, F=T, T=C:10s;S:30s;R:30s;E:1m')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
} >"$S/test.mc"
sm_make_cf "from Debian's cf macros" || { tap_done; exit 1; }

# ---- filterd: tags from 5, rejects from 15 ---------------------------------

printf 'CHEAP_WATCHES 8.0 body /cheap watches/i watch offers\n' >"$S/patterns"
cat >"$PF_DIR/filterd.conf" <<EOF
pattern_files = $S/patterns
rewrite_subject_score = 5
EOF
tap_ok "filterd starts" fd_start filterd || { tap_done; exit 1; }

sm_start || { tap_done; exit 1; }

# ---- three messages ----------------------------------------------------------

# send NAME SUBJECT BODY [HEADER]: swaks to Sendmail; ST its exit status.
send() {
	swaks --server "127.0.0.1:$SM_PORT" --helo client.test.example \
		--from "sender@test.example" --to "$1@test.example" \
		--header "Subject: $2" --body "$3" ${4:+--add-header "$4"} \
		--timeout 60 >"$S/$1.out" 2>&1
	ST=$?
}

# sunk_with TEXT: the one file smtp-sink wrote that holds TEXT.
sunk_with() {
	grep -l -F -- "$1" "$S"/sink/* 2>/dev/null | head -n 1
}

# sunk_text TEXT: smtp-sink has written the body holding TEXT (it writes
# the file as the data arrives, so its creation is not enough).
sunk_text() {
	[ -n "$(sunk_with "$1")" ]
}

# sunk N: smtp-sink has written N files.
sunk() {
	[ "$(find "$S/sink" -type f | wc -l)" -ge "$1" ]
}

# header FILE NAME: the values of field NAME in FILE (lib.sh's md_header),
# past the empty line that smtp-sink writes first.
header() {
	sed '1{/^\r\{0,1\}$/d}' "$1" >"$S/headers.tmp"
	md_header "$S/headers.tmp" "$2"
}

send ham "Lunch on Friday" "Shall we meet at noon?" "X-Spam-Flag: YES"
tap_is "ham: accepted (swaks exit 0)" "$ST" 0
tap_ok "ham: relayed to smtp-sink" wait_until 30 sunk_text "Shall we meet at noon"
f=$(sunk_with "Shall we meet at noon")
st=$(header "$f" X-Spam-Status)
case "$st" in "No, score="*" required=5.0 tests="*) r=0 ;; *) r=1 ;; esac
tap_result $r "ham: X-Spam-Status: No, score=... required=5.0"
[ $r = 0 ] || tap_diag "X-Spam-Status: '$st'" "$(head -n 30 "$f")"
tap_ok "ham: swaks sent a forged X-Spam-Flag: YES" grep -q '^ -> X-Spam-Flag: YES' "$S/ham.out"
tap_is "ham: the sender's forged X-Spam-Flag is gone" "$(header "$f" X-Spam-Flag)" ""
tap_is "ham: subject unchanged" "$(header "$f" Subject)" "Lunch on Friday"

send spam "Offer" "Cheap watches, today only."
tap_is "spam: accepted (swaks exit 0)" "$ST" 0
tap_ok "spam: relayed to smtp-sink" wait_until 30 sunk_text "today only"
f=$(sunk_with "today only")
tap_is "spam: X-Spam-Flag: YES" "$(header "$f" X-Spam-Flag)" "YES"
tap_is "spam: subject prefixed" "$(header "$f" Subject)" "[SPAM] Offer"
st=$(header "$f" X-Spam-Status)
case "$st" in "Yes, score=8.0 required=5.0 tests="*CHEAP_WATCHES*) r=0 ;; *) r=1 ;; esac
tap_result $r "spam: X-Spam-Status: Yes, score=8.0 ... CHEAP_WATCHES"
[ $r = 0 ] || tap_diag "X-Spam-Status: '$st'"

send gtube "Test" "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
tap_is "GTUBE: refused after the data (swaks exit 26)" "$ST" 26
reply=$(smtp_last_reply "$S/gtube.out")
case "$reply" in "550 5.7.1 Message rejected as spam"*) r=0 ;; *) r=1 ;; esac
tap_result $r "GTUBE: 550 5.7.1 Message rejected as spam"
[ $r = 0 ] || tap_diag "last reply: '$reply'"
sleep 0.5
tap_is "GTUBE: nothing relayed" "$(find "$S/sink" -type f | wc -l | tr -d ' ')" 2
tap_ok "filterd logs the reject" grep -q 'action=reject .*GTUBE' "$(fd_log filterd)"
tap_ok "filterd's log line names the client's address (from Sendmail's macros)" \
	grep -q 'client=[^ ]*\[127\.0\.0\.1\] .*action=reject .*GTUBE' "$(fd_log filterd)"

# ---- filterd down: Sendmail tempfails (F=T) -------------------------------

fd_stop filterd
send later "Later" "Sent while the filter is down."
reply=$(smtp_last_reply "$S/later.out")
case "$reply" in 4*) r=0 ;; *) r=1 ;; esac
tap_result $r "filterd down: Sendmail answers 4xx (F=T)"
[ $r = 0 ] || tap_diag "swaks exit $ST; last reply: '$reply'"
tap_done
