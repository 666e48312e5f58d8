#!/bin/sh
# make-db.sh: a ClamAV test signature database, made at run time so that
# no test file in git is itself a test virus.
#
# Usage: make-db.sh DIR
# Writes into DIR (made if missing):
#   eicar.com   the 68-byte EICAR test file, put together here from two
#               halves (anti-virus programs flag the whole string in a file)
#   db/test.hdb MD5 signatures: Eicar-Test-Signature for eicar.com, and
#               ClamAV-Test-File for clam.exe of Debian's clamav-testfiles
#               (the one file all of its 44 samples carry, packed, archived
#               or mailed) when that package is installed
# libclamav names them Eicar-Test-Signature.UNOFFICIAL and
# ClamAV-Test-File.UNOFFICIAL (not from a signed database).
# Exit status: 0, or 1 when a file cannot be written.
set -eu
dir=$1
testfiles=${CLAMAV_TESTFILES:-/usr/share/clamav-testfiles}
mkdir -p "$dir/db"
half1='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR'
half2='-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
printf '%s%s' "$half1" "$half2" >"$dir/eicar.com"
# sig FILE NAME: one .hdb line, MD5:SIZE:NAME.
sig() {
	printf '%s:%s:%s\n' "$(md5sum <"$1" | cut -d' ' -f1)" "$(wc -c <"$1" | tr -d ' ')" "$2"
}
{
	sig "$dir/eicar.com" Eicar-Test-Signature
	if [ -r "$testfiles/clam.exe" ]; then sig "$testfiles/clam.exe" ClamAV-Test-File; fi
} >"$dir/db/test.hdb.tmp"
mv "$dir/db/test.hdb.tmp" "$dir/db/test.hdb"
