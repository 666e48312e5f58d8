#!/bin/sh
# test_sendmail_ezlist.sh: ezlist behind a real Sendmail, end to end.
#
# Usage (through tests/sendmail/run.sh, which fetches the .debs and makes
# the namespaces):
#   run-in-netns.sh unshare -m -u sh test_sendmail_ezlist.sh EZLIST CACHE
# Environment: KEEP=1 keeps the scratch folder; KEEP_ON_FAIL=1 keeps it
# when a check failed.
#
# Debian's sendmail .debs are unpacked into a scratch folder and m4 makes a
# sendmail.cf (tests/sendmail/lib.sh, the harness of the filterd test too)
# with the wiring of docs/ezlist.md: a mailer of its own, `ezlist`, whose argv is
# `ezlist receive DIR $f $u@$h`, and one rule (LOCAL_RULE_0) that routes
# every address of the list's domain, lists.test.example, to it. Sendmail
# listens on 127.0.0.1:2527 and relays everything else to smtp-sink on
# 127.0.0.1:2526, which writes each message to a file. ezlist hands its
# replies and posts back with Sendmail's own sendmail (-C the test's
# configuration; verp = each). swaks sends news-subscribe@, the test
# replies to the confirmation address, a subscriber posts, a stranger's
# post is refused, a bounce is counted against its subscriber, and
# unsubscribing works the same way; then the exit statuses Sendmail sees.
#
# Exit status: 0 every check passed; 1 a check failed; 77 skipped.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/../integration/lib.sh"

it_program EZ "${1:-}" "EZLIST CACHE"
CACHE=${2:-}
[ -d "$CACHE" ] || { echo "usage: $0 EZLIST CACHE" >&2; exit 2; }

# shellcheck source=tests/sendmail/lib.sh
. "$here/../sendmail/lib.sh"
sm_skip_unless_ready
sm_init ezlist-sendmail "$CACHE" || { tap_done; exit 1; }
D=lists.test.example
L=$S/news

# The mailer runs ezlist as root here only because the test's Sendmail
# queue belongs to root; a real installation gives U= the list's owner.
{
	sm_mc_common
	cat <<EOF
define(\`confDELIVERY_MODE', \`interactive')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
MAILER_DEFINITIONS
Mezlist, P=$EZ, F=lsDFMqu, S=EnvFromL, R=EnvToL, U=root:root,
	A=ezlist receive $L \$f \$u@\$h
LOCAL_RULE_0
R\$+ < @ lists . test . example \$* >	\$#ezlist \$@ $D \$: \$1
EOF
} >"$S/test.mc"
sm_make_cf "with the ezlist mailer" || { tap_done; exit 1; }

"$EZ" make -o owner@test.example "$L" "news@$D" >/dev/null
printf '%s\n-C\n%s\n' "$SENDMAIL" "$S/test.cf" >"$L/sendmail"
printf 'each\n' >"$L/verp"
sm_start || { tap_done; exit 1; }

# send FROM TO SUBJECT [BODY]: swaks to Sendmail; returns its status (1
# without a recipient: swaks would ask for one).
send() {
	[ -n "$2" ] || return 1
	swaks --server "127.0.0.1:$SM_PORT" --helo client.test.example --from "$1" --to "$2" \
		--header "Subject: $3" --body "${4:-hello}" --timeout 60 </dev/null >"$S/swaks.out" 2>&1
}
# to RCPT [TEXT]: the newest file smtp-sink wrote for RCPT (holding TEXT).
to() {
	grep -l -i -F "X-Rcpt-Args: <$1>" "$S"/sink/* 2>/dev/null |
		xargs -r grep -l -F -- "${2:-}" 2>/dev/null | xargs -r ls -t | head -n 1
}
has_mail() { [ -n "$(to "$@")" ]; }
count_to() { grep -l -i -F "X-Rcpt-Args: <$1>" "$S"/sink/* 2>/dev/null | wc -l | tr -d ' '; }
# header FILE NAME: the values of field NAME (past smtp-sink's empty line).
header() {
	sed '1{/^\r\{0,1\}$/d}' "$1" | tr -d '\r' >"$S/headers.tmp"
	md_header "$S/headers.tmp" "$2"
}
subscribed() { "$EZ" list "$L" | grep -qx "$1"; }
not_subscribed() { ! subscribed "$1"; }
log_has() { grep -q -- "$1" "$L/log"; }

# ---- subscribe by mail ----
tap_ok "swaks sends news-subscribe@" send ann@test.example "news-subscribe@$D" subscribe
tap_ok "the confirmation request reaches ann" wait_until 30 has_mail ann@test.example
f=$(to ann@test.example)
tap_is "it comes from the list" "$(header "$f" From)" "<news-help@$D>"
tap_is "its envelope sender is the list's return address" \
	"$(header "$f" X-Mail-Args | sed 's/ .*//')" "<news-return@$D>"
confirm=$(header "$f" Reply-To | sed 's/^<\(.*\)>$/\1/')
case "$confirm" in news-confirm-s.*-ann=test.example@$D) r=0 ;; *) r=1 ;; esac
tap_result $r "Reply-To is a confirmation address"
[ $r = 0 ] || tap_diag "got: '$confirm'"
tap_ok "not subscribed before confirming" not_subscribed ann@test.example
tap_ok "the reply to the confirmation address is accepted" send ann@test.example "$confirm" "Re: confirm"
tap_ok "the welcome reaches ann" wait_until 30 has_mail ann@test.example "Subject: Welcome"
tap_ok "ann is subscribed" subscribed ann@test.example

# ---- a post, VERP each ----
"$EZ" sub "$L" bob@test.example
tap_ok "ann posts to news@" send ann@test.example "news@$D" "first post" "Hello everybody"
tap_ok "bob gets the post" wait_until 30 has_mail bob@test.example "Hello everybody"
tap_ok "ann gets the post" wait_until 30 has_mail ann@test.example "Hello everybody"
f=$(to bob@test.example "Hello everybody")
tap_is "List-Id" "$(header "$f" List-Id)" "<news.$D>"
tap_is "Precedence" "$(header "$f" Precedence)" "list"
tap_is "VERP envelope sender for bob" "$(header "$f" X-Mail-Args | sed 's/ .*//')" \
	"<news-return-bob=test.example@$D>"
f=$(to ann@test.example "Hello everybody")
tap_is "VERP envelope sender for ann" "$(header "$f" X-Mail-Args | sed 's/ .*//')" \
	"<news-return-ann=test.example@$D>"

# ---- a stranger: the mailer exits 77, Sendmail bounces ----
tap_ok "carol (not subscribed) posts" send carol@test.example "news@$D" "spam" "Buy now"
tap_ok "carol gets a bounce saying why" wait_until 30 has_mail carol@test.example "only subscribers may post"
tap_is "bob got nothing more" "$(count_to bob@test.example)" 1
tap_ok "the list logs the refusal" log_has "refused from carol@test.example"

# ---- a bounce to a VERP address ----
tap_ok "a bounce to bob's VERP address is accepted" \
	send "<>" "news-return-bob=test.example@$D" "Undelivered Mail"
tap_ok "it is counted against bob" wait_until 20 log_has "bounce for bob@test.example (no report): 1 hard"

# ---- no such address of the list: the mailer exits 67 ----
send dave@test.example "news-nosuch@$D" "hello"
tap_ok "news-nosuch@: dave gets a bounce with 5.1.1" wait_until 30 has_mail dave@test.example "5.1.1"

# ---- unsubscribe by mail ----
tap_ok "ann asks to unsubscribe" send ann@test.example "news-unsubscribe@$D" unsubscribe
tap_ok "the request reaches ann" wait_until 30 has_mail ann@test.example "news-confirm-u."
uconfirm=$(header "$(to ann@test.example "news-confirm-u.")" Reply-To | sed 's/^<\(.*\)>$/\1/')
tap_ok "ann replies" send ann@test.example "$uconfirm" "Re: unsubscribe"
tap_ok "ann is no longer subscribed" wait_until 20 not_subscribed ann@test.example
tap_ok "bob still is" subscribed bob@test.example

# ---- exit statuses as Sendmail's mailer gets them ($f $u@$h) ----
rx() { printf 'From: x@test.example\nSubject: t\n\nhi\n' | "$EZ" receive "$@" >/dev/null; }
rx "$L" MAILER-DAEMON "news-help@$D"
tap_is "help from MAILER-DAEMON (a null sender): done, not answered (0)" "$?" 0
rx "$L" stranger@test.example "news@$D"
tap_is "a stranger's post: refused (77)" "$?" 77
rx "$L" ann@test.example "news-bogus@$D"
tap_is "no such address of the list: 67" "$?" 67
rx "$S/nolist" ann@test.example "news@$D"
tap_is "a list that cannot be read: temporary (75)" "$?" 75
rx "$L" ann@test.example
tap_is "a mailer without the recipient (A= wrong): temporary (75)" "$?" 75

if [ "$TAP_FAILED" -gt 0 ]; then
	tap_diag "list log:" "$(cat "$L/log")" "sendmail:" "$(tail -n 20 "$S/sendmail.out")" \
		"sink files:" "$(ls -l "$S/sink")"
fi
tap_done
