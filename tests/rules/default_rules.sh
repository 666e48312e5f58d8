#!/bin/sh
# Black-box test of the rules tamis ships (rules/default) and of the rules
# setting's special values: a mail admin without SpamAssassin points
# filterd at the default folder (the installed one is the default), and
# `rules = none` turns the rules off.
# Usage: default_rules.sh FILTERD RULES_DEFAULT_DIR
set -u
filterd=$1
dflt=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
expect_grep() { # expect_grep FILE PATTERN DESC
	if grep -q -- "$2" "$1"; then ok "$3"; else not_ok "$3"; sed 's/^/# /' "$1"; fi
}
expect_no_grep() { # expect_no_grep FILE PATTERN DESC
	if grep -q -- "$2" "$1"; then not_ok "$3"; sed 's/^/# /' "$1"; else ok "$3"; fi
}

# No Message-ID, no Date, a shouting subject, "click here" in the body.
cat >"$tmp/spam.eml" <<'MAIL'
From: 1234567890@example.net
To: undisclosed-recipients:;
Subject: FREE MONEY FOR YOU TODAY!!!

Click here to make money now.
MAIL

"$filterd" check --json -o rules="$dflt" "$tmp/spam.eml" >"$tmp/out" 2>"$tmp/err"
expect_grep "$tmp/out" '"TAMIS_MISSING_MSGID"' "default rules: missing Message-ID found"
expect_grep "$tmp/out" '"TAMIS_SUBJ_ALL_CAPS"' "default rules: all-capitals subject found"
expect_grep "$tmp/out" '"TAMIS_CLICK_HERE"' "default rules: body rule found"

"$filterd" check --json -o rules=none "$tmp/spam.eml" >"$tmp/out" 2>"$tmp/err"
expect_no_grep "$tmp/out" '"TAMIS_' "rules = none: no rule fires"

"$filterd" lint -o rules="$dflt" >"$tmp/out" 2>&1
expect_grep "$tmp/out" 'header' "lint: the default rules' summary"
"$filterd" lint -o rules=none >"$tmp/out" 2>&1
expect_grep "$tmp/out" 'rules: none' "lint: rules = none said"

"$filterd" check -o rules="none,$dflt" "$tmp/spam.eml" >"$tmp/out" 2>&1
st=$?
if [ "$st" -eq 78 ]; then ok "none with another path: exit 78"; else
	not_ok "none with another path: exit $st, want 78"; fi
expect_grep "$tmp/out" 'must be the only value' "none with another path: said so"

echo "1..$n"
[ "$fails" -eq 0 ]
