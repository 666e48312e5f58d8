#!/bin/sh
# run-rules-bench.sh [N] [RUNS]: messages per second of `filterd check` with
# SpamAssassin's stock rules (/usr/share/spamassassin) beside spamd + spamc
# (`spamd -L`, local tests only, the same rules, a private site config from
# tests/rules/sa-site.sh), two workers each (two filterd check processes
# over halves of the list; spamd with two children and two spamc at a time),
# on the same N messages of the corpus sample (all
# 605 by default), RUNS times each (default 3); prints each run and the
# medians and their ratio. filterd runs with the Hyperscan prefilter of
# the body rules (compiled first by `filterd compile`, timed and printed,
# as sa-compile would be run once) and without it (rules_compiled_dir =
# none), so the table says what the prefilter buys. Also prints the
# agreement over the same messages when AGREE=1 (tests/rules/agreement.sh
# with spamd).
# Needs: a build in build/, scripts/fetch-corpus.sh done, spamassassin.
set -eu
n=${1:-605} runs=${2:-3}
top=$(cd "$(dirname "$0")/../.." && pwd)
filterd=$top/build/filterd/filterd
rules=/usr/share/spamassassin
sample=$top/.cache/corpus/sample.list
work=$(mktemp -d /tmp/tamis-rules-bench.XXXXXX)
spamd_pid=
cleanup() {
	[ -n "$spamd_pid" ] && kill "$spamd_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
head -n "$n" "$sample" >"$work/list"
mkdir "$work/compiled"
a=$(date +%s.%N)
"$filterd" compile -o "rules=$rules" -o "rules_compiled_dir=$work/compiled" 2>&1 | grep -i 'prefilter' || true
b=$(date +%s.%N)
echo "filterd compile: $(echo "$a $b" | awk '{ printf "%.1f", $2 - $1 }') s (once per rule set)"
count=$(wc -l <"$work/list")
sh "$top/tests/rules/sa-site.sh" "$work/sa"
port=17830
spamd_pid=$(sh "$top/tests/rules/spamd-start.sh" "$work/sa" $port "$rules")
now() { date +%s.%N; }
rate() { echo "$count $1 $2" | awk '{ printf "%.1f", $1 / ($3 - $2) }'; }
median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
t_all= s_all= p_all=
# Two filterd processes, as spamd has two children.
check() {
	xargs -P 2 -n $(( (count + 1) / 2 )) "$filterd" check --json -o "rules=$rules" \
		-o "rules_compiled_dir=$1" <"$work/list" >/dev/null 2>&1
}
r=1
while [ $r -le "$runs" ]; do
	z=$(now)
	check none
	a=$(now)
	check "$work/compiled"
	b=$(now)
	# Two spamc clients, as spamd has two children.
	xargs -P 2 -n 1 sh -c 'spamc -d 127.0.0.1 -p '$port' -x -c <"$0" >/dev/null || [ $? -eq 1 ]' <"$work/list"
	c=$(now)
	p=$(rate "$z" "$a") t=$(rate "$a" "$b") s=$(rate "$b" "$c")
	echo "run $r: filterd check $t msg/s (without the prefilter $p), spamd+spamc $s msg/s ($count messages)"
	t_all="$t_all $t" s_all="$s_all $s" p_all="$p_all $p"
	r=$((r + 1))
done
tm=$(echo $t_all | median) sm=$(echo $s_all | median) pm=$(echo $p_all | median)
ratio() { echo "$1 $2" | awk '{ printf "%.1f", $1 / $2 }'; }
echo "median: filterd check $tm msg/s, spamd+spamc $sm msg/s, ratio $(ratio "$tm" "$sm")x"
echo "median without the prefilter: filterd check $pm msg/s, ratio $(ratio "$pm" "$sm")x"
if [ "${AGREE:-0}" = 1 ]; then
	SPAMD=1 sh "$top/tests/rules/agreement.sh" "$filterd" "$top/build/tests/rules/rules_list" "$n" 0
fi
