#!/bin/sh
# test_man.sh: every subcommand that `ezlist --help` lists has its manual
# page (docs/man/ezlist-NAME.1, named in its .TH and NAME, with the
# subcommand in its synopsis, and listed in ezlist(1)'s SEE ALSO), the list
# directory has ezlist-dir(5), and every ezlist page renders without a
# groff warning.
#
# Usage: sh test_man.sh EZLIST MANDIR
set -u
EZ=$1
MAN=$2
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
check() { d=$1; shift; if "$@" >/dev/null 2>&1; then ok "$d"; else nok "$d"; fi; }

help=$("$EZ" --help)
check "ezlist --help exits 0" test $? = 0
cmds=$(printf '%s\n' "$help" | sed -n 's/^  ezlist \([a-z][a-z-]*\).*/\1/p')
check "ezlist --help lists at least the six subcommands" test "$(printf '%s\n' "$cmds" | wc -l)" -ge 6
"$EZ" frobnicate >/dev/null 2>&1
check "an unknown subcommand is a usage error (64)" test $? = 64

for c in $cmds; do
	p=$MAN/ezlist-$c.1
	if [ ! -f "$p" ]; then
		nok "$c: $p exists"
		continue
	fi
	ok "$c: $p exists"
	check "$c: .TH names EZLIST-$(echo "$c" | tr '[:lower:]' '[:upper:]') in section 1" \
		grep -qx ".TH EZLIST\\\\-$(echo "$c" | tr '[:lower:]' '[:upper:]') 1 .*" "$p"
	check "$c: NAME says ezlist-$c" grep -q "^ezlist\\\\-$c \\\\- " "$p"
	check "$c: SYNOPSIS shows ezlist $c" grep -qx ".B ezlist $c" "$p"
	check "$c: ezlist(1) refers to it" grep -q "ezlist\\\\-$c (1)" "$MAN/ezlist.1"
done
check "ezlist-dir(5) describes the list directory" grep -q '^\.TH EZLIST\\-DIR 5 ' "$MAN/ezlist-dir.5"
check "ezlist(1) refers to ezlist-dir(5)" grep -q 'ezlist\\-dir (5)' "$MAN/ezlist.1"

if ! command -v groff >/dev/null 2>&1; then
	nok "groff is installed (scripts/setup-deps.sh test: groff-base)"
else
	for p in "$MAN"/ezlist.1 "$MAN"/ezlist-*.[15]; do
		w=$(groff -man -t -ww -z "$p" 2>&1)
		if [ -z "$w" ]; then ok "$(basename "$p") renders without warnings"; else
			nok "$(basename "$p") renders without warnings"
			printf '%s\n' "$w" | sed 's/^/# /'
		fi
	done
fi
echo "1..$n"
[ "$failed" = 0 ]
