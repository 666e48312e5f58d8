#!/bin/sh
# prefilter.sh FILTERD: the Hyperscan prefilter of the body
# rules (docs/rules.md, "The prefilter"), as an administrator sees it, with
# three of SpamAssassin's stock body-rule files (101 body rules) and the
# project's default rules:
# - `filterd compile` makes one file in rules_compiled_dir and says how
#   many body rules it prefilters; run again, it reuses the file;
# - `filterd check --json` gives byte for byte the same verdicts with the
#   prefilter and without it (rules_compiled_dir = none) over 80 corpus
#   messages, and the same with a damaged file (ignored, with a warning);
# - lint says when there is no prefilter for the rules;
# - the daemon (inside a network namespace of its own: run by
#   run-in-netns.sh) compiles a missing prefilter in the background and
#   keeps it, as the user it runs as; stopped while compiling (the stock
#   rules), it stops at once.
# Exit 0 ok, 1 not, 77 (skip) without the stock rules, the corpus or
# Hyperscan in this build.
set -u
filterd=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
list=${TAMIS_CORPUS_CACHE:-$top/.cache/corpus}/sample.list
stock=/usr/share/spamassassin
[ -r "$stock/20_phrases.cf" ] || { echo "no $stock: skipped"; exit 77; }
[ -r "$list" ] || { echo "no corpus ($list; scripts/fetch-corpus.sh): skipped"; exit 77; }
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { echo "not ok - $*"; sed 's/^/#   /' "$tmp/err" 2>/dev/null; exit 1; }

mkdir "$tmp/rules" "$tmp/compiled"
cp "$stock/20_phrases.cf" "$stock/20_advance_fee.cf" "$stock/20_body_tests.cf" "$tmp/rules/"
set -- -o "rules=$tmp/rules"
"$filterd" compile "$@" -o "rules_compiled_dir=$tmp/compiled" >"$tmp/out" 2>"$tmp/err"
rc=$?
if grep -q "without Hyperscan" "$tmp/err" "$tmp/out"; then
	echo "this filterd has no Hyperscan: skipped"
	exit 77
fi
[ $rc = 0 ] || fail "filterd compile: exit $rc"
set -- $(ls "$tmp/compiled")
[ $# = 1 ] && [ "${1%.hsdb}" != "$1" ] || fail "compile: not one .hsdb file: $*"
db=$tmp/compiled/$1
npf=$(sed -n 's/^rules: \([0-9]*\) body rules prefiltered by Hyperscan.*/\1/p' "$tmp/out")
[ -n "$npf" ] && [ "$npf" -ge 90 ] || fail "compile: prefiltered body rules: '$npf', want >= 90"
ok "filterd compile: $npf body rules prefiltered, kept in $(basename "$db")"

before=$(stat -c '%i %Y' "$db")
sleep 1
"$filterd" compile -o "rules=$tmp/rules" -o "rules_compiled_dir=$tmp/compiled" >"$tmp/out" 2>"$tmp/err" ||
	fail "compile again: exit $?"
[ "$(stat -c '%i %Y' "$db")" = "$before" ] && [ "$(ls "$tmp/compiled" | wc -l)" = 1 ] ||
	fail "compile again: the file was made again"
grep -q "^rules: $npf body rules prefiltered" "$tmp/out" || fail "compile again: not loaded"
ok "filterd compile again: the kept file is used, not compiled again"

awk 'NR % 7 == 1' "$list" | head -n 80 >"$tmp/list" # ham and spam
check() { # check DIR OUT
	xargs "$filterd" check --json -o "rules=$tmp/rules" -o "rules_compiled_dir=$1" \
		<"$tmp/list" >"$2" 2>"$tmp/err"
}
check none "$tmp/plain.json" || fail "check without the prefilter: exit $?"
check "$tmp/compiled" "$tmp/pf.json" || fail "check with the prefilter: exit $?"
[ "$(wc -l <"$tmp/plain.json")" = 80 ] || fail "check: not 80 verdicts"
grep -q '"symbols"' "$tmp/plain.json" || fail "check: no symbols in the verdicts"
cmp -s "$tmp/plain.json" "$tmp/pf.json" || {
	diff "$tmp/plain.json" "$tmp/pf.json" | head -5
	fail "verdicts differ with the prefilter"
}
fired=$(grep -o '"name": *"[A-Z_0-9]*"' "$tmp/pf.json" | sort -u | wc -l)
[ "$fired" -ge 5 ] || fail "only $fired different symbols fired: the comparison says little"
ok "80 messages: the same verdicts with and without the prefilter ($fired symbols fired)"

"$filterd" lint -o "rules=$tmp/rules" -o "rules_compiled_dir=$tmp/compiled" >"$tmp/out" 2>"$tmp/err" ||
	fail "lint: exit $?"
grep -q "^rules: $npf body rules prefiltered" "$tmp/out" || fail "lint: prefilter not reported"
"$filterd" lint -o "rules=$tmp/rules" -o "rules_compiled_dir=none" >"$tmp/out" 2>"$tmp/err" ||
	fail "lint (none): exit $?"
grep -q "^rules: no compiled prefilter" "$tmp/out" || fail "lint (none): no line saying so"
ok "lint reports the prefilter, and its absence"

# A damaged file: ignored with a warning; the verdicts stay the same.
head -c 100000 "$db" >"$tmp/cut" && cat "$tmp/cut" >"$db"
check "$tmp/compiled" "$tmp/bad.json" || fail "check with a damaged file: exit $?"
grep -q "not a prefilter of these rules" "$tmp/err" || fail "damaged file: no warning"
cmp -s "$tmp/plain.json" "$tmp/bad.json" || fail "damaged file: verdicts differ"
ok "a damaged file is ignored with a warning, verdicts unchanged"

# The daemon compiles a missing prefilter in the background, as its user.
if [ "$(id -u)" = 0 ] && ip link show lo >/dev/null 2>&1; then
	rm -f "$tmp/compiled"/*
	chmod 755 "$tmp"
	chmod 777 "$tmp/compiled"
	chmod -R a+rX "$tmp/rules"
	"$filterd" -f -o "milter_socket=unix:$tmp/f.sock" -o "pid_file=" -o user=nobody \
		-o "rules=$tmp/rules" -o "rules_compiled_dir=$tmp/compiled" -o virus_scan=no \
		2>"$tmp/err" &
	pid=$!
	i=0
	until [ -n "$(ls "$tmp/compiled")" ] && grep -q "prefilter of .* compiled" "$tmp/err"; do
		i=$((i + 1))
		[ $i -le 600 ] && kill -0 "$pid" 2>/dev/null || fail "daemon: no prefilter after 60 s"
		sleep 0.1
	done
	grep -q "compiling it in the background" "$tmp/err" || fail "daemon: no log line for the compile"
	[ "$(stat -c %U "$tmp/compiled"/*.hsdb)" = nobody ] || fail "daemon: file not made as nobody"
	kill "$pid"
	wait "$pid"
	pid=
	ok "the daemon compiled the prefilter in the background and kept it"

	# Stopped while compiling (the stock rules take a minute or more): it
	# stops at once, the compiling child killed, no file left half made.
	rm -f "$tmp/compiled"/*
	"$filterd" -f -o "milter_socket=unix:$tmp/f.sock" -o "pid_file=" -o user=nobody \
		-o "rules=$stock" -o "rules_compiled_dir=$tmp/compiled" -o virus_scan=no \
		2>"$tmp/err" &
	pid=$!
	i=0
	until grep -q "compiling it in the background" "$tmp/err"; do
		i=$((i + 1))
		[ $i -le 300 ] && kill -0 "$pid" 2>/dev/null || fail "daemon (stock rules): no compile started"
		sleep 0.1
	done
	sleep 1
	t0=$(date +%s)
	kill "$pid"
	wait "$pid"
	pid=
	t=$(( $(date +%s) - t0 ))
	[ $t -le 10 ] || fail "daemon stopped while compiling: took $t s"
	[ -z "$(ls "$tmp/compiled")" ] || fail "daemon stopped while compiling: left $(ls "$tmp/compiled")"
	ok "the daemon stopped while compiling: out in $t s, nothing left"
else
	echo "ok $((n + 1)) # SKIP daemon part: not root"
fi
echo "1..$n"
exit 0
