#!/bin/sh
# run-subdb-bench.sh: the subscriber store at N subscribers, and where a
# change's time goes, on tmpfs (/dev/shm) and on the disk (/var/tmp), for
# this build and optionally a previous one, alternately in the same run;
# RUNS runs each, then the medians over the runs of each row's median and
# mean (bench_subdb prints the rows; see bench/README.md).
#
# Usage:
#   sh bench/ezlist/run-subdb-bench.sh BENCH EZLIST [OLD_BENCH OLD_EZLIST]
#   environment: N (1000000), OPS (3000), RUNS (3), PLACES ("/dev/shm /var/tmp")
set -u
B=${1:?usage: run-subdb-bench.sh BENCH EZLIST [OLD_BENCH OLD_EZLIST]}
EZ=${2:?usage}
OB=${3:-}
OEZ=${4:-}
N=${N:-1000000}
OPS=${OPS:-3000}
RUNS=${RUNS:-3}
PLACES=${PLACES:-/dev/shm /var/tmp}
OUT=$(mktemp -d /tmp/ezlist-subdb-bench.XXXXXX)
trap 'rm -rf "$OUT"; for p in $PLACES; do rm -rf "$p/ezlist-subdb-bench.$$"; done' EXIT

one() { # one NAME BENCH EZLIST PLACE RUN
	d=$4/ezlist-subdb-bench.$$
	rm -rf "$d"
	"$2" "$d" "$N" "$OPS" "$3" >"$OUT/$1.$(basename "$4").$5" || echo "$1 failed in $4" >&2
	rm -rf "$d"
}
r=1
while [ "$r" -le "$RUNS" ]; do
	for p in $PLACES; do
		one new "$B" "$EZ" "$p" "$r"
		[ -n "$OB" ] && one old "$OB" "$OEZ" "$p" "$r"
	done
	r=$((r + 1))
done

# The median over the runs of field F ("median" or "mean") of each row.
for p in $PLACES; do
	for v in new old; do
		ls "$OUT/$v.$(basename "$p")".* >/dev/null 2>&1 || continue
		echo "== $v, $p ($RUNS runs, N=$N, OPS=$OPS): medians over the runs"
		cat "$OUT/$v.$(basename "$p")".* | awk '
			/ median / { split($0, a, / median /); name = a[1]; sub(/ +$/, "", name)
				rest = a[2]; split(rest, f, / +/)
				med[name] = med[name] " " f[2 - (f[1] != "")]
				m = rest; sub(/.* mean +/, "", m); sub(/ .*/, "", m)
				mean[name] = mean[name] " " m
				if (!(name in seen)) { seen[name] = 1; order[++k] = name } }
			/^(bulk import|listing)/ { n = $1 == "bulk" ? "bulk import" : "listing"; x = $(NF - 1)
				v2[n] = v2[n] " " x; if (!(n in seen)) { seen[n] = 1; order[++k] = n } }
			function median(s,   a, c, i, j, t) { c = split(s, a, " ")
				for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++)
					if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
				return a[int((c + 1) / 2)] }
			END { for (i = 1; i <= k; i++) { n = order[i]
				if (n in v2) printf "%-24s %10s s\n", n, median(v2[n])
				else printf "%-24s median %9s us   mean %9s us\n", n, median(med[n]), median(mean[n]) } }'
	done
done
