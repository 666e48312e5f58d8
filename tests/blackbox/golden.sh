#!/bin/sh
# golden.sh FILTERD NAME.eml: `filterd check --dump NAME.eml` must print
# exactly NAME.dump (beside it). To update after a deliberate change:
#   TAMIS_GOLDEN_UPDATE=1 ctest -R golden_   (then review the diff!)
set -u
filterd=$1 eml=$2
want=${eml%.eml}.dump
got=$(mktemp)
trap 'rm -f "$got"' EXIT
(cd "$(dirname "$eml")" && "$filterd" check --dump "$(basename "$eml")") >"$got"
if [ "${TAMIS_GOLDEN_UPDATE:-}" = 1 ]; then cp "$got" "$want"; exit 0; fi
diff -u "$want" "$got"
