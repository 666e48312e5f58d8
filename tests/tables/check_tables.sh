#!/bin/sh
# Black-box tests of the table checks (docs/tables.md) through
# `filterd check --json --report` with the envelope options, and `filterd
# lint`: what a user sees for qmail badmailfrom/badrcptto files, pcre2
# pattern files and an access table: the action, the SMTP reply, the
# symbols; errors with file:line refuse the configuration.
# Usage: check_tables.sh FILTERD MESSAGE
set -u
filterd=$1
msg=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

cat >"$tmp/badmailfrom" <<'T'
# refused senders (qmail control/badmailfrom)
spammer@example.org
@spam.example
T
printf '^[0-9]{6,}@\n' >"$tmp/badmailfrom_patterns"
printf 'nobody@test.example\n@closed.example\n' >"$tmp/badrcptto"
printf '^abuse-[a-z]+@\n' >"$tmp/badrcptto_patterns"
cat >"$tmp/access" <<'T'
# client keys
192.0.2.66              REJECT Go away
198.51.100.0/24         550 5.7.1 Your network is blocked
2001:db8:bad::/48       DEFER Try later
203.0.113               OK
Connect:trusted.example OK
.dynamic.example        4.5
# sender and recipient keys
friend@spam.example     OK
@spam.example           DUNNO
<>                      DISCARD
From:sales@             3
To:sales@               -2
vip@test.example        OK
partner.example         -1
held.example            HOLD Looks odd
T
base="-o badmailfrom=$tmp/badmailfrom -o badmailfrom_patterns=$tmp/badmailfrom_patterns
 -o badrcptto=$tmp/badrcptto -o badrcptto_patterns=$tmp/badrcptto_patterns
 -o access_table=$tmp/access"

# verdict DESC WANT ARGS...: `filterd check --json --report ARGS MESSAGE`
# summarised as "ACTION CODE XCODE TEXT | SYMBOL=SCORE ..." (the table
# symbols only) must equal WANT. The sender is someone@example.net unless
# ARGS give another --from.
verdict() {
	v_desc=$1 v_want=$2
	shift 2
	# shellcheck disable=SC2086  # $base is split on purpose
	if ! "$filterd" check --json --report $base --from someone@example.net "$@" "$msg" >"$tmp/out" 2>"$tmp/err"; then
		not_ok "$v_desc: filterd check failed"
		sed 's/^/# /' "$tmp/err"
		return
	fi
	v_got=$(python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).read())
r = o["plan"]["reply"]
reply = " ".join(x or "-" for x in (r["code"], r["xcode"], r["text"])) if r else "-"
syms = " ".join("%s=%g" % (s["name"], s["score"]) for s in o["symbols"]
                if s["name"].startswith(("ACCESS_", "BADMAILFROM", "BADRCPTTO")))
print(o["action"], reply, "|", syms)' "$tmp/out")
	if [ "$v_got" = "$v_want" ]; then ok "$v_desc"; else
		not_ok "$v_desc"
		echo "# got:  $v_got"
		echo "# want: $v_want"
	fi
}

# Off by default: no table, no symbol.
"$filterd" check --json --from spammer@example.org "$msg" >"$tmp/out" 2>&1
if grep -q BADMAILFROM "$tmp/out"; then not_ok "off by default"; else ok "off by default"; fi

# qmail badmailfrom: exact address, @domain (that host only), patterns.
verdict "badmailfrom: exact address" \
	"reject 553 5.7.1 Sender address refused by local policy (badmailfrom) | BADMAILFROM=0" \
	--from Spammer@Example.ORG --rcpt inbox@test.example
verdict "badmailfrom: @domain" \
	"reject 553 5.7.1 Sender address refused by local policy (badmailfrom) | BADMAILFROM=0" \
	--from anyone@spam.example
verdict "badmailfrom: @domain is not its subdomains" "accept - | " --from anyone@mx.spam.example
verdict "badmailfrom: pattern" \
	"reject 553 5.7.1 Sender address refused by local policy (badmailfrom) | BADMAILFROM_PATTERN=0" \
	--from 1234567@example.net
verdict "badmailfrom: the null sender is not looked up in it" "discard - | ACCESS_FROM=0" --from ""
verdict "badmailfrom_action: a score" "add-header - | BADMAILFROM=6" \
	--from spammer@example.org -o badmailfrom_action=6
verdict "badmailfrom_action: a code and text" "tempfail 451 4.7.1 Greylisted | BADMAILFROM=0" \
	--from spammer@example.org -o "badmailfrom_action=451 4.7.1 Greylisted"

# badrcptto: the refused recipient only.
verdict "badrcptto: exact address" \
	"reject 553 5.7.1 Recipient address refused by local policy (badrcptto) | BADRCPTTO=0" \
	--from a@example.net --rcpt inbox@test.example --rcpt nobody@test.example
verdict "badrcptto: @domain" \
	"reject 553 5.7.1 Recipient address refused by local policy (badrcptto) | BADRCPTTO=0" \
	--rcpt x@closed.example
verdict "badrcptto: pattern" \
	"reject 553 5.7.1 Recipient address refused by local policy (badrcptto) | BADRCPTTO_PATTERN=0" \
	--rcpt abuse-desk@test.example
verdict "badrcptto: others pass" "accept - | " --rcpt inbox@test.example

# Access table: client address and name.
verdict "access: client address REJECT with text" \
	"reject 554 5.7.1 Go away | ACCESS_CLIENT=0" --client-addr 192.0.2.66
verdict "access: CIDR prefix with code and text" \
	"reject 550 5.7.1 Your network is blocked | ACCESS_CLIENT=0" --client-addr 198.51.100.7
verdict "access: IPv6 prefix DEFER" "tempfail 450 4.7.1 Try later | ACCESS_CLIENT=0" \
	--client-addr 2001:db8:bad:1::25
verdict "access: parent domain of the client name adds a score" "accept - | ACCESS_CLIENT=4.5" \
	--client-name host-1.pool.dynamic.example --client-addr 192.0.2.1
verdict "access: client OK stops the later table checks" "accept - | ACCESS_CLIENT_OK=0" \
	--client-addr 203.0.113.9 --from spammer@example.org --rcpt nobody@test.example
verdict "access: Connect: OK by name" "accept - | ACCESS_CLIENT_OK=0" \
	--client-name trusted.example --from spammer@example.org

# Access table: sender and recipients, in Postfix's order.
verdict "access: sender OK overrides badmailfrom" "accept - | ACCESS_FROM_OK=0" \
	--from friend@spam.example --rcpt nobody@test.example
verdict "access: DUNNO does nothing, badmailfrom still refuses" \
	"reject 553 5.7.1 Sender address refused by local policy (badmailfrom) | BADMAILFROM=0" \
	--from other@spam.example
verdict "access: null sender <> DISCARD" "discard - | ACCESS_FROM=0" --from ""
verdict "access: From:user@ and To:user@ tags" "accept - | ACCESS_FROM=3 ACCESS_RCPT=-2" \
	--from sales@example.net --rcpt sales@test.example
verdict "access: recipient OK overrides badrcptto for that one" "accept - | ACCESS_RCPT_OK=0" \
	--rcpt vip@test.example
verdict "access: parent domain of an address" "accept - | ACCESS_FROM=-1" \
	--from a@mail.partner.example

# Postfix-style maps of one kind: a sender_access domain key does not
# touch recipients or client names.
printf 'example.com REJECT\n' >"$tmp/sender_access"
printf '192.0.2.0/24 OK\n' >"$tmp/client_access"
verdict "sender_access: the sender's domain" "reject 554 5.7.1 Sender address refused by local policy | ACCESS_FROM=0" \
	-o "sender_access=$tmp/sender_access" --from a@mx.example.com
verdict "sender_access: not the recipients' nor the client's" "accept - | " \
	-o "sender_access=$tmp/sender_access" --rcpt a@example.com --client-name example.com
verdict "client_access with access_table: both serve" "accept - | ACCESS_CLIENT_OK=0" \
	-o "client_access=$tmp/client_access" --client-addr 192.0.2.5 --from spammer@example.org

verdict "access: HOLD quarantines" "quarantine - | ACCESS_FROM=0" --from a@held.example
if grep -q '"quarantine_reason":"Looks odd"' "$tmp/out"; then ok "access: HOLD text is the quarantine reason"
else not_ok "access: HOLD text is the quarantine reason"; sed 's/^/# /' "$tmp/out"; fi

# Errors: file and line, the configuration refused (exit 78).
# refused DESC PATTERN CMD...: CMD exits 78 and its standard error
# matches PATTERN.
refused() {
	r_desc=$1 r_pat=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	r_st=$?
	if [ "$r_st" = 78 ] && grep -q -- "$r_pat" "$tmp/err"; then ok "$r_desc"; else
		not_ok "$r_desc (exit $r_st)"
		sed 's/^/# /' "$tmp/err"
	fi
}
printf 'ok@example.org\nbad line@example.org\n' >"$tmp/bad_list"
refused "bad badmailfrom line: exit 78, file:line" "bad_list:2: white space" \
	"$filterd" check -o "badmailfrom=$tmp/bad_list" "$msg"
printf '192.0.2.1 REJECT\n\n192.0.2.0/33 OK\nexample.com SOMETIMES\n' >"$tmp/bad_access"
refused "lint: a bad access line, with file:line" "bad_access:3: bad prefix length" \
	"$filterd" lint -o "access_table=$tmp/bad_access"
if grep -q "bad_access:4: unknown value" "$tmp/err"; then
	ok "lint: every bad line is reported"
else
	not_ok "lint: every bad line is reported"
fi
refused "missing table: exit 78, named" "access_table: .*missing: No such file" \
	"$filterd" check -o "access_table=$tmp/missing" "$msg"
refused "badmailfrom_action=OK refused" "badmailfrom_action: .*wants REJECT" \
	"$filterd" check -o "badmailfrom_action=OK" "$msg"

# lint says what was loaded.
# shellcheck disable=SC2086
"$filterd" lint $base >"$tmp/out" 2>&1
if grep -q "tables: badmailfrom: 2 entries" "$tmp/out" &&
	grep -q "tables: access: 14 entries" "$tmp/out" &&
	grep -q "tables: badrcptto_patterns: 1 patterns" "$tmp/out"; then
	ok "lint: what the tables loaded"
else
	not_ok "lint summary"
	sed 's/^/# /' "$tmp/out"
fi

echo "1..$n"
[ $fails -eq 0 ]
