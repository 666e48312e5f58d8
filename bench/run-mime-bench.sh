#!/bin/sh
# run-mime-bench.sh: the MIME benchmark, tamis against GMime, side by side.
#
# Usage: bench/run-mime-bench.sh [LIST] [RUNS]
#   LIST  message list (default .cache/corpus/all.list, made by
#         scripts/fetch-corpus.sh)
#   RUNS  runs of each program, alternating (default 5)
# Environment: BUILD, the build folder to take the programs from (default
# build/ at the repository top); it builds nothing. Needs a build configured
# with -DTAMIS_GMIME=ON for gmime_bench, python3 and /usr/bin/time.
#
# 1. Corpus: runs $BUILD/bench/gmime_bench -l LIST and
#    $BUILD/bench/tamis_mime_bench -l LIST alternately RUNS times and prints
#    the medians (msgs/s, MB/s, peak RSS) with the ratio tamis/GMime.
# 2. Big message: bench/make-big-message.py writes a 50 MB message into a
#    temporary folder; each program parses it from its path (-f FILE) once;
#    prints seconds and peak RSS (from /usr/bin/time -f %M).
# bench/README.md says what each figure means.
# Exit status: 0 done; 1 a program or the list is missing, or a run failed.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
list=${1:-$top/.cache/corpus/all.list}
runs=${2:-5}
gb="$build/bench/gmime_bench"
tb="$build/bench/tamis_mime_bench"

die() {
	echo "run-mime-bench: $*" >&2
	exit 1
}

[ -f "$list" ] || die "$list: no such list (run scripts/fetch-corpus.sh)"
[ -x "$gb" ] || die "$gb missing (configure with -DTAMIS_GMIME=ON and build)"
if [ ! -x "$tb" ]; then
	echo "run-mime-bench: $tb missing: GMime only" >&2
	tb=""
fi
[ -x /usr/bin/time ] || die "/usr/bin/time missing (scripts/setup-deps.sh bench)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mime-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "MIME benchmark: $(wc -l <"$list") messages from $list, $runs runs each"
echo "machine: $(nproc) cpus, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo "GMime $(pkg-config --modversion gmime-3.0 2>/dev/null || echo '?'), build $build"

i=1
while [ "$i" -le "$runs" ]; do
	"$gb" -l "$list" >>"$tmp/corpus.out" || die "gmime_bench failed"
	if [ -n "$tb" ]; then
		"$tb" -l "$list" >>"$tmp/corpus.out" || die "tamis_mime_bench failed"
	fi
	i=$((i + 1))
done

# big_run NAME PROG: one -f run of PROG on the big message, its line tagged
# with the peak RSS that /usr/bin/time saw.
big_run() {
	/usr/bin/time -f %M -o "$tmp/rss" "$2" -f "$tmp/big.eml" >"$tmp/line" ||
		die "$1 -f failed"
	sed "s/\$/ time_maxrss_kb=$(tail -1 "$tmp/rss")/" "$tmp/line" >>"$tmp/big.out"
}

python3 "$top/bench/make-big-message.py" "$tmp/big.eml" >/dev/null
big_run gmime_bench "$gb"
if [ -n "$tb" ]; then
	big_run tamis_mime_bench "$tb"
fi
rm -f "$tmp/big.eml"

python3 - "$tmp/corpus.out" "$tmp/big.out" <<'EOF'
# Print the medians of the corpus runs and the big-message figures.
import statistics, sys

def load(path):
    rows = {}
    for line in open(path):
        f = line.split()
        if not f or "=" not in line:
            continue
        kv = dict(x.split("=", 1) for x in f[1:] if "=" in x)
        rows.setdefault(f[0], []).append({k: float(v) for k, v in kv.items()})
    return rows

def med(rows, key):
    return statistics.median(r[key] for r in rows)

corpus, big = load(sys.argv[1]), load(sys.argv[2])
print("\nCorpus, median of %d runs (min-max msgs/s):" % len(corpus["gmime"]))
print("%-12s %10s %17s %9s %12s" % ("program", "msgs/s", "(min-max)", "MB/s",
                                     "peak RSS KB"))
for name, rows in corpus.items():
    v = [r["msgs_per_s"] for r in rows]
    print("%-12s %10.0f %8.0f-%-8.0f %9.2f %12.0f" % (
        name, med(rows, "msgs_per_s"), min(v), max(v), med(rows, "mb_per_s"),
        med(rows, "maxrss_kb")))
g = corpus["gmime"]
for name, rows in corpus.items():
    if name != "gmime":
        print("ratio %s/gmime: speed %.2f, peak RSS %.2f" % (
            name, med(rows, "msgs_per_s") / med(g, "msgs_per_s"),
            med(rows, "maxrss_kb") / med(g, "maxrss_kb")))
print("\nBig message (%.1f MB, parsed from its path with -f):"
      % (big["gmime"][0]["bytes"] / 1e6))
print("%-12s %9s %9s %22s" % ("program", "seconds", "MB/s",
                              "peak RSS KB (time -f %M)"))
for name, rows in big.items():
    r = rows[0]
    print("%-12s %9.3f %9.1f %22.0f" % (name, r["seconds"], r["mb_per_s"],
                                         r["time_maxrss_kb"]))
for name, rows in big.items():
    if name != "gmime":
        print("ratio %s/gmime: peak RSS %.2f" % (
            name, rows[0]["time_maxrss_kb"] / big["gmime"][0]["time_maxrss_kb"]))
EOF
