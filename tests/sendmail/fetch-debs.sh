#!/bin/sh
# fetch-debs.sh: put Debian's sendmail packages (sendmail-bin, sendmail-cf,
# sendmail-base) into a cache folder, for the Sendmail end-to-end test.
#
# Usage: fetch-debs.sh CACHE
#
# Debian's sendmail-bin conflicts with postfix, which the other tests need,
# so sendmail is not installed: its .debs are downloaded with
# `apt-get download` (from the archive in the machine's apt sources) and
# the test unpacks them into a scratch folder. The libraries they need
# (m4, libwrap0, liblockfile1) install beside postfix (scripts/setup-deps.sh
# test). A cache that already holds the three files is used as it is.
#
# Exit status: 0 the three .debs are in CACHE; 1 they could not be fetched.
set -u

CACHE=${1:?usage: fetch-debs.sh CACHE}
PKGS="sendmail-bin sendmail-cf sendmail-base"

have_all() {
	for p in $PKGS; do
		set -- "$CACHE/${p}"_*.deb
		[ -f "$1" ] || return 1
	done
}

have_all && exit 0
mkdir -p "$CACHE" || exit 1
# apt-get download writes into the working folder; its unprivileged
# downloader (_apt) needs to write there too, or apt warns and goes on as root.
chmod 0755 "$CACHE"
# shellcheck disable=SC2086  # the package list is words
if ! (cd "$CACHE" && apt-get download $PKGS) >"$CACHE/fetch.log" 2>&1; then
	# The package lists may be missing on a fresh machine.
	apt-get update >>"$CACHE/fetch.log" 2>&1
	# shellcheck disable=SC2086
	(cd "$CACHE" && apt-get download $PKGS) >>"$CACHE/fetch.log" 2>&1
fi
if ! have_all; then
	echo "fetch-debs.sh: cannot download $PKGS into $CACHE:" >&2
	tail -n 5 "$CACHE/fetch.log" >&2
	exit 1
fi
