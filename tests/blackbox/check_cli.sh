#!/bin/sh
# Black-box tests of `filterd check`: exit statuses, error messages, JSON
# output, standard input, spooling, limits given with -o.
# Usage: check_cli.sh FILTERD EXAMPLES_DIR
set -u
filterd=$1
examples=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
# expect_status WANT DESC CMD...: run CMD, compare its exit status.
expect_status() {
	want=$1 desc=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$desc"; else
		not_ok "$desc (exit $got, want $want)"; sed 's/^/# /' "$tmp/err"; fi
}
expect_grep() { # expect_grep FILE PATTERN DESC
	if grep -q -- "$2" "$1"; then ok "$3"; else not_ok "$3"; sed 's/^/# /' "$1"; fi
}

expect_status 66 "missing file: exit 66" "$filterd" check "$tmp/nope.eml"
expect_grep "$tmp/err" "nope.eml: No such file" "missing file: the message names it"

: >"$tmp/empty.eml"
expect_status 65 "empty input: exit 65" "$filterd" check "$tmp/empty.eml"
expect_grep "$tmp/err" "empty input" "empty input: said so"

expect_status 78 "unknown setting: exit 78" "$filterd" check -o no_such_setting=1 "$examples/ham.eml"
expect_grep "$tmp/err" "no_such_setting" "unknown setting: named"
expect_status 78 "bad value: exit 78" "$filterd" check -o mime_parts_limit=lots "$examples/ham.eml"
expect_grep "$tmp/err" "mime_parts_limit" "bad value: named"
expect_status 78 "bad score: exit 78" "$filterd" check -o required_score=high "$examples/ham.eml"
expect_grep "$tmp/err" "required_score" "bad score: named"
printf 'mime_depth_limit = 5\nbogus line\n' >"$tmp/bad.conf"
expect_status 78 "bad config file: exit 78" "$filterd" check -c "$tmp/bad.conf" "$examples/ham.eml"
expect_grep "$tmp/err" "bad.conf:2" "bad config file: file and line"

expect_status 64 "unknown option: exit 64" "$filterd" check --frobnicate
expect_status 64 "unknown command: exit 64" "$filterd" frobnicate

expect_status 0 "json on the examples" "$filterd" check --json "$examples/ham.eml" \
	"$examples/spam.eml" "$examples/multipart.eml" "$examples/malformed.eml"
if python3 - "$tmp/out" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 4, lines
for l in lines:
    o = json.loads(l)
    for k in ("action", "score", "required", "symbols", "virus", "bayes"):
        assert k in o, (k, o)
    assert o["bayes"] is None
    assert abs(sum(s["score"] for s in o["symbols"]) - o["score"]) < 0.02, o
    for s in o["symbols"]:
        assert set(s) == {"name", "score", "description"}, s
mal = json.loads(lines[3])
names = {s["name"] for s in mal["symbols"]}
assert "MIME_NO_END_BOUNDARY" in names, names
PY
then ok "json: valid, one object a message, fields of DESIGN.md"; else not_ok "json fields"; fi

expect_status 0 "standard input" sh -c "'$filterd' check --json < '$examples/ham.eml'"
expect_grep "$tmp/out" '"action":"accept"' "standard input: ham accepted"

# Spooling: standard input larger than spool_threshold goes to a temp file.
{ printf 'From: a@example.com\nSubject: big\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\n\n'
  i=0; while [ $i -lt 3000 ]; do echo "line $i of a long text part that goes on and on"; i=$((i + 1)); done
  printf -- '--zz\nContent-Type: text/html\n\n<p>end</p>\n--zz--\n'; } >"$tmp/big.eml"
expect_status 0 "spooled standard input" sh -c "'$filterd' check --dump -o spool_threshold=4k < '$tmp/big.eml'"
expect_grep "$tmp/out" "2 text/html cte=7bit size=10" "spooled: the last part is found"
expect_status 0 "file read in chunks" "$filterd" check --dump -o spool_threshold=4k "$tmp/big.eml"
expect_grep "$tmp/out" "2 text/html cte=7bit size=10" "chunked: the last part is found"

expect_status 0 "parts limit" "$filterd" check --json -o mime_parts_limit=2 "$tmp/big.eml"
expect_grep "$tmp/out" "MIME_PARTS_LIMIT" "parts limit: symbol"
expect_status 0 "size limit" "$filterd" check --json -o message_size_limit=8k "$tmp/big.eml"
expect_grep "$tmp/out" "MESSAGE_SIZE_LIMIT" "size limit: symbol"

# GTUBE: in the body it rejects; --report shows the reply.
{ printf 'From: a@example.com\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <g@example.com>\n'
  printf 'Subject: test\n\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n'; } >"$tmp/gtube.eml"
expect_status 0 "gtube" "$filterd" check --json --report "$tmp/gtube.eml"
expect_grep "$tmp/out" '"action":"reject"' "gtube: rejected"
expect_grep "$tmp/out" '"name":"GTUBE","score":1000.00' "gtube: symbol with score 1000"
expect_grep "$tmp/out" '"reply":{"code":"550","xcode":"5.7.1","text":"Message rejected as spam"}' \
	"gtube: --report gives the 550 reply"
expect_status 0 "gtube, text report" "$filterd" check --report -o reject_score=-1 "$tmp/gtube.eml"
expect_grep "$tmp/out" "^add     X-Spam-Flag: YES" "gtube, not rejected: X-Spam-Flag added"

# A pattern file given with -o; a bad one names file and line.
printf '# test\nLOTTERY 6.5 body /you have won/i lottery wording\nSUBJ 1 header:Subject /^test$/\n' >"$tmp/pat.txt"
expect_status 0 "pattern file" "$filterd" check -o "pattern_files=$tmp/pat.txt" "$examples/ham.eml" "$tmp/gtube.eml"
expect_grep "$tmp/out" "SUBJ" "pattern file: header pattern"
printf 'From: a@example.com\nSubject: hi\n\nYou HAVE won a prize\n' >"$tmp/lottery.eml"
expect_status 0 "pattern file, body" "$filterd" check --json --report -o "pattern_files=$tmp/pat.txt" "$tmp/lottery.eml"
expect_grep "$tmp/out" '"name":"LOTTERY","score":6.50,"description":"lottery wording"' "pattern file: body pattern with its description"
expect_grep "$tmp/out" '"action":"add-header"' "pattern file: add-header by the score"
printf 'OK 1 body /a/\nBAD 1 body /(/\n' >"$tmp/badpat.txt"
expect_status 78 "bad pattern file: exit 78" "$filterd" check -o "pattern_files=$tmp/badpat.txt" "$examples/ham.eml"
expect_grep "$tmp/err" "badpat.txt:2: bad regular expression" "bad pattern file: file and line"
expect_status 78 "missing pattern file: exit 78" "$filterd" check -o "pattern_files=$tmp/none.txt" "$examples/ham.eml"
expect_grep "$tmp/err" "pattern_files: .*none.txt: No such file" "missing pattern file: named"
expect_status 78 "bad action word: exit 78" "$filterd" check -o max_message_size_action=bounce "$examples/ham.eml"
expect_grep "$tmp/err" "max_message_size_action" "bad action word: named"

# Message size: reject with 552 by default, or the configured action.
expect_status 0 "max_message_size" "$filterd" check --json --report -o max_message_size=2k "$tmp/big.eml"
expect_grep "$tmp/out" '"name":"MESSAGE_TOO_BIG"' "max_message_size: symbol"
expect_grep "$tmp/out" '"code":"552","xcode":"5.3.4"' "max_message_size: 552 5.3.4"

head -c 20000 /dev/urandom >"$tmp/random.bin"
"$filterd" check --json "$tmp/random.bin" >"$tmp/out" 2>"$tmp/err"
st=$?
if [ $st -eq 0 ] || [ $st -eq 65 ]; then ok "random bytes: no crash (exit $st)"; else not_ok "random bytes: exit $st"; fi

echo "1..$n"
[ $fails -eq 0 ]
