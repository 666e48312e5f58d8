#!/bin/sh
# agreement.sh FILTERD RULES_LIST N MIN_PERCENT [RULES]: run SpamAssassin
# (`spamassassin -L -t`, local tests only, a private site config from
# sa-site.sh and a fresh home) and `filterd check --json -o rules=RULES` on
# N messages spread over the corpus sample (.cache/corpus/sample.list, made
# by scripts/fetch-corpus.sh), and compare the rules that fired
# (compare_hits.py). RULES defaults to /usr/share/spamassassin.
# With SPAMD=1, SpamAssassin runs as spamd + spamc (the same rules and
# set-up, far quicker for hundreds of messages).
# The relay pseudo-headers (X-Spam-Relays-*) are compared too: tamis's from
# relays_dump (beside RULES_LIST) against SpamAssassin's (compare_relays.py);
# at least RELAYS_MIN percent (default 90; 0 when MIN_PERCENT is 0, a
# measuring run) of the messages must have all four equal.
# Exit: 0 agreement >= MIN_PERCENT; 1 below; 77 (skip) when SpamAssassin or
# the corpus is missing.
set -eu
filterd=$1 rules_list=$2 n=$3 min=$4 rules=${5:-/usr/share/spamassassin}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
sample=${TAMIS_CORPUS_CACHE:-$top/.cache/corpus}/sample.list
command -v spamassassin >/dev/null 2>&1 || { echo "no spamassassin: skipped"; exit 77; }
[ -r "$sample" ] || { echo "no corpus ($sample; scripts/fetch-corpus.sh): skipped"; exit 77; }
[ -d "$rules" ] || [ -f "$rules" ] || { echo "no $rules: skipped"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tamis-agree.XXXXXX")
spamd_pid=
trap '[ -z "$spamd_pid" ] || kill "$spamd_pid"; rm -rf "$work"' EXIT INT TERM
"$here/sa-site.sh" "$work/sa"
total=$(wc -l <"$sample")
step=$(( total / n )); [ "$step" -ge 1 ] || step=1
awk -v s="$step" -v n="$n" '(NR - 1) % s == 0 && c < n { print; c++ }' "$sample" >"$work/list"
i=0
while read -r f; do
	echo "$i $f"
	i=$((i + 1))
done <"$work/list" >"$work/jobs"
mkdir "$work/out"
export AGREE_WORK="$work" AGREE_RULES="$rules" AGREE_PORT=17831
if [ "${SPAMD:-0}" = 1 ]; then
	spamd_pid=$("$here/spamd-start.sh" "$work/sa" $AGREE_PORT "$rules")
	xargs -P 2 -L 1 sh -c 'spamc -d 127.0.0.1 -p $AGREE_PORT -x <"$1" >"$AGREE_WORK/out/$0.out"' <"$work/jobs"
else
	# Two SpamAssassin processes at a time (about a second a message each).
	xargs -P 2 -L 1 sh -c 'HOME="$AGREE_WORK/sa/home" spamassassin -L -t --siteconfigpath="$AGREE_WORK/sa/site" -C "$AGREE_RULES" <"$1" >"$AGREE_WORK/out/$0.out" 2>/dev/null' <"$work/jobs"
fi
"$rules_list" -n "$rules" >"$work/names"
xargs "$filterd" check --json -o "rules=$rules" <"$work/list" >"$work/tamis.json"
relays_dump="$(dirname "$rules_list")/relays_dump"
xargs "$relays_dump" -r "$rules" <"$work/list" >"$work/relays"
rc=0 relays_min=${RELAYS_MIN:-90}
[ "$min" != 0 ] || relays_min=0
python3 "$here/compare_relays.py" "$work/out" "$work/relays" "$work/list" "$relays_min" || rc=1
python3 "$here/compare_hits.py" "$work/names" "$work/out" "$work/tamis.json" "$work/list" "$min" || rc=1
exit $rc
