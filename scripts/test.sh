#!/bin/sh
# test.sh: the README's second command, and what CI runs (.ci/run).
# Installs what is missing (Debian 12, apt-get), fetches the test corpus,
# runs the lint, then builds and runs every test twice: once with gcc and
# -Werror, once with clang under AddressSanitizer and UndefinedBehaviorSanitizer
# with the libFuzzer targets, each fuzzed for TAMIS_FUZZ_SECONDS (default 30).
#
# Usage: scripts/test.sh [BUILD_ROOT]     (default: build)
# Exit status: 0 when every test passed; non-zero otherwise.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-$top/build}
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

echo "== installing what is missing"
scripts/setup-deps.sh test
echo "== fetching the test corpus"
scripts/fetch-corpus.sh
echo "== lint"
scripts/lint-banned.sh

echo "== gcc build, -Werror"
cmake -S . -B "$root/gcc" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DTAMIS_WERROR=ON -DTAMIS_GMIME=ON >/dev/null
ninja -C "$root/gcc"
ctest --test-dir "$root/gcc" --output-on-failure -j "$jobs"

echo "== clang build, AddressSanitizer + UndefinedBehaviorSanitizer + libFuzzer"
CC=clang cmake -S . -B "$root/asan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DTAMIS_WERROR=ON -DTAMIS_SANITIZE=ON -DTAMIS_FUZZ=ON -DTAMIS_GMIME=ON \
	-DTAMIS_FUZZ_SECONDS="${TAMIS_FUZZ_SECONDS:-30}" >/dev/null
ninja -C "$root/asan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	ctest --test-dir "$root/asan" --output-on-failure -j "$jobs"
echo "== all tests passed"
