#!/bin/sh
# test_tables_postfix.sh: the table checks (docs/tables.md) end to end
# through a real Postfix with filterd as its milter.
#
# Usage: run-in-netns.sh sh test_tables_postfix.sh FILTERD
# Environment: KEEP=1 keeps the scratch folder; KEEP_ON_FAIL=1 keeps it when
# a check failed.
#
# A private Postfix instance (tests/integration/lib.sh) on 127.0.0.1, one
# filterd with a badmailfrom, a badrcptto and an access table. swaks sends
# from 127.0.0.1, or from 127.0.0.2/.3 (--local-interface), or with
# Postfix's XCLIENT, and each check is what a mail administrator would see:
#   - a badmailfrom sender is refused at RCPT (as Postfix's
#     smtpd_delay_reject does) with 553 5.7.1 and its text;
#   - a badrcptto recipient is refused at RCPT while the other recipient of
#     the same message gets it;
#   - a client address REJECT in the access table (127.0.0.2, and an
#     address given with XCLIENT) is refused with the table's code and text;
#   - a client OK (127.0.0.3) lets a badmailfrom sender through;
#   - SIGHUP reloads the tables; a malformed line on reload is logged with
#     file:line and the old tables stay in use.
# Exit status: 0 every check passed; 1 a check failed; 77 skipped (not
# root, or Postfix or swaks missing). It refuses to run outside a private
# network namespace.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/../integration/lib.sh"

it_program FILTERD "${1:-${TAMIS_FILTERD:-}}" "FILTERD (the filterd program)"

it_skip_unless_ready
it_require_netns
it_trap

dir=$(mktemp -d "${TMPDIR:-/tmp}/tamis-tables.XXXXXX")
pf_make "$dir" "" inbox nobody other
T=$dir/tables
mkdir -p "$T"
cat >"$T/badmailfrom" <<'X'
# refused senders
spammer@bad.example
X
cat >"$T/badrcptto" <<X
nobody@$PF_DOMAIN
X
cat >"$T/access" <<'X'
127.0.0.2        REJECT Your host is not welcome here
192.0.2.0/24     550 5.7.1 Network blocked by the access table
127.0.0.3        OK
X
chmod 0644 "$T"/*
cat >"$dir/filterd.conf" <<X
badmailfrom  = $T/badmailfrom
badrcptto    = $T/badrcptto
access_table = $T/access
X

M=$dir/msg
mkdir -p "$M"
{
	echo "From: <sender@$PF_DOMAIN>"
	echo "To: <inbox@$PF_DOMAIN>"
	echo "Subject: tables"
	echo "Date: $(date -R)"
	echo "Message-ID: <tables.$$@client.$PF_DOMAIN>"
	echo
	echo "Hello."
} >"$M/plain.eml"

tap_ok "Postfix starts" pf_start || { tap_done; exit 1; }
tap_ok "filterd starts with the tables" fd_start filterd || { tap_done; exit 1; }

# badmailfrom: refused at RCPT with 553 5.7.1.
smtp_send "$M/bmf.out" inbox "$M/plain.eml" --from spammer@bad.example
tap_is "badmailfrom: swaks sees the refusal at RCPT (exit 24)" "$?" 24
tap_is "badmailfrom: the reply" "$(smtp_last_reply "$M/bmf.out")" \
	"553 5.7.1 Sender address refused by local policy (badmailfrom)"

# badrcptto: nobody refused at RCPT, inbox gets the message.
smtp_send "$M/brt.out" inbox "$M/plain.eml" --to "nobody@$PF_DOMAIN,inbox@$PF_DOMAIN"
tap_ok "badrcptto: RCPT nobody refused with 553 5.7.1" \
	grep -q "553 5.7.1 Recipient address refused by local policy (badrcptto)" "$M/brt.out"
tap_ok "badrcptto: the other recipient gets the message" md_wait inbox 1
tap_is "badrcptto: nobody gets nothing" "$(md_count nobody)" 0

# Access table: client address from 127.0.0.2.
smtp_send "$M/ip.out" inbox "$M/plain.eml" --local-interface 127.0.0.2
st=$?
tap_ok "access REJECT by client address: refused (swaks exit $st)" [ "$st" != 0 ]
tap_ok "access REJECT by client address: 554 5.7.1 and the table's text" \
	grep -q "554 5.7.1 Your host is not welcome here" "$M/ip.out"

# Access table: a client address given with XCLIENT.
smtp_send "$M/xclient.out" inbox "$M/plain.eml" --xclient "ADDR=192.0.2.77"
st=$?
tap_ok "access REJECT by XCLIENT address: refused (swaks exit $st)" [ "$st" != 0 ]
tap_ok "access REJECT by XCLIENT address: the table's code and text" \
	grep -q "550 5.7.1 Network blocked by the access table" "$M/xclient.out"

# Access table: OK for 127.0.0.3 lets a badmailfrom sender through.
smtp_send "$M/ok.out" inbox "$M/plain.eml" --local-interface 127.0.0.3 --from spammer@bad.example
tap_is "access OK overrides badmailfrom: accepted" "$?" 0
tap_ok "access OK overrides badmailfrom: delivered" md_wait inbox 2

# Reload: a new badmailfrom entry takes effect on SIGHUP.
log=$(fd_log filterd)
reloads() { grep -c "configuration reloaded" "$log"; }
reloaded_since() { [ "$(reloads)" -gt "$1" ]; }
n0=$(reloads)
echo "late@bad.example" >>"$T/badmailfrom"
kill -HUP "$(fd_pid filterd)"
tap_ok "SIGHUP: reloaded" wait_until 10 reloaded_since "$n0"
smtp_send "$M/late.out" inbox "$M/plain.eml" --from late@bad.example
tap_is "SIGHUP: the new badmailfrom entry refuses (exit 24)" "$?" 24

# Reload with a malformed line: refused with file:line, the old tables stay.
printf 'broken line@bad.example\nlater@bad.example\n' >>"$T/badmailfrom"
kill -HUP "$(fd_pid filterd)"
tap_ok "bad table on SIGHUP: the error names file and line" \
	wait_until 10 grep -q "badmailfrom:4: white space" "$log"
smtp_send "$M/later.out" inbox "$M/plain.eml" --from later@bad.example
tap_is "bad table on SIGHUP: its new entries are not used (accepted)" "$?" 0
smtp_send "$M/late2.out" inbox "$M/plain.eml" --from late@bad.example
tap_is "bad table on SIGHUP: the old tables stay (late@ still refused)" "$?" 24

if [ "$TAP_FAILED" -gt 0 ]; then tap_diag "filterd log:" "$(tail -n 30 "$log")"; fi
tap_done
