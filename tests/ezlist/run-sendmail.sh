#!/bin/sh
# run-sendmail.sh: CTest's entry for ezlist behind a real Sendmail.
#
# Usage: run-sendmail.sh EZLIST CACHE
#
# As tests/sendmail/run.sh: fetches Debian's sendmail .debs into CACHE
# (tests/sendmail/fetch-debs.sh, outside the network namespace), then runs
# test_sendmail_ezlist.sh in network, mount and host-name namespaces of its
# own. Not root: skipped (77). Root, but the .debs cannot be had: failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
EZ=${1:?usage: run-sendmail.sh EZLIST CACHE}
CACHE=${2:?usage: run-sendmail.sh EZLIST CACHE}

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (sendmail's daemon, namespaces)"
	exit 77
fi
if ! sh "$here/../sendmail/fetch-debs.sh" "$CACHE"; then
	echo "Bail out! Debian's sendmail packages could not be fetched into $CACHE"
	exit 1
fi
exec sh "$here/../integration/run-in-netns.sh" unshare -m -u \
	sh "$here/test_sendmail_ezlist.sh" "$EZ" "$CACHE"
