#!/bin/sh
# virus_cli.sh: the virus check through `filterd check --json`, black box,
# with a ClamAV test database made at run time (make-db.sh).
#
# Usage: virus_cli.sh FILTERD
# Checks: EICAR in a mail (base64, in a zip); clamav-testfiles' samples as
# plain files, archives and mails (clam.mail, clam.exe.mbox.base64, ...)
# and attached to a mail (zipped, gzipped); a clean mail and its
# X-Virus-* headers (--report); each virus_action; the failure policy (no
# database, an empty one, a broken one); a scan limit; lint's summary.
# TAP output. Exit status: 0 every check passed, 1 one failed.
set -u
filterd=$1
here=$(cd "$(dirname "$0")" && pwd)
testfiles=${CLAMAV_TESTFILES:-/usr/share/clamav-testfiles}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

sh "$here/make-db.sh" "$tmp" || { echo "Bail out! make-db.sh failed"; exit 1; }
db=$tmp/db
# Every scan here uses the test database and no file-type bans, so that the
# virus check alone decides.
fd() { "$filterd" check --json -o rules=none -o "clamav_db=$db" -o filetype_check=no "$@" 2>"$tmp/err"; }

# expect DESC PATTERN FILTERD-CHECK-ARGS...: the JSON output matches
# PATTERN (grep -E).
expect() {
	ex_desc=$1 ex_pat=$2
	shift 2
	fd "$@" >"$tmp/out"
	if grep -Eq -- "$ex_pat" "$tmp/out"; then ok "$ex_desc"; else
		not_ok "$ex_desc"
		sed 's/^/# got: /' "$tmp/out" "$tmp/err"
		echo "# want: $ex_pat"
	fi
}

# mail_with FILE NAME ATTACHMENT: a mail with ATTACHMENT in base64.
mail_with() {
	{
		printf 'From: a@example.org\nTo: b@example.org\nSubject: %s\n' "$2"
		printf 'Date: Thu, 3 Dec 2026 10:00:00 +0000\nMessage-ID: <%s@example.org>\n' "$2"
		printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
		printf -- '--b\nContent-Type: text/plain\n\nSee the file.\n--b\n'
		printf 'Content-Type: application/octet-stream\n'
		printf 'Content-Disposition: attachment; filename="%s"\n' "$2"
		printf 'Content-Transfer-Encoding: base64\n\n'
		base64 <"$3"
		printf -- '--b--\n'
	} >"$1"
}

eicar_re='"virus":\["Eicar-Test-Signature[^"]*"\]'
clam_re='"virus":\["ClamAV-Test-File[^"]*"\]'
reject_re='^\{"action":"reject"'

# ---- EICAR ------------------------------------------------------------------

mail_with "$tmp/eicar.eml" eicar.com "$tmp/eicar.com"
expect "EICAR in a base64 attachment: rejected, named in virus" \
	"$reject_re.*VIRUS_FOUND.*Eicar-Test-Signature.*$eicar_re" "$tmp/eicar.eml"
expect "EICAR: the reply is 554 5.7.1 with the virus name" \
	'"reply":\{"code":"554","xcode":"5.7.1","text":"message contains a virus: Eicar-Test-Signature' \
	--report "$tmp/eicar.eml"
if command -v gzip >/dev/null; then
	gzip -c "$tmp/eicar.com" >"$tmp/eicar.com.gz"
	mail_with "$tmp/eicar-gz.eml" eicar.com.gz "$tmp/eicar.com.gz"
	expect "EICAR gzipped in a mail: found" "$eicar_re" "$tmp/eicar-gz.eml"
fi

# ---- clamav-testfiles -------------------------------------------------------

if [ -r "$testfiles/clam.exe" ]; then
	for f in clam.mail clam.exe.mbox.base64 clam.exe.mbox.uu clam.exe clam.zip \
		clam.tar.gz clam.exe.bz2 clam.7z clam.cab clam.ole.doc clam.pdf clam.exe.rtf \
		clam-upx.exe clam.tnef; do
		expect "clamav-testfiles $f: rejected as ClamAV-Test-File" \
			"$reject_re.*$clam_re" "$testfiles/$f"
	done
	for f in clam.zip clam.tar.gz clam.exe; do
		mail_with "$tmp/att-$f.eml" "$f" "$testfiles/$f"
		expect "$f attached to a mail (base64): found" "$reject_re.*$clam_re" \
			"$tmp/att-$f.eml"
	done
	# The mail sample itself, wrapped in a zip and attached.
	if command -v python3 >/dev/null; then
		python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED); z.write(sys.argv[2], "forwarded.eml"); z.close()' \
			"$tmp/mail.zip" "$testfiles/clam.mail"
		mail_with "$tmp/zipped-mail.eml" mail.zip "$tmp/mail.zip"
		expect "a zipped mail with clam.exe, attached: found" "$clam_re" "$tmp/zipped-mail.eml"
	fi
else
	skip "clamav-testfiles samples" "clamav-testfiles is not installed"
fi

# ---- clean mail, headers, actions -----------------------------------------

printf 'From: a@example.org\nTo: b@example.org\nSubject: hi\nDate: Thu, 3 Dec 2026 10:00:00 +0000\nMessage-ID: <c@example.org>\nX-Virus-Status: Clean\n\nNothing here.\n' \
	>"$tmp/clean.eml"
expect "a clean mail: accepted, no virus" '^\{"action":"accept".*"virus":\[\]' "$tmp/clean.eml"
expect "a clean mail: X-Virus-Scanned added" \
	'"op":"add","name":"X-Virus-Scanned","value":"tamis filterd \(ClamAV [0-9.]+\)"' \
	--report "$tmp/clean.eml"
expect "a clean mail: the sender's X-Virus-Status removed, ours is Clean" \
	'"op":"delete","name":"X-Virus-Status","occurrence":1.*"op":"add","name":"X-Virus-Status","value":"Clean"' \
	--report "$tmp/clean.eml"
expect "virus_headers=no: no X-Virus headers" '"edits":\[[^]]*\]' \
	--report -o virus_headers=no "$tmp/clean.eml"
if grep -q 'X-Virus' "$tmp/out"; then not_ok "virus_headers=no: none at all"; else
	ok "virus_headers=no: none at all"; fi
expect "virus_action=accept: VIRUS_FOUND scores 20, X-Virus-Status: Infected" \
	'"action":"add-header".*"name":"VIRUS_FOUND","score":20.00.*"value":"Infected \(Eicar-Test-Signature' \
	--report -o virus_action=accept -o reject_score=100 "$tmp/eicar.eml"
expect "virus_action=quarantine" '^\{"action":"quarantine".*"quarantine_reason":"message contains a virus' \
	--report -o virus_action=quarantine "$tmp/eicar.eml"
expect "virus_action=discard" '^\{"action":"discard"' -o virus_action=discard "$tmp/eicar.eml"

# ---- failure policy ---------------------------------------------------------

expect "virus_scan=yes, no database folder: tempfail, CHECK_ERROR_VIRUS" \
	'^\{"action":"tempfail".*"CHECK_ERROR_VIRUS".*no signature database in' \
	-o virus_scan=yes -o "clamav_db=$tmp/none" "$tmp/eicar.eml"
mkdir "$tmp/empty"
expect "virus_scan=yes, empty folder: tempfail" '^\{"action":"tempfail".*CHECK_ERROR_VIRUS' \
	-o virus_scan=yes -o "clamav_db=$tmp/empty" "$tmp/clean.eml"
expect "on_error_virus=accept: accepted with the symbol" \
	'^\{"action":"accept".*CHECK_ERROR_VIRUS' \
	-o virus_scan=yes -o on_error_virus=accept -o "clamav_db=$tmp/empty" "$tmp/clean.eml"
# virus_scan=auto with a clamav_db the administrator set that holds no
# database: refused at load (exit 78, the folder named), never a silent skip.
if fd -o "clamav_db=$tmp/empty" "$tmp/eicar.eml" >"$tmp/out"; then
	not_ok "auto, clamav_db set and empty: refused"
else
	st=$?
	if [ "$st" = 78 ] && grep -q "clamav_db $tmp/empty holds no ClamAV database" "$tmp/err"
	then ok "auto, clamav_db set and empty: refused, exit 78"; else
		not_ok "auto, clamav_db set and empty: refused, exit 78 (exit $st)"
		sed 's/^/# /' "$tmp/err"; fi
fi
"$filterd" lint -o "clamav_db=$tmp/empty" >"$tmp/out" 2>&1 && st=0 || st=$?
if [ "$st" != 0 ] && grep -q "holds no ClamAV database" "$tmp/out"; then
	ok "lint: auto with an empty clamav_db set fails"; else
	not_ok "lint: auto with an empty clamav_db set fails (exit $st)"
	sed 's/^/# /' "$tmp/out"; fi
# auto with the default clamav_db and no database there: scanning is off,
# said on stderr at start and by lint.
if [ -n "$(ls /var/lib/clamav 2>/dev/null | grep -E '\.(cvd|cld|hdb|ndb|ldb)$')" ]; then
	skip "auto, default clamav_db empty: off, said loudly" "/var/lib/clamav has a database"
	skip "lint: says virus scanning is off" "/var/lib/clamav has a database"
else
	"$filterd" check --json -o filetype_check=no "$tmp/eicar.eml" >"$tmp/out" 2>"$tmp/err"
	if grep -q '^{"action":"accept"' "$tmp/out" && ! grep -q VIRUS "$tmp/out" &&
		grep -q "VIRUS SCANNING IS OFF: no ClamAV database in /var/lib/clamav" "$tmp/err"
	then ok "auto, default clamav_db empty: off, said loudly"; else
		not_ok "auto, default clamav_db empty: off, said loudly"
		sed 's/^/# /' "$tmp/out" "$tmp/err"; fi
	"$filterd" lint >"$tmp/out" 2>&1
	if grep -q "^virus: OFF: messages are not scanned for viruses" "$tmp/out"; then
		ok "lint: says virus scanning is off"; else
		not_ok "lint: says virus scanning is off"; sed 's/^/# /' "$tmp/out"; fi
fi
mkdir "$tmp/broken"
printf 'this is not a signature\n' >"$tmp/broken/bad.hdb"
fd "$tmp/clean.eml" >"$tmp/out"
if fd -o "clamav_db=$tmp/broken" "$tmp/clean.eml"; then
	not_ok "a broken database: filterd check refuses to start"
else
	st=$?
	if [ "$st" = 78 ] && grep -q "cannot load the ClamAV database $tmp/broken" "$tmp/err"; then
		ok "a broken database: exit 78 with the folder named"
	else
		not_ok "a broken database: exit 78 with the folder named (exit $st)"
		sed 's/^/# /' "$tmp/err"
	fi
fi

# ---- limits -----------------------------------------------------------------

if [ -r "$testfiles/clam.zip" ]; then
	mail_with "$tmp/big.eml" clam.zip "$testfiles/clam.zip"
	head -c 3000 /dev/zero | tr '\0' 'x' | fold -w 70 >>"$tmp/big.eml"
	expect "a message over virus_max_file_size: tempfail, VIRUS_SCAN_LIMIT" \
		'^\{"action":"tempfail".*"VIRUS_SCAN_LIMIT".*MaxFileSize' \
		-o virus_max_file_size=1k "$tmp/big.eml"
	expect "virus_limit_action=accept: accepted with the symbol" \
		'^\{"action":"accept".*VIRUS_SCAN_LIMIT' \
		-o virus_max_file_size=1k -o virus_limit_action=accept "$tmp/big.eml"
	expect "virus_max_recursion=1: the zip in the mail is not opened" \
		'^\{"action":"tempfail".*VIRUS_SCAN_LIMIT.*MaxRecursion' \
		-o virus_max_recursion=1 "$tmp/att-clam.zip.eml"
fi

# ---- lint -------------------------------------------------------------------

"$filterd" lint -o "clamav_db=$db" >"$tmp/out" 2>&1
if grep -Eq '^virus: ClamAV [0-9.]+, [0-9]+ signatures from .*temporary folder' "$tmp/out"; then
	ok "lint: the engine's summary"
else
	not_ok "lint: the engine's summary"
	sed 's/^/# /' "$tmp/out"
fi
"$filterd" lint -o virus_scan=yes -o "clamav_db=$tmp/none" >"$tmp/out" 2>&1
if grep -q '^virus: NO ENGINE' "$tmp/out"; then ok "lint: says when there is no engine"; else
	not_ok "lint: says when there is no engine"; sed 's/^/# /' "$tmp/out"; fi

echo "1..$n"
[ "$fails" = 0 ]
