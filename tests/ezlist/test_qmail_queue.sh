#!/bin/sh
# test_qmail_queue.sh: ezlist's qmail-queue injection against the
# recording stand-in of tests/qmail (fake_qmail_queue.c): the message on
# fd 0, the envelope on fd 1 with the sender in qmail's VERP form
# LIST-return-@HOST-@[] and one T record per subscriber; a failing
# qmail-queue makes `ezlist receive` exit temporary, the retry queues it.
#
# Usage: sh test_qmail_queue.sh EZLIST FAKE_QMAIL_QUEUE
set -u
EZ=$1 QQ=$2
T=$(mktemp -d /tmp/ezlist-qq.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0 failed=0
is() { n=$((n + 1)); if [ "$2" = "$3" ]; then echo "ok $n - $1"; else echo "not ok $n - $1"; echo "# got '$2' want '$3'"; failed=$((failed + 1)); fi; }
L=$T/list
"$EZ" make -p anyone "$L" news@lists.example.org
printf 'qmail-queue\n' >"$L/inject"
printf '%s\n' "$QQ" >"$L/qmail_queue"
"$EZ" sub "$L" a@example.com b@example.org
export FAKE_QQ_DIR=$T/qq
mkdir -p "$FAKE_QQ_DIR"
printf 'From: x@example.net\nSubject: hi\n\nbody\n' >"$T/post"
FAKE_QQ_EXIT=71 "$EZ" receive "$L" x@example.net news@lists.example.org <"$T/post" >/dev/null
is "qmail-queue failing (71): temporary (75)" "$?" 75
"$EZ" receive "$L" x@example.net news@lists.example.org <"$T/post"
is "the retry exits 0" "$?" 0
want=$(printf 'Fnews-return-@lists.example.org-@[]\000Ta@example.com\000Tb@example.org\000\000' | od -An -c | tr -s ' \n' ' ')
got=$(od -An -c <"$FAKE_QQ_DIR/envelope" | tr -s ' \n' ' ')
# the order of subscribers is the store's (bucket) order: accept either
want2=$(printf 'Fnews-return-@lists.example.org-@[]\000Tb@example.org\000Ta@example.com\000\000' | od -An -c | tr -s ' \n' ' ')
[ "$got" = "$want2" ] && want=$want2
is "envelope: VERP sender, one T per subscriber, final NUL" "$got" "$want"
is "the message carries the list headers" "$(grep -c '^List-Id: <news.lists.example.org>$' "$FAKE_QQ_DIR/message")" 1
echo "1..$n"
[ "$failed" = 0 ]
