#!/bin/sh
# demo.sh: the README's first command. Installs what is missing (Debian 12,
# apt-get), builds tamis, and runs the main job: `filterd check` on the
# sample messages of docs/examples, first as a report, then as JSON.
#
# Usage: scripts/demo.sh [BUILD_DIR]     (default: build/demo)
# Exit status: 0 when it ran; non-zero when a step failed (it says which).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build/demo}
cd "$top"

echo "== installing what is missing"
scripts/setup-deps.sh build
echo "== building in $build"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" filterd >/dev/null

filterd="$build/filterd/filterd"
for f in docs/examples/*.eml; do
	echo
	echo "== filterd check $f"
	"$filterd" check "$f" || echo "(exit status $?)"
done
echo
echo "== filterd check --json docs/examples/*.eml"
"$filterd" check --json docs/examples/*.eml || echo "(exit status $?)"
echo
echo "== filterd check --dump docs/examples/multipart.eml"
"$filterd" check --dump docs/examples/multipart.eml
