#!/bin/sh
# test_postfix_e2e.sh: filterd as the milter of a real Postfix, end to end.
#
# Usage: run-in-netns.sh sh test_postfix_e2e.sh FILTERD
#   FILTERD   the filterd program (build/filterd/filterd)
# Environment: KEEP=1 keeps the scratch folder; KEEP_ON_FAIL=1 keeps it when
# a check failed.
#
# It makes a private Postfix instance in a scratch folder (lib.sh), starts
# filterd instances beside it, sends mail with swaks on 127.0.0.1 and checks
# what a mail administrator would check: the SMTP replies, the files
# delivered into the Maildirs and their headers, the queue and the logs.
# Each check is one TAP line. Postfix picks a filterd instance by the
# client's address (smtpd_milter_maps), so that the instances with other
# thresholds run side by side and nothing has to restart between cases:
#   127.0.0.1  main      the defaults: X-Spam-* headers, GTUBE rejected
#   127.0.0.2  tag       reject off, subject rewritten from 5
#   127.0.0.3  hold      reject off, quarantine from 5 (Postfix hold queue)
#   127.0.0.4  drop      reject off, discard from 5
#   127.0.0.5  qdir      reject off, quarantine from 5 into a Maildir
#                        folder (quarantine_maildir), not the hold queue
# Then the main instance is stopped: mail is refused with 451 4.7.1
# (milter_default_action = tempfail) and nothing is lost: the same message
# sent again after a restart is delivered once.
#
# Exit status: 0 every check passed; 1 a check failed; 77 skipped (not root,
# or Postfix or swaks missing). It refuses to run outside a private network
# namespace.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"

it_program FILTERD "${1:-${TAMIS_FILTERD:-}}" "FILTERD (the filterd program)"

it_skip_unless_ready
it_require_netns

GTUBE='XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X'
RCPTS="ham gtube forged tagged held dropped qdir later local"

# write_message FILE SUBJECT BODY [HEADER...]: a whole message with the
# headers that keep filterd's structure checks quiet.
write_message() {
	wm_file=$1 wm_subject=$2 wm_body=$3
	wm_id=$(basename "$wm_file" .eml).$$
	shift 3
	{
		echo "From: Sender <sender@$PF_DOMAIN>"
		echo "To: <rcpt@$PF_DOMAIN>"
		echo "Subject: $wm_subject"
		echo "Date: $(date -R)"
		echo "Message-ID: <$wm_id@client.$PF_DOMAIN>"
		echo "MIME-Version: 1.0"
		echo "Content-Type: text/plain; charset=us-ascii"
		for wm_h in "$@"; do echo "$wm_h"; done
		echo
		echo "$wm_body"
	} >"$wm_file"
}

# one_file RCPT: the path of RCPT's only delivered file (nothing if not one).
one_file() {
	if [ "$(md_count "$1")" = 1 ]; then md_files "$1"; fi
}

# nothing_for RCPT: RCPT got nothing and no message waits in the queue.
nothing_for() {
	if [ "$(md_count "$1")" != 0 ]; then
		tap_diag "$1 got $(md_count "$1") message(s)"
		return 1
	fi
	if ! pf_queue_empty; then
		tap_diag "queue: $(pf_queue)"
		return 1
	fi
}

# replied OUT STATUS WANT_STATUS PREFIX: swaks exited WANT_STATUS and the
# server's last reply starts with PREFIX.
replied() {
	rp_reply=$(smtp_last_reply "$1")
	case "$rp_reply" in
	"$4"*) [ "$2" = "$3" ] && return 0 ;;
	esac
	tap_diag "swaks exit $2 (want $3); last reply: '$rp_reply' (want '$4...')"
	return 1
}

# held_is N: postqueue -p lists N held messages.
held_is() {
	[ "$(pf_held_count)" = "$1" ]
}

# send_case NAME RCPT FILE [SWAKS-ARG...]: send; sets ST (swaks' status).
send_case() {
	sc_name=$1
	shift
	smtp_send "$S/$sc_name.out" "$@"
	ST=$?
}

S=$(mktemp -d "${TMPDIR:-/tmp}/tamis-e2e.XXXXXX") || exit 1
PF_DIR=$S
it_trap
# shellcheck disable=SC2086  # RCPTS is a list of words
pf_make "$S" "" $RCPTS
mkdir -p "$S/msg"
M=$S/msg

write_message "$M/ham.eml" "Lunch on Friday" "Shall we meet at noon? The usual place."
write_message "$M/gtube.eml" "Test message" "$GTUBE"
write_message "$M/forged.eml" "Forged headers" "Nothing to see here." \
	"X-Spam-Status: Yes, score=99.0 required=5.0 tests=FORGED" \
	"x-spam-FLAG: YES" "X-Spam-Score: 99.0"
write_message "$M/tagged.eml" "Cheap watches" "$GTUBE"
write_message "$M/held.eml" "Hold me" "$GTUBE"
write_message "$M/dropped.eml" "Drop me" "$GTUBE"
write_message "$M/qdir.eml" "Keep me aside" "$GTUBE"
write_message "$M/later.eml" "Sent while the filter is down" "Please keep me."
write_message "$M/local.eml" "From the command line" "Submitted with sendmail(1)."

# The milter of each client address (see the top of this file).
pf_milter_route 127.0.0.2/32 "unix:$S/run/tag.sock"
pf_milter_route 127.0.0.3/32 "unix:$S/run/hold.sock"
pf_milter_route 127.0.0.4/32 "unix:$S/run/drop.sock"
pf_milter_route 127.0.0.5/32 "unix:$S/run/qdir.sock"
# The quarantine folder's parent belongs to filterd's user (postfix), which
# makes the Maildir on the first quarantine.
mkdir -p "$S/quar" && chown postfix "$S/quar"

# ---- start -----------------------------------------------------------------

t0=$(date +%s%N)
tap_ok "filterd (defaults) starts and listens on its socket" fd_start filterd ||
	{ tap_done; exit 1; }
fd_start tag -o reject_score=-1 -o rewrite_subject_score=5 &&
	fd_start hold -o reject_score=-1 -o quarantine_score=5 -o milter_socket_mode=0666 &&
	fd_start drop -o reject_score=-1 -o discard_score=5 &&
	fd_start qdir -o reject_score=-1 -o quarantine_score=5 \
		-o "quarantine_maildir=$S/quar/Maildir"
tap_result $? "four more filterd instances with -o thresholds start"
tap_is "the socket belongs to filterd's user, mode 660" \
	"$(stat -c '%U %a' "$S/run/filterd.sock")" "postfix 660"
tap_is "-o milter_socket_mode=0666: mode 666" "$(stat -c '%a' "$S/run/hold.sock")" 666
t1=$(date +%s%N)
tap_ok "Postfix starts and listens on 127.0.0.1:$PF_PORT" pf_start || { tap_done; exit 1; }
t2=$(date +%s%N)

# ---- ham: delivered with X-Spam-Status: No ---------------------------------

send_case ham ham "$M/ham.eml"
tap_ok "ham: accepted with 250" replied "$S/ham.out" "$ST" 0 "250 2.0.0 Ok: queued"
tap_ok "ham: delivered into the Maildir" md_wait ham 1
f=$(one_file ham)
st=$(md_header "$f" X-Spam-Status)
case "$st" in "No, score="*" required=5.0 tests="*) r=0 ;; *) r=1 ;; esac
tap_result $r "ham: X-Spam-Status: No, score=... required=5.0 tests=..."
[ $r = 0 ] || tap_diag "X-Spam-Status: '$st'"
tap_is "ham: no X-Spam-Flag" "$(md_header "$f" X-Spam-Flag)" ""
tap_is "ham: subject unchanged" "$(md_header "$f" Subject)" "Lunch on Friday"
tap_ok "ham: body intact" grep -q '^Shall we meet at noon' "$f"
# No connection check is configured: filterd leaves out the connect event
# and has Postfix send the client's address as macros instead.
tap_ok "ham: filterd's log line names the client (from Postfix's macros) and HELO" \
	grep -Eq "[0-9A-F]{6,}: client=unknown\[127\.0\.0\.1\] helo=client\.$PF_DOMAIN .*action=accept" \
	"$(fd_log filterd)"

# ---- GTUBE: refused at the end of DATA ---------------------------------------

send_case gtube gtube "$M/gtube.eml"
tap_ok "GTUBE: refused after DATA with 550 5.7.1" \
	replied "$S/gtube.out" "$ST" 26 "550 5.7.1"
tap_ok "GTUBE: nothing delivered, nothing queued" nothing_for gtube
tap_ok "GTUBE: Postfix logs the milter's reject" \
	pf_log_has 'milter-reject: END-OF-MESSAGE .*5\.7\.1'
tap_ok "GTUBE: filterd logs one line with the queue id, action and symbol" \
	grep -Eq '[0-9A-F]{6,}: client=.* action=reject .*GTUBE' "$(fd_log filterd)"

# ---- forged headers of ours are removed ----------------------------------

send_case forged forged "$M/forged.eml"
tap_ok "forged: accepted" replied "$S/forged.out" "$ST" 0 "250 "
md_wait forged 1
f=$(one_file forged)
tap_is "forged: one X-Spam-Status, filterd's (No)" \
	"$(md_header "$f" X-Spam-Status | cut -c1-3)" "No,"
tap_is "forged: the sender's X-Spam-Flag (any case) is gone" \
	"$(md_header "$f" X-Spam-Flag)" ""
tap_ok "forged: the sender's X-Spam-Score is gone" \
	sh -c "! grep -qi '^X-Spam-Score: 99' '$f'"

# ---- over a threshold: tagged and delivered ----------------------------------

send_case tagged tagged "$M/tagged.eml" --local-interface 127.0.0.2
tap_ok "tag (-o rewrite_subject_score=5): accepted" \
	replied "$S/tagged.out" "$ST" 0 "250 "
tap_ok "tag: delivered" md_wait tagged 1
f=$(one_file tagged)
tap_is "tag: X-Spam-Flag: YES" "$(md_header "$f" X-Spam-Flag)" "YES"
tap_is "tag: subject prefixed" "$(md_header "$f" Subject)" "[SPAM] Cheap watches"
st=$(md_header "$f" X-Spam-Status)
case "$st" in "Yes, score=1000.0 required=5.0 tests="*GTUBE*) r=0 ;; *) r=1 ;; esac
tap_result $r "tag: X-Spam-Status: Yes, score=1000.0 ... GTUBE"
[ $r = 0 ] || tap_diag "X-Spam-Status: '$st'"

# ---- quarantine: the hold queue ------------------------------------------

send_case held held "$M/held.eml" --local-interface 127.0.0.3
tap_ok "hold (-o quarantine_score=5): accepted" replied "$S/held.out" "$ST" 0 "250 "
tap_ok "hold: postqueue -p lists one held message" wait_until 10 held_is 1
tap_is "hold: the hold folder has its file" "$(pf_hold_files)" 1
tap_is "hold: not delivered" "$(md_count held)" 0
tap_ok "hold: Postfix logs the milter's hold" pf_log_has 'milter-hold: END-OF-MESSAGE'
/usr/sbin/postsuper -c "$S/etc" -H ALL >/dev/null 2>&1
/usr/sbin/postqueue -c "$S/etc" -f >/dev/null 2>&1
tap_ok "hold: released with postsuper -H, it is delivered" md_wait held 1
f=$(one_file held)
tap_is "hold: the delivered message has the subject prefix" \
	"$(md_header "$f" Subject)" "[SPAM] Hold me"

# ---- quarantine: a Maildir folder -----------------------------------------

n_held=$(pf_held_count)
send_case qdir qdir "$M/qdir.eml" --local-interface 127.0.0.5
tap_ok "qdir (-o quarantine_maildir): the client is told 250" \
	replied "$S/qdir.out" "$ST" 0 "250 "
q=$S/quar/Maildir
qfiles() { find "$q/new" -type f 2>/dev/null; }
qcount_is() { [ "$(qfiles | wc -l)" = "$1" ]; }
tap_ok "qdir: one file in the quarantine Maildir's new/" wait_until 10 qcount_is 1
tap_is "qdir: nothing left in its tmp/" "$(find "$q/tmp" -type f | wc -l)" 0
f=$(qfiles | head -n 1)
tap_is "qdir: the file has our headers (X-Spam-Flag: YES)" "$(md_header "$f" X-Spam-Flag)" YES
tap_is "qdir: and the subject prefix" "$(md_header "$f" Subject)" "[SPAM] Keep me aside"
tap_ok "qdir: and the whole body" grep -q 'GTUBE-STANDARD' "$f"
tap_ok "qdir: nothing delivered, nothing queued" nothing_for qdir
tap_is "qdir: nothing more in the hold queue" "$(pf_held_count)" "$n_held"
tap_ok "qdir: Postfix logs the milter's discard" \
	pf_log_has 'milter-discard: END-OF-MESSAGE.*to=<qdir@'
tap_ok "qdir: filterd logs the file" grep -q "quarantined to $q/new/" "$(fd_log qdir)"
tap_is "qdir: the file has LF line ends (no CR)" "$(tr -cd '\r' <"$f" | wc -c)" 0
chmod 0500 "$q/new"
send_case qdir2 qdir "$M/qdir.eml" --local-interface 127.0.0.5
tap_ok "qdir: when the folder cannot be written, tempfail (451 4.3.0)" \
	replied "$S/qdir2.out" "$ST" 26 "451 4.3.0"
chmod 0700 "$q/new"
tap_ok "qdir: and the message is neither delivered nor queued" nothing_for qdir
tap_ok "qdir: nothing new in the folder, nothing left in tmp/" \
	test "$(qfiles | wc -l) $(find "$q/tmp" -type f | wc -l)" = "1 0"

# ---- discard --------------------------------------------------------------

send_case dropped dropped "$M/dropped.eml" --local-interface 127.0.0.4
tap_ok "drop (-o discard_score=5): the client is told 250" \
	replied "$S/dropped.out" "$ST" 0 "250 "
tap_ok "drop: nothing delivered, nothing queued" nothing_for dropped
tap_ok "drop: Postfix logs the milter's discard" pf_log_has 'milter-discard: END-OF-MESSAGE'

# ---- mail from the command line (non_smtpd_milters) ------------------------

/usr/sbin/sendmail -C "$S/etc" -f "sender@$PF_DOMAIN" "local@$PF_DOMAIN" <"$M/local.eml"
tap_result $? "sendmail(1): the message is posted"
tap_ok "sendmail(1): delivered" md_wait local 1
f=$(one_file local)
case "$(md_header "$f" X-Spam-Status)" in No,*) r=0 ;; *) r=1 ;; esac
tap_result $r "sendmail(1): it went through filterd too (X-Spam-Status: No)"

# ---- filterd down: tempfail, nothing lost ----------------------------------

t3=$(date +%s%N)
tap_ok "filterd stops on SIGTERM" fd_stop filterd
t4=$(date +%s%N)
tap_is "filterd exits 0 after SIGTERM" "$FD_STATUS" 0
send_case later later "$M/later.eml"
tap_ok "filterd down: refused with 451 4.7.1" replied "$S/later.out" "$ST" 23 "451 4.7.1"
tap_ok "filterd down: nothing delivered, nothing queued" nothing_for later
tap_ok "filterd starts again" fd_start filterd
send_case later2 later "$M/later.eml"
tap_ok "filterd back: the same message is accepted" \
	replied "$S/later2.out" "$ST" 0 "250 "
tap_ok "filterd back: delivered once" md_wait later 1
f=$(one_file later)
case "$(md_header "$f" X-Spam-Status)" in No,*) r=0 ;; *) r=1 ;; esac
tap_result $r "filterd back: the message was scanned"

# ---- stop -----------------------------------------------------------------

t5=$(date +%s%N)
pf_stop
tap_ok "Postfix stops: port closed" port_closed "$PF_PORT"
t6=$(date +%s%N)
r=0
for n in filterd tag hold drop qdir; do
	if ! fd_stop "$n" || [ "$FD_STATUS" != 0 ]; then
		tap_diag "filterd ($n) exit status $FD_STATUS:" "$(tail -n 20 "$(fd_log "$n")")"
		r=1
	fi
done
tap_result $r "every filterd instance exits 0 on SIGTERM"
ms() { echo $((($2 - $1) / 1000000)); }
tap_diag "timings (ms): filterd x5 start $(ms "$t0" "$t1"), Postfix start $(ms "$t1" "$t2")," \
	"filterd stop $(ms "$t3" "$t4"), Postfix stop $(ms "$t5" "$t6"), whole run $(ms "$t0" "$t6")"
tap_done
