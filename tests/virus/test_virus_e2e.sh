#!/bin/sh
# test_virus_e2e.sh: viruses stopped end to end: a real Postfix with filterd
# as its milter, filterd scanning with libclamav and a test database made
# at run time (make-db.sh).
#
# Usage: run-in-netns.sh sh test_virus_e2e.sh FILTERD
# Environment: KEEP=1 keeps the scratch folder; KEEP_ON_FAIL=1 keeps it when
# a check failed.
#
# Checks what a mail administrator would: a mail with clam.exe (Debian's
# clamav-testfiles) attached, the clam.mail sample and a mail with EICAR
# are refused after DATA with 554 5.7.1 and the signature's name, and
# nothing is delivered; a clean mail is delivered with X-Virus-Scanned and
# X-Virus-Status: Clean (a forged X-Virus-Status removed); a signature
# added to the folder is picked up without a restart, and a SIGHUP reload
# keeps scanning; with no database (virus_scan = yes) mail is deferred
# with 451 4.7.1, never delivered unscanned. Postfix picks the filterd
# instance by client address (lib.sh, pf_milter_route):
#   127.0.0.1  main   the test database, clamav_db_check_interval = 1s
#   127.0.0.2  nodb   virus_scan = yes and an empty folder
#
# Exit status: 0 every check passed; 1 a check failed; 77 skipped (not
# root; Postfix, swaks or clamav-testfiles missing). It refuses to run
# outside a private network namespace.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/../integration/lib.sh"

it_program FILTERD "${1:-}" "FILTERD (the filterd program)"
TESTFILES=${CLAMAV_TESTFILES:-/usr/share/clamav-testfiles}

it_skip_unless_ready
if [ ! -r "$TESTFILES/clam.exe" ]; then
	echo "1..0 # SKIP clamav-testfiles is not installed (scripts/setup-deps.sh test)"
	exit 77
fi
it_require_netns

# mail_with FILE SUBJECT [ATTACHMENT [HEADER]]: a whole message; with
# ATTACHMENT, a multipart with it in base64 under its own name.
mail_with() {
	{
		echo "From: Sender <sender@$PF_DOMAIN>"
		echo "To: <rcpt@$PF_DOMAIN>"
		echo "Subject: $2"
		echo "Date: $(date -R)"
		echo "Message-ID: <$(basename "$1" .eml).$$@client.$PF_DOMAIN>"
		echo "MIME-Version: 1.0"
		[ -n "${4:-}" ] && echo "$4"
		if [ -z "${3:-}" ]; then
			printf 'Content-Type: text/plain\n\nNothing to see here.\n'
		else
			printf 'Content-Type: multipart/mixed; boundary="b"\n\n'
			printf -- '--b\nContent-Type: text/plain\n\nHere is the file.\n--b\n'
			printf 'Content-Type: application/octet-stream\n'
			printf 'Content-Disposition: attachment; filename="%s"\n' "$(basename "$3")"
			printf 'Content-Transfer-Encoding: base64\n\n'
			base64 <"$3"
			printf -- '--b--\n'
		fi
	} >"$1"
}

# refused OUT STATUS CODE TEXT: swaks ended with STATUS and the last reply
# starts with CODE and holds TEXT.
refused() {
	rf_reply=$(smtp_last_reply "$1")
	case "$rf_reply" in
	"$3"*"$4"*) [ "$2" = 26 ] || [ "$2" = 25 ] || [ "$2" = 23 ] && return 0 ;;
	esac
	tap_diag "swaks exit $2; last reply: '$rf_reply' (want '$3 ...$4...')"
	return 1
}

# nothing_for RCPT: RCPT got nothing and the queue is empty.
nothing_for() {
	[ "$(md_count "$1")" = 0 ] && pf_queue_empty
}

# fd_log_count PATTERN: lines of the main filterd's log with PATTERN.
fd_log_count() {
	grep -c -- "$1" "$(fd_log filterd)" || true
}

fd_log_above() {
	[ "$(fd_log_count "$1")" -gt "$2" ]
}

S=$(mktemp -d "${TMPDIR:-/tmp}/tamis-virus-e2e.XXXXXX") || exit 1
PF_DIR=$S
it_trap
pf_make "$S" "" clean virus mailed eicar newsig reloaded deferred
sh "$here/make-db.sh" "$S/av" || { echo "Bail out! make-db.sh failed"; exit 1; }
chmod -R a+rX "$S/av"
mkdir -m 755 "$S/empty"
M=$S/msg
mkdir -p "$M"
pf_milter_route 127.0.0.2/32 "unix:$S/run/nodb.sock"

mail_with "$M/virus.eml" "The invoice" "$TESTFILES/clam.exe"
mail_with "$M/eicar.eml" "Test file" "$S/av/eicar.com"
mail_with "$M/clean.eml" "Lunch" "" "X-Virus-Status: Infected (forged by the sender)"
mail_with "$M/deferred.eml" "While the database is missing"
head -c 4096 /dev/urandom >"$S/av/new.bin"
mail_with "$M/newsig.eml" "A new one" "$S/av/new.bin"

tap_ok "filterd starts with the test database" fd_start filterd \
	-o "clamav_db=$S/av/db" -o virus_scan=yes -o clamav_db_check_interval=1s ||
	{ tap_done; exit 1; }
tap_ok "a second filterd (no database, virus_scan = yes) starts" fd_start nodb \
	-o "clamav_db=$S/empty" -o virus_scan=yes
tap_ok "Postfix starts" pf_start || { tap_done; exit 1; }

# ---- viruses: refused with the name -------------------------------------

smtp_send "$S/virus.out" virus "$M/virus.eml"
tap_ok "clam.exe attached: refused with 554 5.7.1 naming ClamAV-Test-File" \
	refused "$S/virus.out" $? "554 5.7.1" "ClamAV-Test-File"
smtp_send "$S/mailed.out" mailed "$TESTFILES/clam.mail"
tap_ok "clamav-testfiles' clam.mail: refused, named" \
	refused "$S/mailed.out" $? "554 5.7.1" "ClamAV-Test-File"
smtp_send "$S/eicar.out" eicar "$M/eicar.eml"
tap_ok "EICAR attached: refused, named" refused "$S/eicar.out" $? "554 5.7.1" \
	"Eicar-Test-Signature"
tap_ok "no virus was delivered or queued" sh -c \
	"[ -z \"\$(find '$S/vmail/virus' '$S/vmail/mailed' '$S/vmail/eicar' -type f 2>/dev/null)\" ]"
tap_ok "Postfix logs the milter's reject with the name" \
	pf_log_has 'milter-reject: END-OF-MESSAGE .*5\.7\.1 message contains a virus: ClamAV-Test-File'
tap_ok "filterd logs VIRUS_FOUND with the queue id" \
	grep -Eq '[0-9A-F]{6,}: client=.* action=reject .*VIRUS_FOUND' "$(fd_log filterd)"

# ---- clean: delivered with the headers --------------------------------------

smtp_send "$S/clean.out" clean "$M/clean.eml"
tap_is "a clean mail: accepted" "$(smtp_last_reply "$S/clean.out" | cut -c1-3)" 250
tap_ok "a clean mail: delivered" md_wait clean 1
f=$(md_files clean | head -n 1)
tap_is "X-Virus-Status: Clean (the sender's removed)" "$(md_header "$f" X-Virus-Status)" Clean
case "$(md_header "$f" X-Virus-Scanned)" in
"tamis filterd (ClamAV "*")") r=0 ;;
*) r=1 ;;
esac
tap_result $r "X-Virus-Scanned: tamis filterd (ClamAV VERSION)"

# ---- a new signature, picked up without a restart -------------------------

smtp_send "$S/before.out" newsig "$M/newsig.eml"
tap_is "before the new signature: the random file is accepted" \
	"$(smtp_last_reply "$S/before.out" | cut -c1-3)" 250
n=$(fd_log_count "virus: loaded")
sig=$(md5sum <"$S/av/new.bin" | cut -d' ' -f1)
printf '%s:4096:Tamis-New-Signature\n' "$sig" >"$S/av/db/new.hdb"
tap_ok "the watcher loads the changed folder (clamav_db_check_interval)" \
	wait_until 15 fd_log_above "virus: loaded" "$n"
smtp_send "$S/after.out" newsig "$M/newsig.eml"
tap_ok "after: the same file is refused as Tamis-New-Signature" \
	refused "$S/after.out" $? "554 5.7.1" "Tamis-New-Signature"

n=$(fd_log_count "configuration reloaded")
loads=$(fd_log_count "virus: loaded")
kill -HUP "$(fd_pid filterd)"
tap_ok "SIGHUP: filterd reloads" wait_until 15 fd_log_above "configuration reloaded" "$n"
tap_ok "SIGHUP, database unchanged: the engine is kept, not loaded again" sh -c \
	"grep -q 'did not change: keeping the engine loaded before' '$(fd_log filterd)' &&
	[ \"\$(grep -c 'virus: loaded' '$(fd_log filterd)')\" = '$loads' ]"
[ "$tap_st" = 0 ] || grep 'virus:' "$(fd_log filterd)" | sed 's/^/# /'
smtp_send "$S/reloaded.out" reloaded "$M/virus.eml"
tap_ok "after the reload: clam.exe still refused" \
	refused "$S/reloaded.out" $? "554 5.7.1" "ClamAV-Test-File"

# ---- no database: deferred, never delivered unscanned ---------------------

smtp_send "$S/deferred.out" deferred "$M/deferred.eml" --local-interface 127.0.0.2
tap_ok "no database (virus_scan = yes): 451 4.7.1" \
	refused "$S/deferred.out" $? "451 4.7.1" ""
tap_ok "no database: nothing delivered" nothing_for deferred

pf_stop
r=0
for n in filterd nodb; do
	if ! fd_stop "$n" || [ "$FD_STATUS" != 0 ]; then
		tap_diag "filterd ($n) exit $FD_STATUS:" "$(tail -n 20 "$(fd_log "$n")")"
		r=1
	fi
done
tap_result $r "both filterd instances exit 0 on SIGTERM"
tap_done
