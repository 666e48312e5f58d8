#!/bin/sh
# run-dns-bench.sh: time to verdict of `filterd check` for a message with 50
# URLs (50 distinct domains) from a client looked up in 5 DNSBL zones, the
# domains in 2 URIBL zones (5 + 100 lookups, plus the self-tests), against a
# local dnsmasq that answers, and against a server that never answers. The second must be
# bounded by one dns_timeout for the whole message (the stages share it),
# not by the number of lookups or of stages. A run with no DNS lists is the baseline (start-up, parsing).
#
# Usage: bench/dns/run-dns-bench.sh [FILTERD [RUNS [TIMEOUT]]]
#   FILTERD  default build/filterd/filterd; RUNS default 5; TIMEOUT (the
#   dns_timeout setting) default 2s.
# Needs root (a network namespace: nothing leaves the machine), dnsmasq and
# python3 (the silent server).
# Prints one line per case: median, min and max wall time in ms.
set -eu

FILTERD=${1:-build/filterd/filterd}
RUNS=${2:-5}
TIMEOUT=${3:-2s}
here=$(cd "$(dirname "$0")" && pwd)
FILTERD=$(cd "$(dirname "$FILTERD")" && pwd)/$(basename "$FILTERD")

if [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net 2>/dev/null)" ]; then
	exec sh "$here/../../tests/integration/run-in-netns.sh" sh "$0" "$FILTERD" "$RUNS" "$TIMEOUT"
fi

S=$(mktemp -d "${TMPDIR:-/tmp}/tamis-dnsbench.XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done
	rm -rf "$S"
}
trap cleanup EXIT

ZONES="z1.test z2.test z3.test z4.test z5.test"
UZONES="u1.test u2.test"

# conf PORT: dnsmasq.conf with the zones.
conf() {
	printf 'port=%s\nlisten-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\n' "$1"
	printf 'no-negcache\ncache-size=0\nuser=\npid-file=\n'
	for z in $ZONES $UZONES; do
		echo "local=/$z/"
		echo "host-record=2.0.0.127.$z,127.0.0.2"
		echo "host-record=test.$z,127.0.0.2"
	done
	echo "host-record=7.0.0.10.z3.test,127.0.0.2"
	i=0
	while [ $i -lt 50 ]; do
		[ $((i % 10)) = 0 ] && echo "host-record=site$i.example.u1.test,127.0.0.2"
		i=$((i + 1))
	done
}

# wait_udp PORT: until something is bound to UDP PORT.
wait_udp() {
	n=0
	while [ -z "$(ss -Hlun "sport = :$1")" ]; do
		n=$((n + 1))
		[ $n -lt 100 ] || { echo "nothing listens on UDP $1" >&2; exit 1; }
		sleep 0.05
	done
}
conf 25353 >"$S/dns.conf"
dnsmasq -k -C "$S/dns.conf" 2>"$S/dns.err" &
PIDS="$PIDS $!"
wait_udp 25353
# The resolver that never answers: a UDP socket nobody reads (no reply, no
# ICMP error either).
python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 25354))
time.sleep(3600)' &
PIDS="$PIDS $!"
wait_udp 25354

{
	printf 'From: <a@sender.example>\nTo: <b@rcpt.example>\nSubject: fifty links\n'
	printf 'Date: Thu, 3 Dec 2026 09:00:00 +0000\nMessage-ID: <bench@sender.example>\n\n'
	i=0
	while [ $i -lt 50 ]; do
		echo "Link $i: http://www.site$i.example/page?id=$i"
		i=$((i + 1))
	done
} >"$S/msg.eml"

BL=""
for z in $ZONES; do BL="$BL${BL:+,}$z:RBL_$(echo "$z" | tr 'a-z.' 'A-Z_'):1"; done
UB=""
for z in $UZONES; do UB="$UB${UB:+,}$z:URIBL_$(echo "$z" | tr 'a-z.' 'A-Z_'):1"; done

# one PORT [-o ...]: ms of one filterd check run.
one() {
	port=$1
	shift
	t0=$(date +%s%N)
	"$FILTERD" check --json --client-addr 10.0.0.7 -o "dns_servers=127.0.0.1:$port" \
		-o "dns_timeout=$TIMEOUT" "$@" "$S/msg.eml" >"$S/out.json" 2>"$S/err.txt"
	echo $((($(date +%s%N) - t0) / 1000000))
}

# case NAME PORT [-o ...]: RUNS runs, then the median, min and max.
bench_case() {
	name=$1
	shift
	: >"$S/times"
	r=0
	while [ $r -lt "$RUNS" ]; do
		one "$@" >>"$S/times"
		r=$((r + 1))
	done
	sort -n "$S/times" | awk -v n="$name" '{ t[NR] = $1 }
	    END { printf "%-34s median %6d ms  min %6d  max %6d  (%d runs)\n", n, t[int((NR + 1) / 2)], t[1], t[NR], NR }'
	symbols=$(grep -o '"name":"[A-Z0-9_]*"' "$S/out.json" | tr '\n' ' ')
	echo "    symbols: ${symbols:-none}; lookups failed: $(grep -c 'lookup failed' "$S/err.txt" || true)"
}

echo "filterd DNS bench: 5 DNSBL zones, 50 URL domains x 2 URIBL zones, dns_timeout=$TIMEOUT"
bench_case "no DNS lists (baseline)" 25353
bench_case "lists, resolver answers" 25353 -o "dnsbl_zones=$BL" -o "uribl_zones=$UB"
bench_case "lists, resolver never answers" 25354 -o "dnsbl_zones=$BL" -o "uribl_zones=$UB"
