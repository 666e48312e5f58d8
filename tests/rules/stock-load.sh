#!/bin/sh
# stock-load.sh RULES_LIST: SpamAssassin's stock rules (Debian's
# /usr/share/spamassassin) load: every header, body, rawbody, uri, full and
# meta rule that is not an eval: test loads (docs/rules.md), the
# ALL-EXTERNAL header rule and the regular expressions too large for pcre2
# too; metas over skipped rules load too.
# Prints the counts.
# Exit 0 ok, 1 not, 77 (skip) without SpamAssassin's rules.
set -eu
dir=/usr/share/spamassassin
[ -r "$dir/72_active.cf" ] || { echo "no $dir: skipped"; exit 77; }
out=$("$1" "$dir")
echo "$out" | grep -v '^diag'
get() { echo "$out" | awk -v k="$1 $2" '$1" "$2 == k { print $3 }'; }
fail=0
check() { # name value min
	if [ "$2" -lt "$3" ]; then echo "FAIL: $1 = $2, want >= $3"; fail=1; fi
}
check "header rules" "$(get count header)" 824
check "body rules" "$(get count body)" 621
check "rawbody rules" "$(get count rawbody)" 55
check "uri rules" "$(get count uri)" 144
check "meta rules" "$(get count meta)" 900
# Metas over skipped rules load (the skipped rule reads as 0); every meta
# that parses loads, so none is left out of the count above.
[ "$(get skipped syntax)" -eq 0 ] || { echo "FAIL: malformed lines"; fail=1; }
[ "$(get skipped meta)" -eq 0 ] || { echo "FAIL: meta expressions that do not parse"; fail=1; }
# No regular expression is refused: the ones too large for pcre2 (compiled
# size over 64 KiB: ReplaceTags expansions) run cut in pieces or, for the
# two __FILL_THIS_FORM_LONG (a repeated group), as the group repeated.
[ "$(get skipped regex)" -eq 0 ] || { echo "FAIL: regular expressions refused"; fail=1; }
[ "$(get skipped unsupported)" -eq 0 ] || { echo "FAIL: unsupported lines"; fail=1; }
other=$(echo "$out" | grep '^diag' || true)
[ -z "$other" ] || { echo "FAIL: unexpected diagnostics:"; echo "$other"; fail=1; }
exit $fail
