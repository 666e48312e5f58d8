#!/bin/sh
# run-clamav-bench.sh: what the virus scan and the file-type check cost per
# message, over the public corpus, beside clamd (ClamAV's daemon, what
# clamav-milter and amavisd-new call) scanning the same messages in the
# same run.
#
# Usage: bench/clamav/run-clamav-bench.sh [LIST] [RUNS]
#   LIST  message list (default .cache/corpus/all.list, made by
#         scripts/fetch-corpus.sh)
#   RUNS  passes of each configuration; medians are printed (default 5)
# Environment: BUILD (default build/), the build folder to take clamav_bench
# and magic_bench from (it builds nothing); BIG="HASHES BODIES" the size of
# the synthetic database (default "4000000 200000"; BIG=0 skips it);
# PEER=0 skips clamd.
#
# 1. The test database (tests/virus/make-db.sh: 2 signatures), then a
#    synthetic one about the official database's size
#    (make-big-db.py): clamav_bench prints the load time and memory, and
#    per message the time of the pipeline without the checks (base), with
#    libmagic (filetype), with libclamav on tmpfs (virus) and with its
#    temporary folder on disk (virus-disk).
# 2. The peer: clamd started here with a private configuration (a unix
#    socket in a scratch folder, the same database, temporary folder on
#    /dev/shm, stopped by PID), and `clamdscan --stream` sending it every
#    message of LIST one after the other, as a milter does; wall time,
#    median of RUNS, and the ratio to filterd's in-process scan.
# 3. magic_bench: a libmagic handle's cost, and a pool against one handle
#    under a lock with 2 threads.
# bench/README.md and docs/clamav.md keep the figures.
# Exit status: 0 done; 1 a program or the list is missing, or a run failed.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
list=${1:-$top/.cache/corpus/all.list}
runs=${2:-5}
big=${BIG:-4000000 200000}
cb=$build/bench/clamav/clamav_bench
mb=$build/bench/clamav/magic_bench
testfiles=${CLAMAV_TESTFILES:-/usr/share/clamav-testfiles}

die() {
	echo "run-clamav-bench: $*" >&2
	exit 1
}
[ -f "$list" ] || die "$list: no such list (run scripts/fetch-corpus.sh)"
[ -x "$cb" ] && [ -x "$mb" ] || die "$cb or $mb missing (ninja -C $build clamav_bench magic_bench)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tamis-clamav-bench.XXXXXX")
clamd_pid=""
cleanup() {
	if [ -n "$clamd_pid" ]; then kill "$clamd_pid" 2>/dev/null || true; fi
	rm -rf "$tmp" "/dev/shm/tamis-clamd-bench.$$"
}
trap cleanup EXIT INT TERM

sh "$top/tests/virus/make-db.sh" "$tmp/test" >/dev/null
nmsg=$(grep -c . "$list")
echo "corpus: $nmsg messages ($list), $runs runs, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# median FILE: the median of the numbers in FILE, one a line.
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# peer DB: clamd on DB, clamdscan --stream over the list RUNS times; prints
# "clamd seconds=S msgs_per_s=X us_per_msg=U".
peer() {
	mkdir -p "/dev/shm/tamis-clamd-bench.$$"
	cat >"$tmp/clamd.conf" <<EOF
LocalSocket $tmp/clamd.sock
DatabaseDirectory $1
TemporaryDirectory /dev/shm/tamis-clamd-bench.$$
PidFile $tmp/clamd.pid
LogFile $tmp/clamd.log
Foreground yes
MaxThreads 2
StreamMaxLength 64M
EOF
	t0=$(date +%s%N)
	clamd -c "$tmp/clamd.conf" >>"$tmp/clamd.out" 2>&1 &
	clamd_pid=$!
	while [ ! -S "$tmp/clamd.sock" ]; do
		kill -0 "$clamd_pid" 2>/dev/null || die "clamd did not start: $(tail -n 5 "$tmp/clamd.log")"
		sleep 0.05
	done
	echo "clamd  load seconds=$(echo "$(($(date +%s%N) - t0))" | awk '{ printf "%.3f", $1 / 1e9 }')" \
		"rss_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$clamd_pid/status")"
	: >"$tmp/peer.times"
	r=0
	while [ "$r" -lt "$runs" ]; do
		t0=$(date +%s%N)
		clamdscan -c "$tmp/clamd.conf" --stream --no-summary --infected \
			--file-list="$list" >"$tmp/peer.out" 2>&1 || true
		echo "$(($(date +%s%N) - t0))" >>"$tmp/peer.times"
		r=$((r + 1))
	done
	ns=$(median "$tmp/peer.times")
	awk -v ns="$ns" -v n="$nmsg" -v found="$(grep -c FOUND "$tmp/peer.out" || true)" \
		'BEGIN { s = ns / 1e9; printf "clamd  seconds=%.3f msgs_per_s=%.0f us_per_msg=%.1f viruses=%d\n", s, n / s, s / n * 1e6, found }'
	kill "$clamd_pid"
	wait "$clamd_pid" 2>/dev/null || true
	clamd_pid=""
}

echo "== test database (tests/virus/make-db.sh)"
"$cb" -d "$tmp/test/db" -l "$list" -r "$runs" 2>/dev/null | tee "$tmp/ours.txt"
if [ "${PEER:-1}" != 0 ] && command -v clamd >/dev/null && command -v clamdscan >/dev/null; then
	peer "$tmp/test/db" | tee "$tmp/peer.txt"
	awk '/^virus / { for (i = 1; i <= NF; i++) if ($i ~ /^us_per_msg=/) { sub(/.*=/, "", $i); o = $i } }
	     END { print o }' "$tmp/ours.txt" >"$tmp/o"
	awk '/^clamd  seconds/ { for (i = 1; i <= NF; i++) if ($i ~ /^us_per_msg=/) { sub(/.*=/, "", $i); p = $i } }
	     END { print p }' "$tmp/peer.txt" >"$tmp/p"
	echo "ratio: clamd's time per message / filterd's whole pipeline with the virus check =" \
		"$(awk -v o="$(cat "$tmp/o")" -v p="$(cat "$tmp/p")" 'BEGIN { printf "%.1f", p / o }')"
else
	echo "clamd: skipped (PEER=0, or clamav-daemon and clamdscan not installed)"
fi

if [ "$big" != 0 ]; then
	# shellcheck disable=SC2086  # two numbers
	python3 "$top/bench/clamav/make-big-db.py" "$tmp/big" $big
	cp "$tmp/test/db/test.hdb" "$tmp/big/"
	echo "== synthetic database: $big hash and body signatures ($(du -sh "$tmp/big" | cut -f1))"
	"$cb" -d "$tmp/big" -l "$list" -r "$runs" 2>/dev/null
	if [ "${PEER:-1}" != 0 ] && command -v clamd >/dev/null; then peer "$tmp/big"; fi
fi

echo "== libmagic"
"$mb" "$testfiles/clam.exe" 2
"$mb" "$testfiles/clam.pdf" 2
