#!/bin/sh
# stock-repeat.sh FILTERD: SpamAssassin's stock __FILL_THIS_FORM_LONG1/2
# (a group repeated five times, too large for pcre2 whole; docs/rules.md)
# run: FILL_THIS_FORM_LONG fires on a form of six numbered personal fields
# and not on one of three, as SpamAssassin 4.0.1 does (checked with
# `spamassassin -t`). Exit 0 ok, 1 not, 77 (skip) without the stock rules.
set -u
filterd=$1
dir=/usr/share/spamassassin
[ -r "$dir/72_active.cf" ] || { echo "no $dir: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head='From: a@example.com
To: b@example.net
Subject: form
Message-ID: <1@example.com>
Date: Thu, 3 Dec 2026 10:00:00 +0000
'
printf '%s\nPlease send:\n\n1. Your Full Name: ______ 2. Your Address: ______ 3. Your Phone Number: _____ 4. Your Age: ____ 5. Your Country: ______ 6. Your Occupation: _____\n' "$head" >"$tmp/six.eml"
printf '%s\nPlease send:\n\n1. Your Full Name: ______ 2. Your Address: ______ 3. Your Phone Number: _____ and the rest later.\n' "$head" >"$tmp/three.eml"
fail=0
for m in six three; do
	"$filterd" check --json -o "rules=$dir" "$tmp/$m.eml" >"$tmp/$m.json" 2>/dev/null
done
grep -q '"FILL_THIS_FORM_LONG"' "$tmp/six.json" || { echo "FAIL: six fields, no FILL_THIS_FORM_LONG"; fail=1; }
grep -q '"FILL_THIS_FORM_LONG"' "$tmp/three.json" && { echo "FAIL: three fields, FILL_THIS_FORM_LONG"; fail=1; }
grep -q 'FILL_THIS_FORM_SHORT"' "$tmp/three.json" || { echo "FAIL: three fields, no (T_)FILL_THIS_FORM_SHORT"; fail=1; }
[ $fail = 1 ] || echo "ok: FILL_THIS_FORM_LONG on six fields, not on three"
exit $fail
