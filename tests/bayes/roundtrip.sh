#!/bin/sh
# roundtrip.sh: salearn then filterd check on a small slice of the corpus:
# an untrained database scores nothing; after learning, test messages get
# the right BAYES_ band and tokens; learning twice counts once; --forget
# undoes; --backup / --restore give the same counts; --clear empties.
#
# Usage: roundtrip.sh SALEARN FILTERD TOP
# Exit: 0 pass, 1 fail, 77 skipped (no corpus: scripts/fetch-corpus.sh).
set -u
salearn=$1
filterd=$2
top=$3
corpus=${TAMIS_CORPUS_DIR:-$top/.cache/corpus}
[ -f "$corpus/train.list" ] || { echo "skip: no corpus in $corpus"; exit 77; }
tmp=$(mktemp -d /tmp/tamis-bayes-rt.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/db
fails=0
fail() { echo "not ok - $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }

grep /spam- "$corpus/train.list" | awk 'NR % 20 == 1' | head -40 >"$tmp/spam"
grep -- -ham- "$corpus/train.list" | awk 'NR % 50 == 1' | head -40 >"$tmp/ham"
{ grep /spam- "$corpus/test.list" | awk 'NR % 90 == 1' | head -10
  grep -- -ham- "$corpus/test.list" | awk 'NR % 200 == 1' | head -10; } >"$tmp/test"

magic() { "$salearn" --dbpath "$db" --dump magic | awk -v k="$1" '$0 ~ "data: " k "$" {print $3}'; }

xargs "$salearn" --dbpath "$db" --spam <"$tmp/spam" >"$tmp/out" || fail "learn spam"
grep -q "^Learned tokens from 40 message(s) (40 message(s) examined)" "$tmp/out" ||
	fail "learn spam: $(cat "$tmp/out")"
xargs "$salearn" --dbpath "$db" --ham <"$tmp/ham" >/dev/null || fail "learn ham"
xargs "$salearn" --dbpath "$db" --ham <"$tmp/ham" >"$tmp/out"
grep -q "^Learned tokens from 0 message(s) (40 message(s) examined)" "$tmp/out" &&
	[ "$(magic nham)" = 40 ] && ok "learning twice counts once" ||
	fail "learning twice: $(cat "$tmp/out"), nham $(magic nham)"

# Untrained by the default 200 of each: bayes is null.
xargs "$filterd" check --json -o "bayes_db=$db" <"$tmp/test" >"$tmp/untrained.json" 2>/dev/null
xargs "$filterd" check --json -o "bayes_db=$db" -o bayes_min_spam=30 -o bayes_min_ham=30 \
	<"$tmp/test" >"$tmp/trained.json" 2>/dev/null
if python3 - "$tmp/test" "$tmp/untrained.json" "$tmp/trained.json" <<'PY'
import json, sys
names = open(sys.argv[1]).read().split()
un = [json.loads(l) for l in open(sys.argv[2])]
tr = [json.loads(l) for l in open(sys.argv[3])]
assert len(un) == len(tr) == len(names) == 20, (len(un), len(tr))
for o in un:
    assert o["bayes"] is None, o
    assert not any(s["name"].startswith("BAYES_") for s in o["symbols"]), o
right = 0
for n, o in zip(names, tr):
    b = o["bayes"]
    assert b is not None and 0 <= b["probability"] <= 1, o
    assert b["tokens"] and all({"token", "probability", "spam", "ham"} <= set(t) for t in b["tokens"]), b
    bands = [s["name"] for s in o["symbols"] if s["name"].startswith("BAYES_") and s["name"] != "BAYES_999"]
    assert len(bands) == 1, o
    right += (b["probability"] > 0.5) == ("/spam-" in n)
assert right >= 18, right
print("trained: %d of 20 right" % right)
PY
then ok "untrained scores nothing; trained scores the test slice"; else fail "filterd check"; fi

one=$(head -1 "$tmp/spam")
"$salearn" --dbpath "$db" --forget "$one" >/dev/null
[ "$(magic nspam)" = 39 ] && ok "--forget" || fail "--forget: nspam $(magic nspam)"
"$salearn" --dbpath "$db" --spam "$one" >/dev/null

"$salearn" --dbpath "$db" --backup >"$tmp/backup" || fail "--backup"
"$salearn" --dbpath "$tmp/db2" --restore "$tmp/backup" || fail "--restore"
"$salearn" --dbpath "$db" --dump magic | grep -v atime >"$tmp/m1"
"$salearn" --dbpath "$tmp/db2" --dump magic | grep -v atime >"$tmp/m2"
"$salearn" --dbpath "$tmp/db2" --backup >"$tmp/backup2"
cmp -s "$tmp/m1" "$tmp/m2" && cmp -s "$tmp/backup" "$tmp/backup2" &&
	ok "--backup and --restore" || fail "backup and restore differ"
"$salearn" --dbpath "$tmp/db2" --clear || fail "--clear"
[ "$(magic2=$(cd / && "$salearn" --dbpath "$tmp/db2" --dump magic | grep ntokens); echo "$magic2" | awk '{print $3}')" = 0 ] &&
	ok "--clear" || fail "--clear left tokens"
"$salearn" --dbpath "$db" --force-expire | grep -q "^expired 0 token" &&
	ok "--force-expire keeps what was just learned" || fail "--force-expire"
"$salearn" --dbpath "$db" --spam --ham /dev/null 2>/dev/null
[ $? = 64 ] && ok "two modes: usage" || fail "two modes not refused"

[ "$fails" = 0 ]
