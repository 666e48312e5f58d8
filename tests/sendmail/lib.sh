# lib.sh: the Sendmail harness shared by the Sendmail end-to-end tests
# (tests/sendmail/test_sendmail_e2e.sh, tests/ezlist/test_sendmail_ezlist.sh).
# Source it after tests/integration/lib.sh, inside the namespaces that
# run.sh makes.
#
# Debian's sendmail .debs are unpacked into a scratch folder S; the test
# gets its own /etc/hosts, nsswitch.conf and host name (smtest.test.example)
# so that Sendmail never asks the machine's resolver; m4 makes a
# sendmail.cf from Debian's cf macros: sm_mc_common prints what every test
# needs (Sendmail on 127.0.0.1:SM_PORT relaying everything else to
# smtp-sink on 127.0.0.1:SINK_PORT, which writes each message to S/sink),
# the test adds its own lines. Variables: S, R (the unpacked .debs),
# SENDMAIL (the binary), SM_PORT (2527), SINK_PORT (2526), SM_PID, SINK_PID.

SM_PORT=2527
SINK_PORT=2526
SM_PID=""
SINK_PID=""

# sm_cleanup: stop sendmail and smtp-sink (by PID), then lib.sh's cleanup.
sm_cleanup() {
	for p in $SM_PID $SINK_PID; do
		kill -TERM "$p" 2>/dev/null
		wait_until 10 pid_gone "$p" || kill -KILL "$p" 2>/dev/null
	done
	it_cleanup
}

# sm_skip_unless_ready: skip (77) unless root, Postfix's tools, swaks and
# what unpacking and running Sendmail take are here; fail outside a
# network namespace.
sm_skip_unless_ready() {
	it_skip_unless_ready
	for cmd in m4 dpkg-deb mount hostname; do
		if ! command -v "$cmd" >/dev/null 2>&1; then
			echo "1..0 # SKIP $cmd is not installed (scripts/setup-deps.sh test)"
			exit 77
		fi
	done
	it_require_netns
}

# sm_init NAME CACHE: the scratch folder S (removed on exit), the machine
# as Sendmail sees it, and the .debs of CACHE unpacked into R. Returns
# non-zero (after a TAP line) when Sendmail cannot be had.
sm_init() {
	S=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
	# shellcheck disable=SC2034 # it_cleanup (tests/integration/lib.sh) removes it
	PF_DIR=$S
	it_trap
	trap 'sm_cleanup' EXIT
	printf '127.0.0.1\tsmtest.test.example smtest localhost\n' >"$S/hosts"
	printf 'hosts: files\n' >"$S/nsswitch.conf"
	printf 'hosts files\naliases files\n' >"$S/service.switch"
	mount --bind "$S/hosts" /etc/hosts && mount --bind "$S/nsswitch.conf" /etc/nsswitch.conf &&
		hostname smtest.test.example
	tap_result $? "own /etc/hosts and host name in this mount and UTS namespace"
	R=$S/root
	mkdir -p "$R"
	for d in "$2"/sendmail-bin_*.deb "$2"/sendmail-cf_*.deb "$2"/sendmail-base_*.deb; do
		dpkg-deb -x "$d" "$R" || break
	done
	SENDMAIL=$R/usr/libexec/sendmail/sendmail
	tap_ok "the .debs unpack and hold the sendmail binary" test -x "$SENDMAIL" || return 1
	mkdir -p "$S/mqueue" "$S/sink"
	chmod 0700 "$S/mqueue"
	chmod 0755 "$S"
	chown postfix "$S/sink"
	: >"$S/aliases"
	: >"$S/statistics"
}

# sm_mc_common: the .mc lines every test uses, on stdout. Sendmail stops
# listening past RefuseLA and only queues past QueueLA (a dozen or so): a
# loaded test machine passes both, so they are set out of reach.
sm_mc_common() {
	cat <<EOF
include(\`$R/usr/share/sendmail/cf/m4/cf.m4')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`smtest.test.example')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confSERVICE_SWITCH_FILE', \`$S/service.switch')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
define(\`confTO_IDENT', \`0')dnl
define(\`confQUEUE_LA', \`999')dnl
define(\`confREFUSE_LA', \`999')dnl
define(\`confDELAY_LA', \`0')dnl
define(\`QUEUE_DIR', \`$S/mqueue')dnl
define(\`confPID_FILE', \`$S/sendmail.pid')dnl
define(\`STATUS_FILE', \`$S/statistics')dnl
define(\`ALIAS_FILE', \`$S/aliases')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
FEATURE(\`no_default_msa')dnl
DAEMON_OPTIONS(\`Port=$SM_PORT, Addr=127.0.0.1, Name=MTA')dnl
EOF
}

# sm_make_cf WHAT: m4 makes S/test.cf from S/test.mc (a TAP line).
sm_make_cf() {
	tap_ok "m4 makes sendmail.cf $1" sh -c "m4 '$S/test.mc' >'$S/test.cf' 2>'$S/m4.err'" ||
		{ tap_diag "$(cat "$S/m4.err")"; return 1; }
}

# sm_start: smtp-sink and Sendmail (-bD, in the foreground, traced into
# S/trace.log); waits up to a minute for both to listen (a TAP line).
sm_start() {
	/usr/sbin/smtp-sink -u postfix -d "$S/sink/%H%M%S." "127.0.0.1:$SINK_PORT" 16 \
		>"$S/sink.log" 2>&1 &
	SINK_PID=$!
	"$SENDMAIL" -C "$S/test.cf" -bD -X "$S/trace.log" >"$S/sendmail.out" 2>&1 &
	SM_PID=$!
	wait_until 60 port_listening "$SINK_PORT" && wait_until 60 port_listening "$SM_PORT"
	sm_st=$?
	tap_result $sm_st "sendmail listens on 127.0.0.1:$SM_PORT, smtp-sink on $SINK_PORT"
	[ "$sm_st" = 0 ] || tap_diag "$(cat "$S/sendmail.out")"
	return $sm_st
}
