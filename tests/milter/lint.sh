#!/bin/sh
# lint.sh: `filterd lint` on a good and on bad configurations: exit 0 and
# "FILE: ok", or exit 78 with every error as FILE:LINE: text.
# Usage: lint.sh FILTERD TMP
set -u
filterd=$1 tmp=$2
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { echo "not ok - $*"; sed 's/^/#   /' "$tmp/out" "$tmp/err" 2>/dev/null; exit 1; }
lint() { "$filterd" lint "$@" >"$tmp/out" 2>"$tmp/err"; }

cat >"$tmp/good.pat" <<'PAT'
# name      score  where            pattern
LOTTERY     3.0    body             /you have won/i   lottery wording
BULK        1.5    header:X-Mailer  /bulk/i
PAT
cat >"$tmp/good.conf" <<CONF
# a good configuration
milter_socket = unix:$tmp/f.sock
reject_score = 20
pattern_files = $tmp/good.pat
CONF
lint -c "$tmp/good.conf"
rc=$?
[ "$rc" = 0 ] || fail "good configuration: exit $rc"
grep -q "^$tmp/good.conf: ok$" "$tmp/out" || fail "good configuration: no ok line"
[ ! -s "$tmp/err" ] || fail "good configuration: something on standard error"
ok "good configuration: exit 0, FILE: ok"

lint -c "$tmp/good.conf" -o reject_score=30 || fail "good configuration with -o"
ok "good configuration with -o: exit 0"

cat >"$tmp/bad.conf" <<CONF
reject_score = 20
bogus line
mime_parts_limit = lots
required_score = high
milter_socket_mode = 0400
CONF
lint -c "$tmp/bad.conf"
rc=$?
[ "$rc" = 78 ] || fail "bad configuration: exit $rc, not 78"
for l in 2 3 4 5; do
	grep -q "^$tmp/bad.conf:$l: " "$tmp/err" || fail "bad configuration: no error for line $l"
done
ok "bad configuration: exit 78, every error as FILE:LINE"

cat >"$tmp/bad.pat" <<'PAT'
GOOD        1.0    body             /fine/
BROKEN      1.0    body             /unclosed(/
NOWHERE     1.0    elsewhere        /x/
PAT
sed "s|good.pat|bad.pat|" "$tmp/good.conf" >"$tmp/badpat.conf"
lint -c "$tmp/badpat.conf"
rc=$?
[ "$rc" = 78 ] || fail "bad pattern file: exit $rc, not 78"
grep -q "^$tmp/bad.pat:2: " "$tmp/err" && grep -q "^$tmp/bad.pat:3: " "$tmp/err" ||
	fail "bad pattern file: no FILE:LINE for lines 2 and 3"
ok "bad pattern file: exit 78, FILE:LINE of each bad line"

lint -c "$tmp/missing.conf"
rc=$?
[ "$rc" = 78 ] && grep -q "missing.conf" "$tmp/err" || fail "missing file: exit $rc"
ok "missing configuration file: exit 78, named"

lint -f
rc=$?
[ "$rc" = 64 ] || fail "lint -f: exit $rc, not 64"
ok "lint with a daemon option: exit 64"
