#!/bin/sh
# test_cli.sh: ezlist as an administrator and an MTA use it, black-box:
# the list directory, subscribing (arguments, standard input), listing,
# the mail commands with confirmation by reply, RFC 3834 silence, posts
# (who may post, list headers, VERP through the sendmail command), qmail
# mode exit codes, and a fan-out that fails midway and is retried without
# sending anybody the post twice. The MTA is tests/ezlist/fake-sendmail.sh.
#
# Usage: sh test_cli.sh EZLIST
set -u
EZ=$1
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/ezlist-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
L=$T/list
OUT=$T/out
export FAKE_SM_DIR=$OUT
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }
is() { if [ "$2" = "$3" ]; then ok "$1"; else nok "$1"; echo "# got '$2' want '$3'"; fi; }
# last_mail: the file of the last injection; mails: how many injections.
last_mail() { echo "$OUT/$(cat "$OUT/count")"; }
mails() { cat "$OUT/count" 2>/dev/null || echo 0; }
# msg FROM SUBJECT [HEADER...]: a small message on stdout.
msg() {
	printf 'From: %s\nSubject: %s\nMessage-ID: <%s.%s@client.example>\n' "$1" "$2" "$$" "$n"
	shift 2
	for h in "$@"; do printf '%s\n' "$h"; done
	printf '\nhello list\n'
}
rx() { # rx SENDER RECIPIENT-LOCAL [HEADER...] < nothing: receive a message
	s=$1 r=$2
	shift 2
	msg "$s" "test" "$@" | "$EZ" receive "$L" "$s" "$r@Lists.Example.org"
}

# ---- the list directory and the subscriber store ----
"$EZ" make -o owner@example.org -s '[news]' -m "$here/fake-sendmail.sh" "$L" news@lists.example.org
is "make exits 0" "$?" 0
check "make wrote address, keys, texts and log" test -s "$L/address" -a -s "$L/keys" -a -s "$L/text/sub-confirm" -a -f "$L/log"
is "keys are private" "$(stat -c %a "$L/keys")" 600
"$EZ" make "$L" other@lists.example.org 2>/dev/null
is "make refuses an existing list" "$?" 73
"$EZ" sub "$L" Ann@Example.NET bob@example.com
is "sub exits 0" "$?" 0
printf 'carol@example.org\n# a comment\n\ndave@example.org\nnot an address\n' | "$EZ" sub "$L" 2>/dev/null
is "sub from stdin with a bad line exits 65" "$?" 65
is "list shows the four" "$("$EZ" list "$L" | sort | tr '\n' ' ')" "Ann@example.net bob@example.com carol@example.org dave@example.org "
"$EZ" sub "$L" Ann@example.net
is "subscribing again adds nothing" "$("$EZ" list "$L" | wc -l)" 4
"$EZ" unsub "$L" Ann@EXAMPLE.NET
is "domain compares case-insensitively" "$("$EZ" list "$L" | grep -c Ann)" 0
is "info counts subscribers" "$("$EZ" info "$L" | grep '^subscribers:')" "subscribers: 3"

# ---- subscribing by mail, with confirmation ----
rx new@example.net news-subscribe
is "subscribe request exits 0" "$?" 0
f=$(last_mail)
confirm=$(sed -n 's/^Reply-To: <\(.*\)>$/\1/p' "$f")
check "confirmation request goes to the sender" grep -q '^ARGS: -oi -f news-return@lists.example.org -- new@example.net$' "$f"
check "it carries Auto-Submitted: auto-replied" grep -q '^Auto-Submitted: auto-replied$' "$f"
check "the body shows the confirmation address" grep -q "^    $confirm\$" "$f"
case "$confirm" in news-confirm-s.*-new=example.net@lists.example.org) ok "confirmation address form" ;; *) nok "confirmation address form: $confirm" ;; esac
is "not subscribed before confirming" "$("$EZ" list "$L" | grep -c new@)" 0
before=$(mails)
rx new@example.net news-subscribe "Auto-Submitted: auto-replied"
rx new@example.net news-subscribe "Precedence: bulk"
rx new@example.net news-subscribe "List-Id: <x.example.org>"
msg "" x | "$EZ" receive "$L" "" news-subscribe@lists.example.org
is "automated requests are not answered" "$(mails)" "$before"
bad=$(echo "$confirm" | sed 's/[0-9a-f]\(-new=\)/0\1/')
[ "$bad" = "$confirm" ] && bad=$(echo "$confirm" | sed 's/[0-9a-f]\(-new=\)/1\1/')
msg new@example.net "Re: confirm" | "$EZ" receive "$L" new@example.net "${bad%@*}@lists.example.org"
is "a tampered cookie subscribes nobody" "$("$EZ" list "$L" | grep -c new@)" 0
check "and is answered with confirm-bad" grep -q '^Subject: Confirmation failed' "$(last_mail)"
msg new@example.net "Re: confirm" | "$EZ" receive "$L" new@example.net "$confirm"
is "confirming exits 0" "$?" 0
is "confirming subscribes" "$("$EZ" list "$L" | grep -c '^new@example.net$')" 1
check "and sends the welcome" grep -q '^Subject: Welcome to news@lists.example.org' "$(last_mail)"

# ---- unsubscribing by mail ----
rx bob@example.com news-unsubscribe
uconfirm=$(sed -n 's/^Reply-To: <\(.*\)>$/\1/p' "$(last_mail)")
case "$uconfirm" in news-confirm-u.*) ok "unsubscribe needs confirmation" ;; *) nok "unsubscribe confirmation: $uconfirm" ;; esac
msg bob@example.com "Re" | "$EZ" receive "$L" bob@example.com "$uconfirm"
is "confirming unsubscribes" "$("$EZ" list "$L" | grep -c bob@)" 0
check "and says goodbye" grep -q '^Subject: Goodbye' "$(last_mail)"
rx help@example.org news-help
check "help is answered" grep -q '^Subject: Help for news@lists.example.org' "$(last_mail)"
echo x | "$EZ" receive "$L" only-one-argument >/dev/null
is "a wiring mistake is temporary, not a bounce" "$?" 75
rx x@example.org news-nonsense
is "an unknown list address is EX_NOUSER" "$?" 67

# ---- posts ----
rx carol@example.org news
is "a subscriber's post exits 0" "$?" 0
f=$(last_mail)
check "one injection with Postfix VERP to all" grep -q '^ARGS: -oi -f news-return@lists.example.org -XV-= -- .*' "$f"
is "every subscriber once" "$(sed -n 1p "$f" | tr ' ' '\n' | grep -c @example)" 3
check "loop marker first" sh -c "sed -n 2p '$f' | grep -qx 'Delivered-To: mailing list news@lists.example.org'"
check "List-Id and Precedence" sh -c "grep -qx 'List-Id: <news.lists.example.org>' '$f' && grep -qx 'Precedence: list' '$f'"
check "subject prefix" grep -qx 'Subject: \[news\] test' "$f"
before=$(mails)
rx stranger@example.org news
is "a stranger's post is refused (EX_NOPERM)" "$?" 77
rx carol@example.org news "Delivered-To: mailing list news@lists.example.org"
is "a looping post is refused" "$?" 77
is "nothing was sent for them" "$(mails)" "$before"
(
	export SENDER=stranger@example.org DEFAULT=
	msg stranger@example.org x | "$EZ" receive "$L" >/dev/null
	echo "$?" >"$T/q1"
	export SENDER=q@example.org DEFAULT=subscribe
	msg q@example.org x | "$EZ" receive "$L" >/dev/null
	echo "$?" >"$T/q2"
)
is "qmail mode: refused post exits 100" "$(cat "$T/q1")" 100
check "qmail mode: DEFAULT=subscribe asks for confirmation" grep -q '^To: <q@example.org>' "$(last_mail)"
cp "$L/sendmail" "$T/sendmail.keep"
echo /nonexistent/sendmail >"$L/sendmail"
rx carol@example.org news >/dev/null
is "a missing MTA command is temporary (75)" "$?" 75
rx carol@example.org news-help >/dev/null
is "also for a reply" "$?" 75
cp "$T/sendmail.keep" "$L/sendmail"

# ---- a fan-out that fails midway, then the retry ----
for i in $(seq 1 9); do echo "u$i@example.com"; done | "$EZ" sub "$L"
echo 4 >"$L/batch"
start=$(mails)
echo $((start + 2)) >"$OUT/fail-at"
msg carol@example.org "big" >"$T/post.eml"
"$EZ" receive "$L" carol@example.org news@lists.example.org <"$T/post.eml" >/dev/null
is "MTA failure midway: temporary (75)" "$?" 75
rm "$OUT/fail-at"
"$EZ" receive "$L" carol@example.org news@lists.example.org <"$T/post.eml"
is "the retry exits 0" "$?" 0
"$EZ" receive "$L" carol@example.org news@lists.example.org <"$T/post.eml"
is "a third delivery of the same post sends nothing more" "$?" 0
total=$("$EZ" list "$L" | wc -l)
got=$(for i in $(seq $((start + 1)) "$(mails)"); do [ -f "$OUT/$i" ] && sed -n 1p "$OUT/$i"; done |
	sed 's/.* -- //' | tr ' ' '\n' | grep @ | sort)
is "every subscriber got the post" "$(echo "$got" | sort -u | wc -l)" "$total"
is "nobody got it twice" "$(echo "$got" | wc -l)" "$total"

# ---- verp each ----
echo each >"$L/verp"
rx carol@example.org news
check "verp each: one injection per subscriber with its return path" grep -q '^ARGS: -oi -f news-return-u9=example.com@lists.example.org -- u9@example.com$' $(for i in $(seq $(($(mails) - total + 1)) "$(mails)"); do echo "$OUT/$i"; done)

# ---- bounces ----
echo mta >"$L/verp"
"$EZ" sub "$L" b1@example.com
dsn() { # dsn STATUS: a bounce report for b1@example.com on stdout
	printf 'From: MAILER-DAEMON@mx.example.com\nSubject: Undelivered\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\n\n'
	printf -- '--R\nContent-Type: text/plain\n\nsorry\n--R\nContent-Type: message/delivery-status\n\n'
	printf 'Reporting-MTA: dns; mx.example.com\n\nFinal-Recipient: rfc822; b1@example.com\n'
	printf 'Action: failed\nStatus: %s\n\n--R--\n' "$1"
}
bounce_to() { dsn "$2" | "$EZ" receive "$L" "" "$1@lists.example.org"; }
before=$(mails)
bounce_to news-return-b1=example.com 5.7.1
bounce_to news-return-b1=example.com 4.2.2
check "policy and temporary bounces are not counted" grep -q 'bounce for b1@example.com (4.2.2): not counted' "$L/log"
is "uncounted bounces send nothing" "$(mails)" "$before"
bounce_to news-return-b1=example.com 5.1.1
is "the first hard bounce sends a warning" "$(mails)" $((before + 1))
check "to the subscriber" grep -q '^ARGS: -oi -f news-return@lists.example.org -- b1@example.com$' "$(last_mail)"
check "saying the list's mail bounced" grep -q '^Subject: Mail from news@lists.example.org to you bounced' "$(last_mail)"
check "the record notes it" grep -q ' warn$' "$L"/bounce/*
bounce_to news-return-b1=example.com 5.1.1
is "two hard bounces: no second warning, no probe yet" "$(mails)" $((before + 1))
before=$((before + 1))
bounce_to news-return-b1=example.com 5.2.1
is "the third sends a probe" "$(mails)" $((before + 1))
check "the probe has its own return path" grep -q '^ARGS: -oi -f news-probe-b1=example.com@lists.example.org -- b1@example.com$' "$(last_mail)"
check "and says auto-generated" grep -q '^Auto-Submitted: auto-generated$' "$(last_mail)"
bounce_to news-return-b1=example.com 5.1.1
is "no second probe while one is out" "$(mails)" $((before + 1))
is "still subscribed until the probe bounces" "$("$EZ" list "$L" | grep -c '^b1@example.com$')" 1
bounce_to news-probe-b1=example.com 5.1.1
is "a bounced probe removes the address" "$("$EZ" list "$L" | grep -c '^b1@example.com$')" 0
check "and tells the owner" grep -q '^To: <owner@example.org>' "$(last_mail)"
check "the log says so" grep -q 'removed b1@example.com: the probe bounced' "$L/log"

echo "1..$n"
[ "$failed" = 0 ]
