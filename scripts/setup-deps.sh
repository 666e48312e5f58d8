#!/bin/sh
# setup-deps.sh: install the Debian packages that tamis needs, by group.
#
# Usage: scripts/setup-deps.sh [-n] [GROUP...]
#   build   compilers and build tools: gcc, make, cmake, ninja, pkg-config,
#           clang with libFuzzer and the sanitizer run-times, and the
#           libraries filterd links: c-ares, libpsl and the public suffix
#           list (DNS lists), libclamav and libmagic (viruses, file types),
#           LMDB and hiredis (the Bayes stores)
#   demo    build + a mail server to filter through: postfix (installed with
#           "No configuration": no system instance is set up or started),
#           swaks (the SMTP client), iproute2 (`ip`, for the network
#           namespace; unshare comes from util-linux, which is Essential)
#   test    build + demo + what the tests need: GMime (differential test),
#           python3 (compare.py, corpus lists), node/npm (the corpus is
#           fetched with npm pack), /usr/bin/time, dnsmasq (the DNS lists'
#           test server), clamav-testfiles (the samples the virus tests
#           detect), clamav-daemon (the clamd of the virus_scanner = clamd
#           test), spamassassin, spamc and spamd (stock rules and the
#           rule-agreement test), m4, libwrap0 and liblockfile1 (for the
#           unpacked sendmail .debs of the Sendmail test), redis-server
#           (the Bayes store test)
#   bench   test + hyperfine, the peers of the benchmarks: bogofilter
#           (Bayes), clamd and clamdscan (bench/clamav; where no
#           policy-rc.d forbids it, installing clamav-daemon enables
#           ClamAV's services: clamd and freshclam)
#   all     every group
# With no GROUP, "test" is meant. -n only prints what is missing (exit 1 if
# anything is, 0 if not) and installs nothing.
#
# For Debian 12 (bookworm) and its derivatives. It checks each package with
# dpkg-query first and runs apt-get (update, then install) only when something
# is missing, so a second run is quick and changes nothing. As root it runs
# apt-get itself; otherwise through sudo when sudo exists; otherwise it says
# what to install and exits 1.
#
# Exit status: 0 everything is installed; 1 something is missing and could
# not be installed; 2 usage error.
set -eu

pkgs_build="gcc libc6-dev make cmake ninja-build pkg-config clang libclang-rt-14-dev libpcre2-dev libmilter-dev libssl-dev"
pkgs_dns="libc-ares-dev libpsl-dev publicsuffix libidn2-dev"
pkgs_dns_test="dnsmasq-base"
pkgs_virus="libclamav-dev libmagic-dev"
pkgs_virus_test="clamav-testfiles clamav-daemon"
pkgs_virus_bench="clamav-daemon clamdscan"
pkgs_bayes="liblmdb-dev libhiredis-dev"
pkgs_bayes_test="redis-server"
pkgs_bayes_bench="bogofilter"
# Hyperscan (x86-64): the body-rule prefilter (docs/rules.md); filterd
# builds without it elsewhere.
pkgs_rules="libhyperscan-dev"
pkgs_rules_test="spamassassin spamc spamd"
# Sendmail's end-to-end test unpacks Debian's sendmail .debs (they conflict
# with postfix: tests/sendmail/fetch-debs.sh downloads them into .cache/);
# these are what the unpacked binary and its cf macros need.
pkgs_sendmail="m4 libwrap0 liblockfile1"
pkgs_ezlist_bench="mlmmj bc"
# ezlist_man renders the ezlist manual pages with groff.
pkgs_ezlist_test="groff-base"
# Every library the build links, and every server or sample the tests use.
pkgs_libs="$pkgs_dns $pkgs_virus $pkgs_bayes $pkgs_rules"
pkgs_test_parts="$pkgs_dns_test $pkgs_virus_test $pkgs_rules_test $pkgs_sendmail $pkgs_bayes_test $pkgs_ezlist_test"
pkgs_bench_peers="$pkgs_bayes_bench $pkgs_virus_bench $pkgs_ezlist_bench"
pkgs_mta="postfix swaks iproute2"
pkgs_test="libgmime-3.0-dev python3 time miltertest"
pkgs_bench="hyperfine"

usage() {
	echo "usage: $0 [-n] [build|demo|test|bench|all]..." >&2
	exit 2
}

# group_packages GROUP: print the packages of GROUP, with those it builds on.
group_packages() {
	case "$1" in
	build) echo "$pkgs_build $pkgs_libs" ;;
	demo) echo "$pkgs_build $pkgs_libs $pkgs_mta" ;;
	test) echo "$pkgs_build $pkgs_libs $pkgs_mta $pkgs_test $pkgs_test_parts" ;;
	bench) echo "$pkgs_build $pkgs_libs $pkgs_mta $pkgs_test $pkgs_test_parts $pkgs_bench $pkgs_bench_peers" ;;
	all) echo "$pkgs_build $pkgs_libs $pkgs_mta $pkgs_test $pkgs_test_parts $pkgs_bench $pkgs_bench_peers" ;;
	*) echo "$0: unknown group '$1'" >&2; usage ;;
	esac
}

# needs_npm GROUP: true when GROUP fetches the corpus with npm.
needs_npm() {
	case "$1" in
	test | bench | all) return 0 ;;
	*) return 1 ;;
	esac
}

# is_installed PKG: true when dpkg says PKG is installed.
is_installed() {
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null || true)
	case "$st" in
	ii*) return 0 ;;
	*) return 1 ;;
	esac
}

# uniq_words WORD...: print each distinct word once, one a line.
uniq_words() {
	printf '%s\n' "$@" | sort -u
}

dry_run=0
if [ "${1:-}" = "-n" ]; then
	dry_run=1
	shift
fi
[ $# -gt 0 ] || set -- test

wanted=""
want_npm=0
for g in "$@"; do
	list=$(group_packages "$g")
	wanted="$wanted $list"
	if needs_npm "$g"; then want_npm=1; fi
done
# nodejs and npm only when no npm is on PATH (a nodesource nodejs, for one,
# carries its own npm and conflicts with Debian's npm package).
if [ "$want_npm" = 1 ] && ! command -v npm >/dev/null 2>&1; then
	wanted="$wanted nodejs npm"
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "$0: not a Debian system; install the equivalents of:" >&2
	# shellcheck disable=SC2086  # splitting the package list is intended
	echo "  $(uniq_words $wanted | tr '\n' ' ')" >&2
	exit 1
fi

missing=""
# shellcheck disable=SC2086
for p in $(uniq_words $wanted); do
	if ! is_installed "$p"; then missing="$missing $p"; fi
done
if [ -z "$missing" ]; then
	echo "setup-deps: all packages of [$*] are installed"
	exit 0
fi
echo "setup-deps: missing:$missing"
[ "$dry_run" = 0 ] || exit 1

if [ "$(id -u)" = 0 ]; then
	as_root=""
elif command -v sudo >/dev/null 2>&1; then
	as_root="sudo"
else
	echo "$0: not root and no sudo; as root run:" >&2
	echo "  apt-get update && apt-get install --no-install-recommends$missing" >&2
	exit 1
fi

apt_opts="-o DPkg::Lock::Timeout=600"
# postfix asks which kind of mail server to set up; "No configuration" writes
# no /etc/postfix/main.cf and starts nothing: the tests and the demo run
# private instances of their own.
case " $missing " in
*" postfix "*)
	echo "postfix postfix/main_mailer_type select No configuration" |
		$as_root debconf-set-selections
	;;
esac
# shellcheck disable=SC2086  # word splitting of the option and package lists is intended
$as_root env DEBIAN_FRONTEND=noninteractive apt-get $apt_opts update
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive apt-get $apt_opts install -y \
	--no-install-recommends $missing

still=""
for p in $missing; do
	if ! is_installed "$p"; then still="$still $p"; fi
done
if [ -n "$still" ]; then
	echo "$0: still missing after apt-get:$still" >&2
	exit 1
fi
echo "setup-deps: installed:$missing"
