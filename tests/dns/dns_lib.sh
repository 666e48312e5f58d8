# dns_lib.sh: a real DNS server (dnsmasq) on loopback serving the test DNS
# lists of tamis's DNS tests, for scripts that run in a private network
# namespace (tests/integration/run-in-netns.sh). Source it:
#   . "$(dirname "$0")/dns_lib.sh"
#
#   dns_skip_unless_ready   exit 77 (CTest's skip) unless dnsmasq is installed
#   dns_start DIR PORT [LINE...]  write DIR/dnsmasq.conf (and the LINEs,
#                           e.g. local-ttl=300) and start dnsmasq on
#                           127.0.0.1:PORT (no upstream, no cache, answers
#                           with TTL 0 unless a LINE says otherwise); waits
#                           until it listens; DNS_PIDS gets its PID
#   dns_stop                stop every dnsmasq started, by PID, and reap it
#
# The zones (every other name in them is NXDOMAIN, TTL 0):
#   bl.test     block list of addresses: 127.0.0.2 (self-test, TXT), 10.0.0.2
#               -> 127.0.0.2 with a TXT, 10.0.0.3 -> 127.0.0.10, 10.0.0.4 ->
#               127.255.255.254 (refused), 10.0.0.5 -> 127.0.0.4 (with TXT),
#               2001:db8::2 -> 127.0.0.2, 10.0.0.6 -> 127.0.0.2
#   wl.test     allow list: 127.0.0.2 (self-test), 10.0.0.6 -> 127.0.10.2
#   nt.test     a list without its self-test entry (fails RFC 5782)
#   dbl.test    domain list: test (self-test), badsender.example and
#               evil.example -> 127.0.1.2 (TXT), phish.example -> 127.0.1.4,
#               ipquery.example -> 127.0.1.255 (an error answer),
#               xn--bcher-kva.example (IDN buecher with u-umlaut) -> 127.0.1.2
#   uribl.test  domain list with a bit mask: test -> 127.0.0.2,
#               grey.example -> 127.0.0.4, refused.example -> 127.0.0.1
#   wild.test   every name -> 127.0.0.2 (a broken list: INVALID is listed)
#   dead.test   forwarded to 127.0.0.9:53, where nothing listens: never
#               answered
# Nothing here reaches outside 127.0.0.0/8: no upstream server, and the
# tests run in a network namespace whose only link is lo.

DNS_PIDS=""

dns_skip_unless_ready() {
	if ! command -v dnsmasq >/dev/null 2>&1 && [ ! -x /usr/sbin/dnsmasq ]; then
		echo "1..0 # SKIP dnsmasq is not installed (scripts/setup-deps.sh test)"
		exit 77
	fi
}

# dns_conf DIR PORT [LINE...]: print the configuration.
dns_conf() {
	dc_dir=$1 dc_port=$2
	shift 2
	for dc_l in "$@"; do echo "$dc_l"; done
	set -- "$dc_dir" "$dc_port"
	cat <<CONF
port=$2
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-poll
no-hosts
no-negcache
cache-size=0
user=
pid-file=
log-facility=$1/dnsmasq.log
log-queries
local=/bl.test/
local=/wl.test/
local=/nt.test/
local=/dbl.test/
local=/uribl.test/
server=/dead.test/127.0.0.9
address=/wild.test/127.0.0.2
host-record=2.0.0.127.bl.test,127.0.0.2
txt-record=2.0.0.127.bl.test,"Test entry 127.0.0.2 (RFC 5782)"
host-record=2.0.0.10.bl.test,127.0.0.2
txt-record=2.0.0.10.bl.test,"10.0.0.2 is listed, see https://bl.test/q?10.0.0.2"
host-record=3.0.0.10.bl.test,127.0.0.10
host-record=4.0.0.10.bl.test,127.255.255.254
host-record=5.0.0.10.bl.test,127.0.0.4
txt-record=5.0.0.10.bl.test,"Open proxy 10.0.0.5"
host-record=6.0.0.10.bl.test,127.0.0.2
host-record=2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test,127.0.0.2
host-record=2.0.0.127.wl.test,127.0.0.2
host-record=6.0.0.10.wl.test,127.0.10.2
host-record=2.0.0.10.nt.test,127.0.0.2
host-record=test.dbl.test,127.0.1.2
host-record=badsender.example.dbl.test,127.0.1.2
txt-record=badsender.example.dbl.test,"badsender.example is a spam source"
host-record=evil.example.dbl.test,127.0.1.2
txt-record=evil.example.dbl.test,"evil.example is a spammed domain"
host-record=phish.example.dbl.test,127.0.1.4
txt-record=phish.example.dbl.test,"phish.example is phishing"
host-record=ipquery.example.dbl.test,127.0.1.255
host-record=xn--bcher-kva.example.dbl.test,127.0.1.2
host-record=test.uribl.test,127.0.0.2
host-record=grey.example.uribl.test,127.0.0.4
host-record=refused.example.uribl.test,127.0.0.1
CONF
}

# dns_answers PORT: dnsmasq answers on PORT (a lookup through filterd would
# do, but the shell has no resolver of its own: probe the UDP socket).
dns_listening() {
	[ -n "$(ss -Hlun "sport = :$1" 2>/dev/null)" ]
}

dns_start() {
	mkdir -p "$1"
	dns_conf "$@" >"$1/dnsmasq.conf"
	dnsmasq -k -C "$1/dnsmasq.conf" 2>>"$1/dnsmasq.err" &
	dns_pid=$!
	DNS_PIDS="$DNS_PIDS $dns_pid"
	dns_i=0
	while ! dns_listening "$2"; do
		dns_i=$((dns_i + 1))
		if [ "$dns_i" -gt 100 ] || ! kill -0 "$dns_pid" 2>/dev/null; then
			echo "# dnsmasq did not start: $(cat "$1/dnsmasq.err")"
			return 1
		fi
		sleep 0.05
	done
}

dns_stop() {
	for dns_p in $DNS_PIDS; do
		kill -TERM "$dns_p" 2>/dev/null
		wait "$dns_p" 2>/dev/null
	done
	DNS_PIDS=""
}
