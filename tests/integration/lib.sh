# lib.sh: shell functions for the integration tests that run a private
# Postfix with filterd as its milter. Source it from a test script:
#   . "$(dirname "$0")/lib.sh"
#
# What it gives:
#   TAP output      tap_ok DESC CMD...; tap_is DESC GOT WANT; tap_diag TEXT;
#                   tap_skip DESC REASON; tap_done (prints the plan; returns 1
#                   when a check failed)
#   safety          it_require_netns: refuse to go on unless this process is in
#                   a private network namespace whose only link is lo (see
#                   run-in-netns.sh); it_skip_unless_ready: exit 77 (CTest's
#                   skip) unless root with postfix, swaks and ss installed
#   arguments       it_program VAR PATH USAGE: VAR gets PATH's absolute path,
#                   or "usage: $0 USAGE" and exit 2 when it is no program
#   Postfix         pf_make DIR [MILTER [RCPT...]]: a private instance in DIR
#                   (main.cf and master.cf with real absolute paths, a high
#                   port on 127.0.0.1 only, virtual delivery into one Maildir
#                   per recipient, DNS off, no chroot, no relaying, milters);
#                   pf_milter_route CIDR MILTER (smtpd_milter_maps); pf_start,
#                   pf_stop (by the master's PID), pf_reload, pf_queue,
#                   pf_queue_empty, pf_held_count, pf_hold_files, pf_log_has
#                   pf_set "KEY = VALUE"... (postconf -e), pf_add_service
#                   LINE (one more master.cf line)
#   filterd         fd_start NAME [ARG...]: `filterd -f` on unix:DIR/run/NAME.sock
#                   (or FD_SOCKET) as user postfix; fd_stop NAME (SIGTERM to
#                   its PID, wait, reap); fd_log NAME (its log file);
#                   fd_rss_kb NAME, fd_mem_kb NAME FIELD (its memory, kB)
#   SMTP            smtp_send OUT RCPT FILE [SWAKS-ARG...]: swaks with the
#                   transcript in OUT, returns swaks' exit status
#                   smtp_last_reply OUT (the server's last reply)
#   Maildir         md_count RCPT, md_wait RCPT N [SECONDS], md_files RCPT,
#                   md_headers FILE, md_header FILE NAME (a field's values)
#   cleanup         it_cleanup (stops whatever was started, by PID, then
#                   removes DIR); it_trap installs it for EXIT, INT and TERM
#
# Every wait polls a condition with a timeout; nothing sleeps a fixed time.
# Nothing here reaches outside 127.0.0.0/8: Postfix listens on 127.0.0.1,
# DNS is off, relaying is refused, and the tests run in a network namespace.
# It reads no untrusted input: the messages are the tests' own files.

PF_PORT=${PF_PORT:-2525}
PF_DOMAIN=test.example
PF_DIR=""
PF_RUNNING=0
# PIDs of the filterd instances we started, as "NAME:PID" words.
FD_PIDS=""

# ---- TAP -------------------------------------------------------------------

TAP_N=0
TAP_FAILED=0

# tap_diag TEXT...: each TEXT (and each line in it) as a "# ..." line.
tap_diag() {
	for td_t in "$@"; do printf '%s\n' "$td_t"; done | sed 's/^/# /'
}

# tap_result OK DESC: print one TAP line for result OK (0: pass).
tap_result() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

# tap_ok DESC CMD...: run CMD; a TAP line that says whether it succeeded.
# Returns CMD's status, so that a test can stop early when a step it needs
# failed.
tap_ok() {
	tap_desc=$1
	shift
	if "$@"; then tap_st=0; else tap_st=$?; fi
	tap_result "$tap_st" "$tap_desc"
	return "$tap_st"
}

# tap_is DESC GOT WANT: pass when the two strings are equal.
tap_is() {
	if [ "$2" = "$3" ]; then
		tap_result 0 "$1"
	else
		tap_result 1 "$1"
		tap_diag "got:  '$2'" "want: '$3'"
		return 1
	fi
}

# tap_skip DESC REASON: a check that cannot run here.
tap_skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

# tap_done: print the plan; returns 0 when every check passed.
tap_done() {
	echo "1..$TAP_N"
	if [ "$TAP_FAILED" -gt 0 ]; then
		tap_diag "$TAP_FAILED of $TAP_N checks failed"
		return 1
	fi
	return 0
}

# ---- waiting ---------------------------------------------------------------

# wait_until SECONDS CMD...: poll CMD every 0.05 s until it succeeds; returns
# 1 when SECONDS pass first.
wait_until() {
	wu_end=$(($(date +%s%N) / 1000000 + $1 * 1000))
	shift
	while ! "$@"; do
		if [ "$(($(date +%s%N) / 1000000))" -ge "$wu_end" ]; then
			return 1
		fi
		sleep 0.05
	done
	return 0
}

# pid_alive PID: true while PID runs (a zombie counts as gone: PID 1 of some
# containers reaps orphans late).
pid_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	pa_state=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$pa_state" ] && [ "$pa_state" != Z ] && [ "$pa_state" != X ]
}

# pid_gone PID: the opposite of pid_alive.
pid_gone() {
	! pid_alive "$1"
}

# port_listening PORT: something listens on TCP PORT (in this namespace).
port_listening() {
	[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

port_closed() {
	! port_listening "$1"
}

# ---- safety ----------------------------------------------------------------

# it_program VAR PATH USAGE: set VAR to the absolute path of the program
# PATH (the filterd or ezlist under test); when PATH is empty or not an
# executable, print "usage: $0 USAGE" and exit 2.
it_program() {
	if [ -z "$2" ] || [ ! -x "$2" ]; then
		echo "usage: $0 $3" >&2
		exit 2
	fi
	# shellcheck disable=SC2034 # read by the eval
	it_prog=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
	eval "$1=\$it_prog"
}

# it_skip_unless_ready: exit 77 (skip) unless we are root and postfix,
# swaks and ss are installed. The reason goes to stdout as a TAP plan.
it_skip_unless_ready() {
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root (Postfix's master runs as root)"
		exit 77
	fi
	for it_cmd in /usr/sbin/postfix /usr/sbin/postconf /usr/sbin/postqueue; do
		if [ ! -x "$it_cmd" ]; then
			echo "1..0 # SKIP Postfix is not installed (scripts/setup-deps.sh test)"
			exit 77
		fi
	done
	for it_cmd in swaks ss; do
		if ! command -v "$it_cmd" >/dev/null 2>&1; then
			echo "1..0 # SKIP $it_cmd is not installed (scripts/setup-deps.sh test)"
			exit 77
		fi
	done
}

# it_require_netns: exit 1 unless this process runs in a network namespace
# other than PID 1's whose only link is the loopback, up. Servers started
# here can then reach nothing outside the machine.
it_require_netns() {
	it_links=$(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | tr '\n' ' ')
	if [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net 2>/dev/null)" ] ||
		[ "$it_links" != "lo " ]; then
		echo "Bail out! not in a private network namespace (links: $it_links);" \
			"run through tests/integration/run-in-netns.sh"
		exit 1
	fi
	if ! ip -o link show lo | grep -q 'UP'; then
		echo "Bail out! the loopback link is down in this namespace"
		exit 1
	fi
}

# ---- Postfix ---------------------------------------------------------------

# pf_make DIR [MILTER [RCPT...]]: write a private Postfix instance into DIR
# (absolute; made if missing). MILTER is the smtpd_milters value (default
# or "": unix:DIR/run/filterd.sock; "none" for no milter). Each RCPT (a local
# part) gets a Maildir DIR/vmail/RCPT/, as do inbox, sender and postmaster
# (bounces and notices); other recipients are refused at RCPT. Sets PF_DIR.
pf_make() {
	PF_DIR=$1
	pf_milter=${2:-unix:$1/run/filterd.sock}
	[ "$pf_milter" = none ] && pf_milter=""
	if [ $# -ge 2 ]; then shift 2; else shift $#; fi
	mkdir -p "$PF_DIR/etc" "$PF_DIR/spool" "$PF_DIR/data" "$PF_DIR/vmail" "$PF_DIR/run"
	# Postfix's children run as postfix (smtpd, which connects to the milter
	# socket) and nobody (virtual): they must be able to enter DIR.
	chmod 0755 "$PF_DIR"
	chown postfix:postfix "$PF_DIR/data"
	pf_make_queue
	chown nobody:nogroup "$PF_DIR/vmail"
	# filterd's sockets and pid files: its user must be able to remove them.
	chown "${FD_USER:-postfix}" "$PF_DIR/run"
	: >"$PF_DIR/filterd.conf"
	pf_main_cf "$pf_milter" >"$PF_DIR/etc/main.cf"
	pf_master_cf >"$PF_DIR/etc/master.cf"
	# One Maildir per recipient: rcpt@test.example -> vmail/rcpt/. (virtual(8)
	# refuses regexp substitution in virtual_mailbox_maps: list them.)
	for pf_r in inbox sender postmaster "$@"; do
		printf '%s@%s\t%s/\n' "$pf_r" "$PF_DOMAIN" "$pf_r"
	done | sort -u >"$PF_DIR/etc/vmailbox"
	: >"$PF_DIR/etc/milter_map"
	: >"$PF_DIR/maillog"
}

# pf_make_queue: make the queue folders as postfix-files says. postfix
# start would make them too, but with a few hundred commands: seconds.
pf_make_queue() {
	for pf_q in active bounce corrupt defer deferred flush hold incoming private saved trace; do
		mkdir -p "$PF_DIR/spool/$pf_q"
		chown postfix "$PF_DIR/spool/$pf_q"
		chmod 0700 "$PF_DIR/spool/$pf_q"
	done
	mkdir -p "$PF_DIR/spool/maildrop" "$PF_DIR/spool/public" "$PF_DIR/spool/pid"
	chown postfix:postdrop "$PF_DIR/spool/maildrop" "$PF_DIR/spool/public"
	chmod 0730 "$PF_DIR/spool/maildrop"
	chmod 0710 "$PF_DIR/spool/public"
	chmod 0755 "$PF_DIR/spool" "$PF_DIR/spool/pid"
}

# pf_main_cf MILTER: print main.cf for PF_DIR.
pf_main_cf() {
	cat <<EOF
# Private Postfix instance for tamis tests (made by tests/integration/lib.sh).
compatibility_level = 3.6
config_directory = $PF_DIR/etc
queue_directory = $PF_DIR/spool
data_directory = $PF_DIR/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF_DIR/maillog
maillog_file_prefixes = $PF_DIR

myhostname = mx.$PF_DOMAIN
mydomain = $PF_DOMAIN
myorigin = \$mydomain
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
smtpd_relay_restrictions = reject_unauth_destination
smtpd_authorized_xclient_hosts = 127.0.0.1
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
local_transport = error:5.7.0 local delivery disabled in tests
default_transport = error:5.7.0 outside delivery disabled in tests
relay_transport = error:5.7.0 outside delivery disabled in tests
alias_maps =
alias_database =
biff = no
smtpd_error_sleep_time = 0s
in_flow_delay = 0s

virtual_mailbox_domains = $PF_DOMAIN
virtual_mailbox_base = $PF_DIR/vmail
virtual_mailbox_maps = texthash:$PF_DIR/etc/vmailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100

smtpd_milters = $pf_milter
non_smtpd_milters = $pf_milter
smtpd_milter_maps = cidr:$PF_DIR/etc/milter_map
milter_default_action = tempfail
milter_protocol = 6
EOF
}

# pf_master_cf: print master.cf: smtpd on 127.0.0.1:PF_PORT; chroot "n" for
# every service (a chrooted smtpd would look for the milter socket inside
# the queue directory).
pf_master_cf() {
	cat <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup     unix  n  -  n  60    1  pickup
cleanup    unix  n  -  n  -     0  cleanup
qmgr       unix  n  -  n  300   1  qmgr
rewrite    unix  -  -  n  -     -  trivial-rewrite
bounce     unix  -  -  n  -     0  bounce
defer      unix  -  -  n  -     0  bounce
trace      unix  -  -  n  -     0  bounce
verify     unix  -  -  n  -     1  verify
flush      unix  n  -  n  1000? 0  flush
proxymap   unix  -  -  n  -     -  proxymap
proxywrite unix  -  -  n  -     1  proxymap
smtp       unix  -  -  n  -     -  smtp
relay      unix  -  -  n  -     -  smtp
showq      unix  n  -  n  -     -  showq
error      unix  -  -  n  -     -  error
retry      unix  -  -  n  -     -  error
discard    unix  -  -  n  -     -  discard
local      unix  -  n  n  -     -  local
virtual    unix  -  n  n  -     -  virtual
lmtp       unix  -  -  n  -     -  lmtp
anvil      unix  -  -  n  -     1  anvil
scache     unix  -  -  n  -     1  scache
postlog    unix-dgram n - n - 1 postlogd
EOF
}

# pf_milter_route CIDR MILTER: clients from CIDR (e.g. 127.0.0.2/32) use
# MILTER ("unix:PATH", or DISABLE) instead of smtpd_milters. Call before
# pf_start (or run pf_reload after).
pf_milter_route() {
	printf '%s\t%s\n' "$1" "$2" >>"$PF_DIR/etc/milter_map"
}

# pf_set "KEY = VALUE"...: change main.cf settings (postconf -e). Call
# before pf_start (or run pf_reload after).
pf_set() {
	/usr/sbin/postconf -c "$PF_DIR/etc" -e "$@"
}

# pf_add_service LINE: append LINE to master.cf (e.g. one more smtpd on
# another port, with -o overrides). Call before pf_start.
pf_add_service() {
	printf '%s\n' "$1" >>"$PF_DIR/etc/master.cf"
}

# pf_master_pid: the PID in the master's pid file, or nothing.
pf_master_pid() {
	[ -r "$PF_DIR/spool/pid/master.pid" ] || return 0
	tr -d ' \n' <"$PF_DIR/spool/pid/master.pid"
}

# pf_age_config: date the files in DIR/etc a minute back. Postfix reads a
# table or main.cf again and again, 0.3 s apart, until the file is older
# than a second or two (so as not to read a file that is being written):
# with fresh files every postconf and postfix command waits ~2 s.
pf_age_config() {
	touch -d '1 minute ago' "$PF_DIR"/etc/*
}

# pf_start: start the instance and wait (PF_START_TIMEOUT seconds, 30) until
# smtpd listens. Returns 1 (with the log as diagnostics) when it does not.
pf_start() {
	pf_age_config
	rm -f "$PF_DIR/spool/pid/master.pid"
	# Set before the start: a TERM that arrives during `postfix start` runs
	# the cleanup trap after it returns, and pf_stop must then stop it.
	PF_RUNNING=1
	PF_MASTER=""
	if ! /usr/sbin/postfix -c "$PF_DIR/etc" start >"$PF_DIR/postfix-start.out" 2>&1; then
		# Before it has read main.cf, postfix logs only to syslog: an exit
		# status with no message is usually a bad maillog_file.
		tap_diag "postfix start failed:" "$(cat "$PF_DIR/postfix-start.out")" \
			"$(tail -n 20 "$PF_DIR/maillog")"
		return 1
	fi
	# `postfix start` returns once the master runs (master -w).
	PF_MASTER=$(pf_master_pid)
	if ! wait_until "${PF_START_TIMEOUT:-30}" port_listening "$PF_PORT"; then
		tap_diag "smtpd does not listen on 127.0.0.1:$PF_PORT" "$(tail -n 20 "$PF_DIR/maillog")"
		return 1
	fi
}

# pf_stop: stop the instance that pf_start started and wait (PF_STOP_TIMEOUT
# seconds, 30) until its master and every process of its group are gone
# and the port is closed. (The master's pid file stays behind: PF_RUNNING says whether it
# runs, so that a stale PID is never signalled.)
pf_stop() {
	[ "$PF_RUNNING" = 1 ] || return 0
	PF_RUNNING=0
	pf_pid=${PF_MASTER:-$(pf_master_pid)}
	[ -n "$pf_pid" ] || return 0 # it did not start
	/usr/sbin/postfix -c "$PF_DIR/etc" stop >/dev/null 2>&1 || kill -TERM "$pf_pid" 2>/dev/null
	if ! wait_until "${PF_STOP_TIMEOUT:-30}" pf_group_gone "$pf_pid"; then
		tap_diag "Postfix master $pf_pid did not stop; killing its group"
		kill -KILL -- "-$pf_pid" 2>/dev/null
		wait_until 5 pf_group_gone "$pf_pid"
	fi
	wait_until 5 port_closed "$PF_PORT"
	PF_MASTER=""
}

# pf_group_gone PGID: no live process is left in process group PGID (the
# master leads its own group; its children stay in it).
pf_group_gone() {
	pid_alive "$1" && return 1
	for pg_pid in $(pgrep -g "$1" 2>/dev/null); do
		if pid_alive "$pg_pid"; then return 1; fi
	done
	return 0
}

# pf_reload: reload main.cf and the maps; waits until the master logged it.
pf_reload() {
	pf_n=$(grep -c 'reload --' "$PF_DIR/maillog")
	pf_age_config
	/usr/sbin/postfix -c "$PF_DIR/etc" reload >/dev/null 2>&1 || return 1
	wait_until 10 pf_log_count_above 'reload --' "$pf_n"
}

# pf_log_count_above PATTERN N: the maillog has more than N lines with PATTERN.
pf_log_count_above() {
	[ "$(grep -c -- "$1" "$PF_DIR/maillog")" -gt "$2" ]
}

# pf_log_has PATTERN: the maillog has a line matching PATTERN (grep -E).
pf_log_has() {
	grep -Eq -- "$1" "$PF_DIR/maillog"
}

# pf_queue: postqueue -p's listing.
pf_queue() {
	/usr/sbin/postqueue -c "$PF_DIR/etc" -p 2>&1
}

# pf_queue_empty: no message is queued (active, deferred or held).
pf_queue_empty() {
	pf_queue | grep -q '^Mail queue is empty'
}

# pf_held_count: messages in the hold queue: postqueue -p marks them with
# "!" after the queue id.
pf_held_count() {
	pf_queue | grep -c '^[0-9A-Za-z]\{6,\}!' || true
}

# pf_hold_files: files in the hold folder of the spool.
pf_hold_files() {
	find "$PF_DIR/spool/hold" -type f 2>/dev/null | wc -l | tr -d ' '
}

# ---- filterd ---------------------------------------------------------------

# fd_start NAME [ARG...]: start `$FILTERD -f -c PF_DIR/filterd.conf` (an
# empty file unless the test writes one: the host's /etc/tamis/filterd.conf
# must not count) with its socket at unix:PF_DIR/run/NAME.sock (FD_SOCKET,
# when set, instead: unix:PATH or inet:PORT@ADDR), its pid file
# PF_DIR/run/NAME.pid, user FD_USER (default postfix: filterd gives the
# socket to its user with mode 0660, and smtpd runs as postfix), its log in
# PF_DIR/NAME.log, then ARG... (-o key=value). Waits until the socket
# exists. Returns 1 when filterd exits or makes no socket in time.
fd_start() {
	fd_name=$1
	shift
	fd_spec=${FD_SOCKET:-unix:$PF_DIR/run/$fd_name.sock}
	fd_sock=${fd_spec#unix:}
	[ "$fd_sock" = "$fd_spec" ] || rm -f "$fd_sock"
	(
		umask "${FD_UMASK:-022}"
		exec "$FILTERD" -f -c "${FD_CONF:-$PF_DIR/filterd.conf}" \
			-o "milter_socket=$fd_spec" -o "pid_file=$PF_DIR/run/$fd_name.pid" \
			-o "user=${FD_USER:-postfix}" "$@" >>"$PF_DIR/$fd_name.log" 2>&1 </dev/null
	) &
	fd_pid=$!
	FD_PIDS="$FD_PIDS $fd_name:$fd_pid"
	wait_until "${FD_START_TIMEOUT:-20}" fd_ready "$fd_spec" "$fd_pid"
	if ! fd_listens "$fd_spec" || pid_gone "$fd_pid"; then
		tap_diag "filterd ($fd_name) does not listen on $fd_spec" \
			"$(tail -n 20 "$PF_DIR/$fd_name.log")"
		return 1
	fi
}

# fd_listens SPEC: the socket of SPEC (unix:PATH, or inet:PORT@ADDR) is there.
fd_listens() {
	case "$1" in
	unix:*) [ -S "${1#unix:}" ] ;;
	inet:*) fd_port=${1#inet:} && port_listening "${fd_port%%@*}" ;;
	*) return 1 ;;
	esac
}

# fd_rss_kb NAME: the resident memory (VmRSS, kB) of instance NAME.
fd_rss_kb() {
	fd_mem_kb "$1" VmRSS
}

# fd_mem_kb NAME FIELD: a memory field of /proc/PID/status (VmRSS, VmHWM)
# of instance NAME, in kB.
fd_mem_kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$(fd_pid "$1")/status" 2>/dev/null
}

# fd_log NAME: the path of instance NAME's log (stderr in the foreground).
fd_log() {
	echo "$PF_DIR/$1.log"
}

# fd_ready SPEC PID: the socket is there, or PID died (no use waiting).
fd_ready() {
	fd_listens "$1" || pid_gone "$2"
}

# fd_pid NAME: the PID of the instance NAME that we started, or nothing.
fd_pid() {
	for fd_w in $FD_PIDS; do
		case "$fd_w" in "$1":*) echo "${fd_w#*:}" ;; esac
	done
}

# fd_stop NAME [SECONDS]: SIGTERM to NAME's PID, wait for it to exit (the
# default allows for libmilter's slow exit), reap it; SIGKILL after SECONDS.
# FD_STATUS gets its exit status; returns 1 when it had to be killed.
fd_stop() {
	fd_p=$(fd_pid "$1")
	[ -n "$fd_p" ] || return 0
	fd_rc=0
	kill -TERM "$fd_p" 2>/dev/null
	if ! wait_until "${2:-20}" pid_gone "$fd_p"; then
		tap_diag "filterd ($1) pid $fd_p ignored SIGTERM; killing it"
		kill -KILL "$fd_p" 2>/dev/null
		fd_rc=1
	fi
	wait "$fd_p" 2>/dev/null
	# shellcheck disable=SC2034  # for the tests
	FD_STATUS=$?
	fd_left=""
	for fd_w in $FD_PIDS; do
		case "$fd_w" in "$1":*) ;; *) fd_left="$fd_left $fd_w" ;; esac
	done
	FD_PIDS=$fd_left
	return "$fd_rc"
}

# ---- SMTP and Maildirs -----------------------------------------------------

# smtp_send OUT RCPT FILE [SWAKS-ARG...]: send FILE (a whole message) from
# sender@test.example to RCPT@test.example through the instance; the
# transcript goes to OUT. Returns swaks' status: 0 accepted, 23 refused at
# MAIL, 24 at RCPT, 25 at DATA, 26 after the data (see swaks(1)).
smtp_send() {
	ss_out=$1 ss_rcpt=$2 ss_file=$3
	shift 3
	swaks --server "127.0.0.1:$PF_PORT" --helo client.$PF_DOMAIN \
		--from "sender@$PF_DOMAIN" --to "$ss_rcpt@$PF_DOMAIN" \
		--data "@$ss_file" --timeout 60 "$@" >"$ss_out" 2>&1
}

# smtp_last_reply OUT: the server's last reply line before QUIT in a swaks
# transcript ("250 2.0.0 Ok: queued as ...", "550 5.7.1 ...").
smtp_last_reply() {
	grep -E '^<[~*-]+ +[0-9]{3}[ -]' "$1" | grep -Ev '^<[~*-]+ +221 ' | tail -n 1 |
		sed -E 's/^<[~*-]+ +//'
}

# md_files RCPT: the delivered files of RCPT's Maildir, one a line.
md_files() {
	find "$PF_DIR/vmail/$1/new" "$PF_DIR/vmail/$1/cur" -type f 2>/dev/null | sort
}

# md_count RCPT: how many messages RCPT's Maildir holds.
md_count() {
	md_files "$1" | wc -l | tr -d ' '
}

# md_has RCPT N: RCPT's Maildir holds at least N messages.
md_has() {
	[ "$(md_count "$1")" -ge "$2" ]
}

# md_wait RCPT N [SECONDS]: wait until RCPT's Maildir holds N messages.
md_wait() {
	wait_until "${3:-30}" md_has "$1" "$2"
}

# md_headers FILE: the header block of a delivered file, folded lines joined.
md_headers() {
	awk '/^\r?$/ { exit } /^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
	     { if (line != "") print line; line = $0 } END { if (line != "") print line }' "$1"
}

# md_header FILE NAME: the values of field NAME (any case) in FILE, one a line.
md_header() {
	md_headers "$1" | awk -v n="$2" 'BEGIN { n = tolower(n) ":" }
	    tolower(substr($0, 1, length(n))) == n { v = substr($0, length(n) + 1); sub(/^[ \t]+/, "", v); print v }'
}

# ---- cleanup ---------------------------------------------------------------

# it_cleanup: stop every filterd we started and the Postfix instance, by PID;
# remove PF_DIR unless KEEP=1 (or a check failed and KEEP_ON_FAIL=1).
it_cleanup() {
	for ic_w in $FD_PIDS; do fd_stop "${ic_w%%:*}"; done
	pf_stop
	if [ -n "$PF_DIR" ] && [ -d "$PF_DIR" ]; then
		if [ "${KEEP:-0}" = 1 ] || { [ "$TAP_FAILED" -gt 0 ] && [ "${KEEP_ON_FAIL:-0}" = 1 ]; }; then
			tap_diag "kept $PF_DIR"
		else
			rm -rf "$PF_DIR"
		fi
	fi
}

# it_trap: run it_cleanup on exit, and on INT/TERM exit with 130/143.
it_trap() {
	trap 'it_cleanup' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}
