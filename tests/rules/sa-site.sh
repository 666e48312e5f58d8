#!/bin/sh
# sa-site.sh DIR: make a private SpamAssassin set-up in DIR for comparing
# with filterd: DIR/site (the Debian *.pre files, so the same plugins load as
# in a stock installation, and a local.cf that turns off Bayes, every
# network test and the auto-welcomelist, and adds a header X-Spam-Agree
# listing the rules that fired) and DIR/home (a fresh home: no user rules).
# SpamAssassin then runs as
#   HOME=DIR/home spamassassin -L -t --siteconfigpath=DIR/site -C RULES
set -eu
dir=$1
mkdir -p "$dir/site" "$dir/home"
cp /etc/spamassassin/*.pre "$dir/site/"
cat >"$dir/site/local.cf" <<'CF'
use_bayes 0
use_auto_whitelist 0
skip_rbl_checks 1
dns_available no
use_razor2 0
use_pyzor 0
use_dcc 0
report_safe 0
add_header all Agree _TESTS(,)_
add_header all RT _RELAYSTRUSTED_
add_header all RU _RELAYSUNTRUSTED_
add_header all RI _RELAYSINTERNAL_
add_header all RE _RELAYSEXTERNAL_
CF
