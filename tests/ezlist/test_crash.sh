#!/bin/sh
# test_crash.sh: `ezlist sub` killed with SIGKILL in the middle of a bulk
# import, several times at different moments: afterwards every address
# subscribed before is still there, nothing is listed twice, nothing is
# listed that was never imported, and importing again completes the list.
#
# Usage: sh test_crash.sh EZLIST
set -u
EZ=$1
T=$(mktemp -d /tmp/ezlist-crash.XXXXXX)
trap 'rm -rf "$T"' EXIT
L=$T/list
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
is() { if [ "$2" = "$3" ]; then ok "$1"; else nok "$1"; echo "# got '$2' want '$3'"; fi; }

"$EZ" make "$L" crash@example.org >/dev/null || { echo "1..0 # SKIP ezlist make failed"; exit 1; }
# 2,000 subscribers before, 150,000 in the import.
awk 'BEGIN { for (i = 0; i < 2000; i++) printf "old%d@before.example\n", i }' >"$T/old"
awk 'BEGIN { for (i = 0; i < 150000; i++) printf "new%d@d%d.example\n", i, i % 97 }' >"$T/new"
"$EZ" sub "$L" <"$T/old" >/dev/null
sort "$T/old" "$T/new" >"$T/all"

for delay in 0.1 0.5 1.2; do
	"$EZ" sub "$L" <"$T/new" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	"$EZ" list "$L" | sort >"$T/listed"
	is "killed after ${delay}s: nothing listed twice" "$(uniq -d "$T/listed" | wc -l)" 0
	is "killed after ${delay}s: no subscriber lost" \
		"$(sort "$T/old" | comm -23 - "$T/listed" | wc -l)" 0
	is "killed after ${delay}s: nothing foreign" "$(comm -13 "$T/all" "$T/listed" | wc -l)" 0
	echo "# $(wc -l <"$T/listed") listed"
done
"$EZ" sub "$L" <"$T/new" >/dev/null
"$EZ" list "$L" | sort >"$T/listed"
is "the import done again completes the list" "$(cmp -s "$T/listed" "$T/all" && echo same)" same
is "info agrees" "$("$EZ" info "$L" | grep '^subscribers:')" "subscribers: 152000"
echo "1..$n"
[ "$failed" -eq 0 ]
