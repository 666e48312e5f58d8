#!/bin/sh
# test_dns_postfix.sh: filterd's DNS list checks as the milter of a real
# Postfix, end to end, against a real DNS server (dnsmasq, dns_lib.sh).
#
# Usage: run-in-netns.sh sh test_dns_postfix.sh FILTERD
# A private Postfix (tests/integration/lib.sh) with two filterd instances
# chosen by the client's address (smtpd_milter_maps):
#   main (every client)  the test zones: bl.test rejects 127.0.0.2 (its
#                        RFC 5782 entry) and 10.0.0.5 (an "open proxy"),
#                        dbl.test scores senders and rejects phishing URLs
#   dead (127.0.0.3)     a block list that never answers, budget 1 s
# Clients: 127.0.0.1 (not listed), 127.0.0.2 (swaks --local-interface),
# 10.0.0.5 (Postfix's XCLIENT). Checks the SMTP replies (code, enhanced
# code, text with the TXT record), the stage of the refusal (a listed
# client: at RCPT, as Postfix's smtpd_delay_reject gives its own), what is
# delivered, and the logs. Exit status: 0, 1 (a check failed), 77 skipped.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/../integration/lib.sh"
# shellcheck source=tests/dns/dns_lib.sh
. "$here/dns_lib.sh"

it_program FILTERD "${1:-}" "FILTERD (the filterd program)"
it_skip_unless_ready
dns_skip_unless_ready
it_require_netns

S=$(mktemp -d "${TMPDIR:-/tmp}/tamis-dnspf.XXXXXX") || exit 1
PF_DIR=$S
trap 'dns_stop; it_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
PORT=15353
pf_make "$S" "" ham proxy listed sender phish slow
dns_start "$S/dns" "$PORT" || exit 1

msg() {
	{
		echo "From: <sender@$PF_DOMAIN>"
		echo "To: <rcpt@$PF_DOMAIN>"
		echo "Subject: $2"
		echo "Date: $(date -R)"
		echo "Message-ID: <$2.$$@client.$PF_DOMAIN>"
		echo
		echo "$3"
	} >"$1"
}
msg "$S/ham.eml" ham "Shall we meet at noon?"
msg "$S/phish.eml" phish "Please log in at http://login.phish.example/now"

DNS="-o dns_servers=127.0.0.1:$PORT -o dns_timeout=2s"
pf_milter_route 127.0.0.3/32 "unix:$S/run/dead.sock"
# shellcheck disable=SC2086  # DNS is a list of options
tap_ok "filterd with the DNS lists starts" fd_start filterd $DNS \
	-o "dnsbl_zones=bl.test=127.0.0.2:RCVD_IN_TEST:reject,bl.test=127.0.0.4:RCVD_IN_XBL:reject" \
	-o "rhsbl_zones=dbl.test=127.0.1.[2..99]:RHSBL_DBL:2.5" \
	-o "uribl_zones=dbl.test=127.0.1.4:URIBL_PHISH:reject" || { tap_done; exit 1; }
tap_ok "filterd with a dead list starts" fd_start dead -o "dns_servers=127.0.0.1:$PORT" \
	-o dns_timeout=1s -o "dnsbl_zones=dead.test:RCVD_IN_DEAD:reject" || { tap_done; exit 1; }
tap_ok "Postfix starts" pf_start || { tap_done; exit 1; }

# replied OUT STATUS WANT_STATUS WANT_REPLY: swaks' status and last reply.
replied() {
	rp=$(smtp_last_reply "$1")
	if [ "$2" = "$3" ] && [ "$rp" = "$4" ]; then return 0; fi
	tap_diag "swaks exit $2 (want $3)" "reply: '$rp'" "want:  '$4'"
	return 1
}

smtp_send "$S/ham.out" ham "$S/ham.eml"
tap_ok "an unlisted client (127.0.0.1) is accepted" replied "$S/ham.out" $? 0 \
	"$(smtp_last_reply "$S/ham.out" | grep '^250 2.0.0 Ok: queued')"
tap_ok "and its mail delivered" md_wait ham 1

smtp_send "$S/listed.out" listed "$S/ham.eml" --local-interface 127.0.0.2 \
	--to "listed@$PF_DOMAIN,ham@$PF_DOMAIN"
# filterd decides at EHLO (the connection stage) and gives the refusal at
# RCPT TO (swaks status 24), where Postfix gives its own client refusals.
tap_ok "a listed client (127.0.0.2) is refused at RCPT, with the list's TXT record" \
	replied "$S/listed.out" $? 24 \
	"554 5.7.1 Service unavailable; client [127.0.0.2] blocked using bl.test; Test entry 127.0.0.2 (RFC 5782)"
tap_ok "both its recipients are refused" \
	test "$(grep -c '<\*\* *554 5.7.1 Service unavailable; client \[127.0.0.2\]' "$S/listed.out")" -eq 2
tap_is "nothing delivered to it" "$(md_count listed)" 0
tap_ok "filterd logs the refused message once" \
	test "$(grep -c 'client=.*\[127\.0\.0\.2\].*action=reject' "$(fd_log filterd)")" -eq 1

smtp_send "$S/proxy.out" proxy "$S/ham.eml" --xclient-addr 10.0.0.5 --xclient-name proxy.test
tap_ok "a client set by XCLIENT (10.0.0.5) is refused at RCPT with its TXT record" \
	replied "$S/proxy.out" $? 24 \
	"554 5.7.1 Service unavailable; client [10.0.0.5] blocked using bl.test; Open proxy 10.0.0.5"
tap_ok "Postfix logs the milter's reject at RCPT, with sender and recipient" \
	pf_log_has 'milter-reject: RCPT from proxy\.test\[10\.0\.0\.5\]: 554 5\.7\.1 .*from=<.*to=<proxy@'

smtp_send "$S/sender.out" sender "$S/ham.eml" --from x@badsender.example
tap_ok "a sender in the domain list is scored, not refused" replied "$S/sender.out" $? 0 \
	"$(smtp_last_reply "$S/sender.out" | grep '^250 2.0.0 Ok: queued')"
md_wait sender 1
f=$(md_files sender | head -n 1)
case "$(md_header "$f" X-Spam-Status)" in *RHSBL_DBL*) r=0 ;; *) r=1 ;; esac
tap_result $r "its X-Spam-Status names RHSBL_DBL"

smtp_send "$S/phish.out" phish "$S/phish.eml"
tap_ok "a message linking to a listed phishing domain is refused after DATA" \
	replied "$S/phish.out" $? 26 \
	"550 5.7.1 Message refused: it links to phish.example, listed by dbl.test; phish.example is phishing"

t0=$(date +%s%N)
smtp_send "$S/slow.out" slow "$S/ham.eml" --local-interface 127.0.0.3
st=$?
t1=$(date +%s%N)
tap_ok "a list that never answers does not refuse mail" replied "$S/slow.out" $st 0 \
	"$(smtp_last_reply "$S/slow.out" | grep '^250 2.0.0 Ok: queued')"
ms=$(((t1 - t0) / 1000000))
tap_ok "and the session waits about the budget (1 s): $ms ms" test "$ms" -lt 3000
tap_ok "filterd logs the failed lookup" grep -q 'in dead.test: lookup failed' "$(fd_log dead)"

tap_done
