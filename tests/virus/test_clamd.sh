#!/bin/sh
# test_clamd.sh: virus_scanner = clamd against the real clamd of Debian's
# clamav-daemon, started here on a unix socket with the test database
# (make-db.sh), inside a network namespace of its own
# (tests/integration/run-in-netns.sh), and stopped by its PID.
#
# Usage: test_clamd.sh FILTERD
# Checks, through `filterd check --json`: EICAR and clam.mail refused with
# their names; a clean mail accepted with X-Virus-Scanned naming clamd; a
# message over clamd's StreamMaxLength gets VIRUS_SCAN_LIMIT (tempfail);
# clamd gone gives CHECK_ERROR_VIRUS (tempfail), never an accept.
# TAP output. Exit status: 0, 1 a check failed, 77 (skip) without clamd.
set -u
filterd=$1
here=$(cd "$(dirname "$0")" && pwd)
testfiles=${CLAMAV_TESTFILES:-/usr/share/clamav-testfiles}
clamd=$(command -v clamd || echo /usr/sbin/clamd)
if [ ! -x "$clamd" ]; then
	echo "1..0 # SKIP clamd is not installed (clamav-daemon, scripts/setup-deps.sh)"
	exit 77
fi
tmp=$(mktemp -d)
chmod 755 "$tmp"
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

sh "$here/make-db.sh" "$tmp/av" || { echo "Bail out! make-db.sh failed"; exit 1; }
chmod -R a+rX "$tmp/av"
user=$(id -un)
cat >"$tmp/clamd.conf" <<CONF
LocalSocket $tmp/clamd.sock
DatabaseDirectory $tmp/av/db
TemporaryDirectory $tmp
LogFile $tmp/clamd.log
Foreground yes
User $user
StreamMaxLength 1M
CONF
"$clamd" -c "$tmp/clamd.conf" >"$tmp/clamd.out" 2>&1 &
pid=$!
i=0
while [ ! -S "$tmp/clamd.sock" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
if [ -S "$tmp/clamd.sock" ]; then ok "clamd starts on its socket"; else
	not_ok "clamd starts on its socket"; sed 's/^/# /' "$tmp/clamd.out" "$tmp/clamd.log"
	echo "1..$n"; exit 1; fi

fd() {
	"$filterd" check --json --report -o virus_scanner=clamd -o "clamd_socket=$tmp/clamd.sock" \
		-o filetype_check=no "$@" >"$tmp/out" 2>"$tmp/err"
}
expect() {
	ex_desc=$1 ex_pat=$2
	shift 2
	fd "$@"
	if grep -Eq -- "$ex_pat" "$tmp/out"; then ok "$ex_desc"; else
		not_ok "$ex_desc"; sed 's/^/# got: /' "$tmp/out" "$tmp/err"; echo "# want: $ex_pat"; fi
}
mail() { # mail FILE BODY-FILE: a mail with the file's bytes in base64
	{
		printf 'From: a@example.org\nTo: b@example.org\nSubject: t\nMIME-Version: 1.0\n'
		printf 'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n'
		printf -- '--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n'
		printf 'Content-Disposition: attachment; filename=f.bin\n\n'
		base64 <"$2"
		printf -- '--b--\n'
	} >"$1"
}
mail "$tmp/eicar.eml" "$tmp/av/eicar.com"
printf 'From: a@example.org\nTo: b@example.org\nSubject: hi\n\nNothing here.\n' >"$tmp/clean.eml"

expect "EICAR attached: rejected, named by clamd" \
	'^\{"action":"reject".*"virus":\["Eicar-Test-Signature' "$tmp/eicar.eml"
if [ -r "$testfiles/clam.mail" ]; then
	expect "clamav-testfiles' clam.mail: rejected" '^\{"action":"reject".*ClamAV-Test-File' \
		"$testfiles/clam.mail"
fi
expect "a clean mail: accepted, X-Virus-Scanned names clamd" \
	'^\{"action":"accept".*"name":"X-Virus-Scanned","value":"tamis filterd \(clamd\)"' \
	"$tmp/clean.eml"
head -c 1500000 /dev/urandom >"$tmp/big.bin"
mail "$tmp/big.eml" "$tmp/big.bin"
expect "over clamd's StreamMaxLength: tempfail, VIRUS_SCAN_LIMIT" \
	'^\{"action":"tempfail".*VIRUS_SCAN_LIMIT' "$tmp/big.eml"
"$filterd" lint -o virus_scanner=clamd -o "clamd_socket=$tmp/clamd.sock" >"$tmp/out" 2>&1
if grep -q "^virus: clamd at $tmp/clamd.sock" "$tmp/out"; then ok "lint names clamd"; else
	not_ok "lint names clamd"; sed 's/^/# /' "$tmp/out"; fi

kill "$pid"
wait "$pid" 2>/dev/null
pid=
expect "clamd gone: tempfail, CHECK_ERROR_VIRUS, never accepted" \
	'^\{"action":"tempfail".*CHECK_ERROR_VIRUS.*cannot reach clamd' "$tmp/eicar.eml"

echo "1..$n"
[ "$fails" = 0 ]
