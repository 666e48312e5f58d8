#!/bin/sh
# test_dns_check.sh: filterd's DNS list checks (dnsbl, dnswl, rhsbl,
# uribl) against a real DNS server, through `filterd check --json`.
#
# Usage: run-in-netns.sh sh test_dns_check.sh FILTERD
# It starts dnsmasq on 127.0.0.1 (dns_lib.sh: the test zones, no upstream)
# inside the private network namespace, runs filterd check with the client
# address, HELO and sender given on the command line, and checks the
# symbols, the actions, the reply texts, the log lines and the time taken.
# Each check is one TAP line. Exit status: 0 all passed, 1 a check failed,
# 77 skipped (not root, or dnsmasq missing).
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/../integration/lib.sh"
# shellcheck source=tests/dns/dns_lib.sh
. "$here/dns_lib.sh"

it_program FILTERD "${1:-}" "FILTERD (the filterd program)"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (network namespace)"
	exit 77
fi
dns_skip_unless_ready
it_require_netns

S=$(mktemp -d "${TMPDIR:-/tmp}/tamis-dns.XXXXXX") || exit 1
trap 'dns_stop; rm -rf "$S"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
PORT=15353
dns_start "$S/dns" "$PORT" || exit 1
TTLPORT=15354
dns_start "$S/dnsttl" "$TTLPORT" local-ttl=300 || exit 1

write_msg() {
	{
		echo "From: <a@sender.example>"
		echo "To: <b@rcpt.example>"
		echo "Subject: links"
		echo "Date: Thu, 3 Dec 2026 09:00:00 +0000"
		echo "Message-ID: <1@sender.example>"
		echo "MIME-Version: 1.0"
		echo "Content-Type: multipart/alternative; boundary=b"
		echo
		echo "--b"
		echo "Content-Type: text/plain"
		echo
		echo "$2"
		echo "--b"
		echo "Content-Type: text/html"
		echo
		echo "<p>$3</p>"
		echo "--b--"
	} >"$1"
}
write_msg "$S/plain.eml" "Nothing to see." "nothing"
write_msg "$S/urls.eml" "See http://www.grey.example/a and http://refused.example/ and http://10.0.0.2/x" \
	'<a href="https://mail.evil.example/click?x=1">click</a> <a href="http://co.uk/">x</a>'
write_msg "$S/phish.eml" "Log in at http://login.phish.example/" "nothing"
write_msg "$S/eight.eml" "http://d1.example/ http://d2.example/ http://d3.example/ http://d4.example/ http://d5.example/ http://d6.example/ http://d7.example/ http://d8.example/" "x"
{
	printf 'From: <a@sender.example>\nTo: <b@rcpt.example>\nSubject: idn\n'
	printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n'
	printf 'Content-Transfer-Encoding: 8bit\n\n'
	printf 'Visit http://www.b\303\274cher.example/shop today.\n'
} >"$S/idn.eml"
write_msg "$S/many.eml" "http://a1.example/ http://a2.example/ http://evil.example/" "x"

BL="bl.test=127.0.0.2:RCVD_IN_BL:3.0,bl.test=127.0.0.[10..11]:RCVD_IN_PBL:1.5"
BL="$BL,bl.test=127.0.0.4:RCVD_IN_XBL:reject,nt.test"
WL="wl.test=127.0.10.2:RCVD_IN_WL:allow"
DOM="dbl.test=127.0.1.[2..99]"

# run NAME ARGS...: filterd check --json --report with the test servers;
# stdout in S/NAME.json, stderr in S/NAME.err, seconds taken in S/NAME.time.
run() {
	r_name=$1
	shift
	r_t0=$(date +%s%N)
	"$FILTERD" check --json --report -o "dns_servers=127.0.0.1:$PORT" -o dns_timeout=1s "$@" \
		>"$S/$r_name.json" 2>"$S/$r_name.err"
	r_st=$?
	echo $((($(date +%s%N) - r_t0) / 1000000)) >"$S/$r_name.time"
	return $r_st
}

has() { grep -q -- "$2" "$S/$1.json"; }
logged() { grep -q -- "$2" "$S/$1.err"; }
ms() { cat "$S/$1.time"; }
action() { sed -n 's/^{"action":"\([a-z-]*\)".*/\1/p' "$S/$1.json"; }

# check DESC CMD...: a TAP line; diagnostics on failure.
check() {
	c_desc=$1
	shift
	if "$@"; then tap_result 0 "$c_desc"; else
		tap_result 1 "$c_desc"
		tap_diag "$(cat "$S/$r_name.json" "$S/$r_name.err" 2>/dev/null | head -c 2000)"
	fi
}
not() { ! "$@"; }

run unlisted -o "dnsbl_zones=$BL" -o "dnswl_zones=$WL" --client-addr 10.0.0.1 "$S/plain.eml"
check "an unlisted client gets no symbol" not has unlisted RCVD_IN
tap_is "an unlisted client is accepted" "$(action unlisted)" accept

run listed -o "dnsbl_zones=$BL" --client-addr 10.0.0.2 "$S/plain.eml"
check "a listed client gets its symbol and score" \
	has listed '"name":"RCVD_IN_BL","score":3.00,"description":"client 10.0.0.2 listed by bl.test (127.0.0.2)"'
check "the list without its RFC 5782 test entry is disabled loudly" \
	logged listed 'zone nt.test fails the RFC 5782 self-test (127.0.0.2 is not listed): DISABLED'
check "the disabled list gives no symbol" not has listed DNSBL_NT_TEST

run pbl -o "dnsbl_zones=$BL" --client-addr 10.0.0.3 "$S/plain.eml"
check "an answer in a range gives that item's symbol" has pbl '"name":"RCVD_IN_PBL","score":1.50'
check "and not the other items'" not has pbl RCVD_IN_BL

run refused -o "dnsbl_zones=$BL" --client-addr 10.0.0.4 "$S/plain.eml"
check "a refused-query answer (127.255.255.254) is no listing" not has refused RCVD_IN
check "a refused-query answer is logged as an error" \
	logged refused 'error answer, not a listing: 127.255.255.254'

run reject -o "dnsbl_zones=$BL" --client-addr 10.0.0.5 "$S/plain.eml"
tap_is "a reject item refuses the client" "$(action reject)" reject
check "with 554 5.7.1 and the list's TXT record in the text" has reject \
	'"reply":{"code":"554","xcode":"5.7.1","text":"Service unavailable; client \[10.0.0.5\] blocked using bl.test; Open proxy 10.0.0.5"}'

run v6 -o "dnsbl_zones=$BL" --client-addr 2001:db8::2 "$S/plain.eml"
check "an IPv6 client is looked up by its nibbles" has v6 '"name":"RCVD_IN_BL"'
run v6un -o "dnsbl_zones=$BL" --client-addr 2001:db8::3 "$S/plain.eml"
check "an unlisted IPv6 client gets no symbol" not has v6un RCVD_IN_BL

run welcome -o "dnsbl_zones=$BL" -o "dnswl_zones=$WL" --client-addr 10.0.0.6 "$S/plain.eml"
check "an allow list's allow item gives its symbol" has welcome '"name":"RCVD_IN_WL"'
check "and cancels the block lists (10.0.0.6 is listed there)" not has welcome RCVD_IN_BL
run wlscore -o "dnsbl_zones=$BL" -o "dnswl_zones=wl.test=127.0.10.2:RCVD_IN_WL_MED:-5" \
	--client-addr 10.0.0.6 "$S/plain.eml"
check "an allow list's score lowers the total" has wlscore '"score":-2.00'

run local -o "dnsbl_zones=$BL" -o dnsbl_allow_networks=10.0.0.0/29 --client-addr 10.0.0.5 \
	"$S/plain.eml"
tap_is "a client in dnsbl_allow_networks is not looked up" "$(action local)" accept

run dead -o "dnsbl_zones=$BL,dead.test" --client-addr 10.0.0.2 "$S/plain.eml"
check "a zone that never answers leaves the others' symbols" has dead '"name":"RCVD_IN_BL"'
check "and is logged as a failed lookup" logged dead 'in dead.test: lookup failed'
check "and costs at most the budget (1 s): $(ms dead) ms" test "$(ms dead)" -lt 1900

run noserver -o "dnsbl_zones=$BL" -o dns_servers=127.0.0.1:1 --client-addr 10.0.0.2 \
	"$S/plain.eml"
tap_is "no DNS server: the mail is not refused" "$(action noserver)" accept
check "and the failure is logged" logged noserver 'lookup failed'

run rhsbl -o "rhsbl_zones=$DOM:RHSBL_DBL:2.5" --from x@mail.badsender.example \
	--helo mx.ipquery.example "$S/plain.eml"
check "rhsbl: the sender's registrable domain is listed" has rhsbl \
	'"name":"RHSBL_DBL","score":2.50,"description":"sender domain badsender.example listed by dbl.test'
check "rhsbl: an error answer for the HELO name (127.0.1.255) is logged, not scored" \
	logged rhsbl 'ipquery.example in dbl.test: error answer'
run helo -o "rhsbl_zones=$DOM:RHSBL_DBL:2.5" --from "" --helo mail.evil.example "$S/plain.eml"
check "rhsbl: the HELO name's domain is looked up" has helo 'HELO domain evil.example'
run literal -o "rhsbl_zones=$DOM" --helo "[10.0.0.2]" --from "x@[10.0.0.2]" "$S/plain.eml"
check "rhsbl: address literals are not looked up" not grep -q 'query.*10.0.0.2.*dbl' \
	"$S/dns/dnsmasq.log"

run uribl -o "uribl_zones=$DOM:URIBL_DBL:3,uribl.test=&4:URIBL_GREY:1" "$S/urls.eml"
check "uribl: a domain of an HTML link is listed" has uribl \
	'"name":"URIBL_DBL","score":3.00,"description":"URL domain evil.example'
check "uribl: a bit mask item matches" has uribl '"name":"URIBL_GREY","score":1.00'
check "uribl: 127.0.0.1 is a refused query, not a listing" \
	logged uribl 'refused.example in uribl.test: error answer'
check "uribl: an IP literal URL is not looked up" not grep -q '10.0.0.2.uribl.test' \
	"$S/dns/dnsmasq.log"
check "uribl: a public suffix (co.uk) is not looked up" not grep -q 'co.uk.uribl.test' \
	"$S/dns/dnsmasq.log"
run wild -o "uribl_zones=$DOM:URIBL_DBL:3,wild.test,nt.test" "$S/urls.eml"
check "a domain list that lists INVALID is disabled loudly" \
	logged wild 'zone wild.test fails the RFC 5782 self-test (INVALID is listed): DISABLED'
check "and gives no symbol" not has wild URIBL_WILD_TEST
check "a domain list without TEST is kept, with a warning" \
	logged wild 'zone nt.test does not list TEST (RFC 5782); kept'
check "the other list still works" has wild URIBL_DBL
run skip -o "uribl_zones=$DOM:URIBL_DBL:3" -o dns_skip_domains=evil.example "$S/urls.eml"
check "uribl: dns_skip_domains are not looked up" not has skip URIBL_DBL

run phish -o "uribl_zones=$DOM:URIBL_DBL:3,dbl.test=127.0.1.4:URIBL_PHISH:reject" \
	"$S/phish.eml"
tap_is "uribl: a reject item refuses the message" "$(action phish)" reject
check "uribl: with 550 5.7.1 and the TXT record" has phish \
	'"code":"550","xcode":"5.7.1","text":"Message refused: it links to phish.example, listed by dbl.test; phish.example is phishing"'

run idn -o "uribl_zones=$DOM:URIBL_DBL:3" "$S/idn.eml"
check "uribl: an IDN is looked up in A-labels" \
	grep -q 'query\[A\] xn--bcher-kva.example.dbl.test' "$S/dns/dnsmasq.log"
check "uribl: and its listing found" has idn \
	'"name":"URIBL_DBL","score":3.00,"description":"URL domain xn--bcher-kva.example'

run many -o "uribl_zones=$DOM:URIBL_DBL:3" -o uribl_max_domains=2 "$S/many.eml"
check "uribl: past uribl_max_domains domains are not looked up" not has many URIBL_DBL
check "uribl: and a log line says so" logged many '1 URL domains past uribl_max_domains (2)'

run flood -o "uribl_zones=dead.test" -o dns_selftest_interval=0 "$S/eight.eml"
tap_is "a dead zone: the first 5 failures of a stage are logged" \
	"$(grep -c 'in dead.test: lookup failed' "$S/flood.err")" 5
check "and the rest are counted in one line" \
	logged flood 'uribl: 3 more failed lookups or error answers not logged'

# One budget per message: a zone that never answers, looked up at the
# connection and at the content stage, costs one dns_timeout, not two.
run deadall -o "dnsbl_zones=dead.test" -o "uribl_zones=dead.test" -o dns_selftest_interval=0 \
	--client-addr 10.0.0.1 "$S/eight.eml"
check "a never-answering zone at two stages: one budget (1s) in all ($(ms deadall) ms)" \
	test "$(ms deadall)" -ge 900 -a "$(ms deadall)" -lt 1700
check "and both stages logged their failures" \
	logged deadall 'dnsbl: 10.0.0.1 in dead.test: lookup failed'

# The cache: two messages in one run; answers with a TTL are asked once.
queries() { grep -c "query\[A\] 2.0.0.10.bl.test" "$1/dnsmasq.log"; }
q0=$(queries "$S/dns")
run nocache -o "dnsbl_zones=$BL" --client-addr 10.0.0.2 "$S/plain.eml" "$S/plain.eml"
tap_is "answers with TTL 0 are not cached: asked for each message" \
	"$(($(queries "$S/dns") - q0))" 2
"$FILTERD" check --json -o "dns_servers=127.0.0.1:$TTLPORT" -o "dnsbl_zones=$BL" \
	--client-addr 10.0.0.2 "$S/plain.eml" "$S/plain.eml" >"$S/cache.json" 2>"$S/cache.err"
tap_is "answers with a TTL are cached: asked once for two messages" \
	"$(queries "$S/dnsttl")" 1
tap_is "and both messages get the symbol" "$(grep -c RCVD_IN_BL "$S/cache.json")" 2

run badconf -o "dnsbl_zones=zen.test=127.0.0.300:SYM:3"
tap_is "a bad item is a configuration error (exit 78)" "$r_st" 78
check "naming the setting and the item" logged badconf 'dnsbl_zones: "zen.test=127.0.0.300:SYM:3": bad answer pattern'

tap_done
