#!/bin/sh
# run.sh: the Bayes evaluation, side by side with bogofilter, on the fixed
# split of the SpamAssassin public corpus (scripts/fetch-corpus.sh).
#
# Usage: bench/bayes/run.sh [BUILD] [RUNS]
#        bench/bayes/run.sh --cv [BUILD] [K]
#   BUILD  the build folder (default build); RUNS timing runs (default 3)
#   --sa   also SpamAssassin's Bayes (bench/bayes/sa.sh; one run, minutes)
#   --cv   instead: K-fold cross-validation (default 10) over all 6046
#          messages with bayes_eval (in memory, no store), at the default
#          parameters and the ones the evaluation compared (docs/bayes.md);
#          TAMIS_CV_LIST=train: over the training part only (3010), as the
#          defaults were chosen
# Trains salearn (into a fresh LMDB database) and bogofilter (fresh
# wordlist, built-in defaults, -C) on train.list, classifies test.list with
# `filterd check --json` in one process (bulk) and `bogofilter -T -b`, and
# prints FP/FN at 0.5 and at each filter's default three-way cut-offs, ROC
# AUC, the FN rate at an FP rate of 0.1%, train and classify times
# (medians of RUNS), and the database sizes. Work files go to
# $TMPDIR/tamis-bayes-bench.
# Needs: a build with filterd and salearn, bogofilter, python3.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
cv=0
sa=0
case "${1:-}" in
--cv) cv=1; shift ;;
--sa) sa=1; shift ;;
esac
build=${1:-$top/build}
runs=${2:-3}
[ "$cv" = 0 ] || runs=${2:-10}
corpus=${TAMIS_CORPUS_CACHE:-$top/.cache/corpus}
"$top/scripts/fetch-corpus.sh" >/dev/null
if [ "$cv" = 1 ]; then
	# robs,robx,min_dev,max_tokens[,tie[,geometric]]
	exec "$build/bench/bayes/bayes_eval" -p 0.03,0.6,0.41,150 -p 0.0178,0.52,0.45,150 \
		-p 0.0178,0.52,0.375,150 -p 0.1,0.52,0.45,150 -p 0.0178,0.52,0.45,150,0.04 \
		cv "$runs" "$corpus/${TAMIS_CV_LIST:-all}.list"
fi
work=${TMPDIR:-/tmp}/tamis-bayes-bench
rm -rf "$work"
mkdir -p "$work"

grep -E '/(easy-ham|hard-ham)' "$corpus/train.list" >"$work/train-ham"
grep -E '/spam-' "$corpus/train.list" >"$work/train-spam"
cp "$corpus/test.list" "$work/test"

# timed NAME CMD...: run CMD under /usr/bin/time; append "wall cpu" to
# $work/NAME.
timed() {
	name=$1
	shift
	/usr/bin/time -f '%e %U %S' -o "$work/t.tmp" "$@"
	awk '{print $1, $2 + $3}' "$work/t.tmp" >>"$work/$name"
}

# Each run: tamis trains, then classifies in bulk (filterd check, one
# process per xargs batch); bogofilter does the same files with its
# built-in defaults (-C) and a fresh wordlist. The two alternate, so that
# the load of a shared machine weighs on both alike.
for _ in $(seq "$runs"); do
	rm -rf "$work/db"
	timed tamis.train sh -c "xargs '$build/bayes/salearn' -q --dbpath '$work/db' --spam \
		<'$work/train-spam' && xargs '$build/bayes/salearn' -q --dbpath '$work/db' --ham \
		<'$work/train-ham'"
	timed tamis.classify sh -c "xargs '$build/filterd/filterd' check --json \
		-o 'bayes_db=$work/db' <'$work/test' >'$work/tamis.json'"
	rm -rf "$work/bogo"
	mkdir "$work/bogo"
	timed bogo.train sh -c "bogofilter -C -d '$work/bogo' -s -b <'$work/train-spam' &&
		bogofilter -C -d '$work/bogo' -n -b <'$work/train-ham'"
	timed bogo.classify sh -c "bogofilter -C -d '$work/bogo' -t -b <'$work/test' \
		>'$work/bogo.out'; [ \$? -lt 3 ]"
done
"$build/bayes/salearn" --dbpath "$work/db" --dump magic >"$work/tamis.magic"
du -sk "$work/db" | cut -f1 >"$work/tamis.kb"
du -sk "$work/bogo" | cut -f1 >"$work/bogo.kb"

if [ "$sa" = 1 ]; then
	"$top/bench/bayes/sa.sh" "$work"
fi

python3 "$top/bench/bayes/score.py" "$work"
