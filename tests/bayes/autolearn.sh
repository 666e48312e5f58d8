#!/bin/sh
# autolearn.sh: filterd's Bayes autolearn on a small slice of the corpus
# (filterd check runs the same pipeline as the milter): off by default; on,
# a message is learned as spam from bayes_auto_learn_threshold_spam and as
# ham up to bayes_auto_learn_threshold_nonspam, by the score without the
# BAYES_ symbols; once only; never against a class learned by hand.
#
# Usage: autolearn.sh SALEARN FILTERD TOP
# Exit: 0 pass, 1 fail, 77 skipped (no corpus: scripts/fetch-corpus.sh).
set -u
salearn=$1
filterd=$2
top=$3
corpus=${TAMIS_CORPUS_DIR:-$top/.cache/corpus}
[ -f "$corpus/train.list" ] || { echo "skip: no corpus in $corpus"; exit 77; }
tmp=$(mktemp -d /tmp/tamis-bayes-al.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/db
fails=0
fail() { echo "not ok - $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }
magic() { "$salearn" --dbpath "$db" --dump magic | awk -v k="$1" '$0 ~ "data: " k "$" {print $3}'; }
check() { "$filterd" check --json -o "bayes_db=$db" -o bayes_min_spam=30 -o bayes_min_ham=30 "$@" \
	2>/dev/null; }

grep /spam- "$corpus/train.list" | awk 'NR % 20 == 1' | head -40 | xargs "$salearn" -q --dbpath "$db" --spam
grep -- -ham- "$corpus/train.list" | awk 'NR % 50 == 1' | head -40 | xargs "$salearn" -q --dbpath "$db" --ham
grep /spam- "$corpus/test.list" | awk 'NR % 90 == 1' | head -5 >"$tmp/spam"
grep -- -ham- "$corpus/test.list" | awk 'NR % 200 == 1' | head -5 >"$tmp/ham"

xargs "$filterd" check --json -o "bayes_db=$db" <"$tmp/spam" >/dev/null 2>&1
[ "$(magic nspam)" = 40 ] && [ "$(magic nham)" = 40 ] && ok "off by default" ||
	fail "learned with autolearn off: $(magic nspam) $(magic nham)"

# Every score from -1000 on is spam: the 5 spam are learned, once.
for _ in 1 2; do
	xargs "$filterd" check --json -o "bayes_db=$db" -o bayes_auto_learn=yes \
		-o bayes_auto_learn_threshold_spam=-1000 <"$tmp/spam" >/dev/null 2>&1
done
[ "$(magic nspam)" = 45 ] && ok "learned as spam, once" || fail "spam: nspam $(magic nspam)"
# Every score up to 1000 is ham (spam threshold out of reach).
xargs "$filterd" check --json -o "bayes_db=$db" -o bayes_auto_learn=yes \
	-o bayes_auto_learn_threshold_spam=1000 -o bayes_auto_learn_threshold_nonspam=1000 \
	<"$tmp/ham" >/dev/null 2>&1
[ "$(magic nham)" = 45 ] && ok "learned as ham" || fail "ham: nham $(magic nham)"
# The ham are not moved to spam: learned before.
xargs "$filterd" check --json -o "bayes_db=$db" -o bayes_auto_learn=yes \
	-o bayes_auto_learn_threshold_spam=-1000 <"$tmp/ham" >/dev/null 2>&1
[ "$(magic nham)" = 45 ] && [ "$(magic nspam)" = 45 ] && ok "a learned message stays" ||
	fail "moved: $(magic nspam) $(magic nham)"

# Bayes's own score does not count: a new spam with a positive BAYES_ score
# is not learned at a threshold its other symbols miss by less than it.
one=$(grep /spam- "$corpus/test.list" | awk 'NR % 90 == 45' | head -1)
check "$one" >"$tmp/one.json"
t=$(python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
b = sum(s["score"] for s in o["symbols"] if s["name"].startswith("BAYES_"))
other = sum(s["score"] for s in o["symbols"] if not s["name"].startswith("BAYES_"))
print("%.3f %.3f" % (other + b / 2, other - 0.001) if b > 0.5 else "none")' "$tmp/one.json")
if [ "$t" = none ]; then
	fail "the chosen spam has no positive Bayes score: $(cat "$tmp/one.json")"
else
	check -o bayes_auto_learn=yes -o "bayes_auto_learn_threshold_spam=${t% *}" \
		-o bayes_auto_learn_threshold_nonspam=-1000 "$one" >/dev/null
	[ "$(magic nspam)" = 45 ] && [ "$(magic nham)" = 45 ] && ok "Bayes's own score left out" ||
		fail "learned by Bayes's score"
	check -o bayes_auto_learn=yes -o "bayes_auto_learn_threshold_spam=${t#* }" "$one" >/dev/null
	[ "$(magic nspam)" = 46 ] && ok "learned from the other checks' score" ||
		fail "not learned at the threshold: nspam $(magic nspam)"
fi
[ "$fails" = 0 ]
