#!/bin/sh
# capture-postfix.sh: make tests/data/dsn/postfix-real.eml again: a DSN that
# the real Postfix of this machine writes for an unknown virtual user. Runs
# a private instance (tests/integration/lib.sh) inside a network namespace
# of its own; nothing leaves the loopback. Not run by CTest: its output is
# a committed sample. Usage, as root, from the top of the tree:
#   tests/integration/run-in-netns.sh sh tests/data/dsn/capture-postfix.sh OUT
set -eu
out=${1:?usage: capture-postfix.sh OUT}
here=$(cd "$(dirname "$0")/../../integration" && pwd)
. "$here/lib.sh"
it_require_netns
it_skip_unless_ready
it_trap
pf_make "$(mktemp -d /tmp/tamis-dsn.XXXXXX)" none
# Accept unknown users at RCPT so that virtual(8) bounces them with a DSN.
echo "smtpd_reject_unlisted_recipient = no" >>"$PF_DIR/etc/main.cf"
pf_start
cat >"$PF_DIR/post.eml" <<MSG
From: News <news-return-nobody=test.example@test.example>
To: news@test.example
Subject: Meeting on Friday
Message-Id: <post-1@test.example>

See you there.
MSG
swaks --server "127.0.0.1:$PF_PORT" --helo client.test.example \
	--from "sender@test.example" --to "nobody@test.example" \
	--data "@$PF_DIR/post.eml" --timeout 60 >"$PF_DIR/swaks.out" 2>&1
md_wait sender 1 60
cp "$(md_files sender | head -n 1)" "$out"
echo "captured $(wc -c <"$out") bytes into $out"
