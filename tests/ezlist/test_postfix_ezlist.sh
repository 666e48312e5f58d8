#!/bin/sh
# test_postfix_ezlist.sh: ezlist behind a real Postfix, end to end.
#
# Usage: run-in-netns.sh sh test_postfix_ezlist.sh EZLIST
# Environment: KEEP=1 keeps the scratch folder; KEEP_ON_FAIL=1 keeps it
# when a check failed.
#
# A private Postfix (tests/integration/lib.sh) hands every address of the
# list news@test.example to `ezlist receive` through a pipe(8) transport
# (user nobody, recipient_delimiter "-"); ezlist injects its replies and
# posts with Postfix's sendmail (-C the private instance). As nobody,
# Postfix's postdrop accepts a private configuration directory only when
# the default main.cf lists it in alternate_config_directories: the test
# runs in its own mount namespace with a scratch copy of /etc/postfix
# holding that main.cf, bind-mounted; the host's /etc/postfix is not
# touched. Checks, each a TAP line: swaks sends news-subscribe@, the
# confirmation request lands in the Maildir, a reply to its Reply-To
# subscribes; a subscriber's post reaches every subscriber with the list
# headers and a VERP return path; a stranger's post is refused with a
# bounce; a bounce to a VERP address is logged against the subscriber;
# unsubscribing by mail works the same way.
#
# Exit status: 0 every check passed; 1 a check failed; 77 skipped.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/../integration/lib.sh"

it_program EZ "${1:-}" "EZLIST (the ezlist program)"

it_skip_unless_ready
it_require_netns
if [ -z "${EZ_IN_MNTNS:-}" ]; then
	if ! unshare -m true 2>/dev/null; then
		echo "1..0 # SKIP cannot make a mount namespace here (unshare -m failed)"
		exit 77
	fi
	EZ_IN_MNTNS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
if ! su -s /bin/sh nobody -c "test -x '$EZ'"; then
	echo "1..0 # SKIP user nobody cannot run $EZ (a folder on its path is private)"
	exit 77
fi

T=$(mktemp -d /tmp/ezlist-e2e.XXXXXX)
chmod 0755 "$T"
it_trap
trap 'it_cleanup; [ "${KEEP:-0}" = 1 ] || rm -rf "$T"' EXIT
pf_make "$T/pf" none alice bob carol news
L=$T/list
PF=$PF_DIR

# Postfix's default configuration directory, private to this namespace.
mkdir "$T/etc-postfix"
cp -a /etc/postfix/. "$T/etc-postfix/"
printf 'alternate_config_directories = %s/etc\n' "$PF" >"$T/etc-postfix/main.cf"
mount --bind "$T/etc-postfix" /etc/postfix

cat >>"$PF/etc/main.cf" <<CF
recipient_delimiter = -
transport_maps = texthash:$PF/etc/transport
ezlist_destination_recipient_limit = 1
CF
printf 'news@%s\tezlist:\n' "$PF_DOMAIN" >"$PF/etc/transport"
cat >>"$PF/etc/master.cf" <<CF
ezlist unix - n n - - pipe flags=DR user=nobody null_sender= argv=$EZ receive $L \${sender} \${recipient}
CF

"$EZ" make -o postmaster@$PF_DOMAIN "$L" news@$PF_DOMAIN
printf '/usr/sbin/sendmail\n-C\n%s/etc\n' "$PF" >"$L/sendmail"
chown -R nobody:nogroup "$L"

tap_ok "Postfix starts" pf_start || { tap_done; exit 1; }

# send FROM TO SUBJECT [BODY]: swaks through the instance; returns its status.
send() {
	swaks --server "127.0.0.1:$PF_PORT" --helo client.$PF_DOMAIN --from "$1" --to "$2" \
		--header "Subject: $3" --body "${4:-hello}" --timeout 60 >"$T/swaks.out" 2>&1
}
last() { md_files "$1" | tail -n 1; }
# newest RCPT: the newest file in RCPT's Maildir (by delivery time).
newest() { ls -t $(md_files "$1") | head -n 1; }
subscribed() { "$EZ" list "$L" | grep -qx "$1@$PF_DOMAIN"; }
not_subscribed() { ! subscribed "$1"; }
log_has() { grep -q -- "$1" "$L/log"; }

# ---- subscribe by mail ----
tap_ok "swaks sends news-subscribe@" send alice@$PF_DOMAIN news-subscribe@$PF_DOMAIN "subscribe"
tap_ok "the confirmation request lands in alice's Maildir" md_wait alice 1
f=$(newest alice)
confirm=$(md_header "$f" Reply-To | sed 's/^<\(.*\)>$/\1/')
tap_is "it comes from the list manager" "$(md_header "$f" From)" "<news-help@$PF_DOMAIN>"
tap_is "it is marked auto-replied" "$(md_header "$f" Auto-Submitted)" "auto-replied"
case "$confirm" in news-confirm-s.*-alice=$PF_DOMAIN@$PF_DOMAIN) tap_result 0 "Reply-To is a confirmation address" ;;
*) tap_result 1 "Reply-To is a confirmation address"; tap_diag "got: $confirm" ;; esac
tap_ok "not subscribed before confirming" not_subscribed alice
tap_ok "the reply to the confirmation address is accepted" send alice@$PF_DOMAIN "$confirm" "Re: confirm"
tap_ok "the welcome arrives" md_wait alice 2
tap_ok "alice is subscribed" subscribed alice

# ---- posts ----
# Administrators run ezlist as the list's user (here nobody).
su -s /bin/sh nobody -c "'$EZ' sub '$L' bob@$PF_DOMAIN"
tap_ok "alice posts to news@" send alice@$PF_DOMAIN news@$PF_DOMAIN "first post" "Hello everybody"
tap_ok "bob gets the post" md_wait bob 1
tap_ok "alice gets the post" md_wait alice 3
f=$(newest bob)
tap_is "List-Id" "$(md_header "$f" List-Id)" "<news.$PF_DOMAIN>"
tap_is "List-Unsubscribe" "$(md_header "$f" List-Unsubscribe)" "<mailto:news-unsubscribe@$PF_DOMAIN>"
tap_is "Precedence" "$(md_header "$f" Precedence)" "list"
tap_is "VERP return path for bob" "$(md_header "$f" Return-Path)" "<news-return-bob=$PF_DOMAIN@$PF_DOMAIN>"
tap_is "VERP return path for alice" "$(md_header "$(newest alice)" Return-Path)" "<news-return-alice=$PF_DOMAIN@$PF_DOMAIN>"
tap_ok "the body is intact" grep -q "Hello everybody" "$f"

# ---- a stranger ----
tap_ok "carol (not subscribed) posts" send carol@$PF_DOMAIN news@$PF_DOMAIN "spam"
tap_ok "carol gets a bounce" md_wait carol 1
tap_ok "the bounce says why" grep -q "only subscribers may post" "$(newest carol)"
tap_is "bob got nothing more" "$(md_count bob)" 1

# ---- a bounce to a VERP address ----
tap_ok "a bounce to bob's VERP address is accepted" \
	send "<>" "news-return-bob=$PF_DOMAIN@$PF_DOMAIN" "Undelivered Mail"
tap_ok "it is counted against bob" wait_until 20 log_has "bounce for bob@$PF_DOMAIN (no report): 1 hard"

# ---- unsubscribe by mail ----
n=$(md_count alice)
tap_ok "alice asks to unsubscribe" send alice@$PF_DOMAIN news-unsubscribe@$PF_DOMAIN "unsubscribe"
tap_ok "the request arrives" md_wait alice $((n + 1))
uconfirm=$(md_header "$(newest alice)" Reply-To | sed 's/^<\(.*\)>$/\1/')
case "$uconfirm" in news-confirm-u.*) tap_result 0 "it has an unsubscribe confirmation address" ;;
*) tap_result 1 "it has an unsubscribe confirmation address"; tap_diag "got: $uconfirm" ;; esac
tap_ok "alice replies" send alice@$PF_DOMAIN "$uconfirm" "Re: unsubscribe"
tap_ok "the goodbye arrives" md_wait alice $((n + 2))
tap_ok "alice is no longer subscribed" not_subscribed alice
tap_ok "bob still is" subscribed bob
tap_ok "nothing is left in the queue" wait_until 20 pf_queue_empty

if [ "$TAP_FAILED" -gt 0 ]; then
	tap_diag "list log:" "$(cat "$L/log")" "maillog:" "$(tail -n 30 "$PF/maillog")"
fi
tap_done
