#!/bin/sh
# run-in-netns.sh: run one integration test inside a network namespace of
# its own, whose only link is the loopback, so that no server it starts and
# no lookup it makes can reach anything outside the machine.
#
# Usage: run-in-netns.sh COMMAND [ARG...]
#   e.g. run-in-netns.sh sh tests/integration/test_postfix_e2e.sh build/filterd/filterd
#
# The namespace is `unshare -n` (network only: files, users and PIDs are
# shared, so the test's unix sockets and temp folders work as usual); inside
# it, `ip link set lo up`, then COMMAND. Every TCP server the test needs must
# be started by COMMAND, inside the namespace. The tests themselves refuse
# to run outside a namespace (lib.sh, it_require_netns).
#
# Exit status: COMMAND's; 77 (CTest's skip) when not root, or when unshare
# or ip are missing or the kernel refuses a new namespace (a container
# without CAP_SYS_ADMIN).
set -u

if [ $# -lt 1 ]; then
	echo "usage: $0 COMMAND [ARG...]" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root for a network namespace (unshare -n)"
	exit 77
fi
for cmd in unshare ip; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "1..0 # SKIP $cmd is not installed (scripts/setup-deps.sh test)"
		exit 77
	fi
done
if ! unshare -n true 2>/dev/null; then
	echo "1..0 # SKIP cannot make a network namespace here (unshare -n failed)"
	exit 77
fi

# shellcheck disable=SC2016  # $@ is expanded by the inner shell
exec unshare -n sh -c 'ip link set lo up || exit 1; exec "$@"' run-in-netns "$@"
