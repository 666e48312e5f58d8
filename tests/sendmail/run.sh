#!/bin/sh
# run.sh: CTest's entry for the Sendmail end-to-end tests.
#
# Usage: run.sh PROGRAM CACHE [TEST]
#   PROGRAM  what the test puts behind Sendmail (filterd, ezlist)
#   TEST     the test script (test_sendmail_e2e.sh here, filterd's)
#
# Fetches Debian's sendmail .debs into CACHE (fetch-debs.sh; outside the
# test's network namespace, since the namespace reaches nothing), then runs
# TEST in network, mount and host-name namespaces of its own
# (run-in-netns.sh, then unshare -m -u). Not root: skipped (77), as every
# integration test. Root, but the .debs cannot be had: failed (1), so that a
# CI run without them does not pass quietly.
set -u

here=$(cd "$(dirname "$0")" && pwd)
PROGRAM=${1:?usage: run.sh PROGRAM CACHE [TEST]}
CACHE=${2:?usage: run.sh PROGRAM CACHE [TEST]}
TEST=${3:-$here/test_sendmail_e2e.sh}

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (sendmail's daemon, namespaces)"
	exit 77
fi
if ! sh "$here/fetch-debs.sh" "$CACHE"; then
	echo "Bail out! Debian's sendmail packages could not be fetched into $CACHE"
	exit 1
fi
exec sh "$here/../integration/run-in-netns.sh" unshare -m -u \
	sh "$TEST" "$PROGRAM" "$CACHE"
