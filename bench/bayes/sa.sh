#!/bin/sh
# sa.sh: SpamAssassin's Bayes on the same split, for bench/bayes/run.sh --sa.
#
# Usage: sa.sh WORK   (WORK holds train-spam, train-ham, test: file lists)
# sa-learn into a fresh database (site config copied, local only, no
# autolearn, no expiry, no network tests), then one `spamassassin -L
# --mbox` over the test messages, reading each one's Bayes probability from
# a header _BAYES_ fills. Writes WORK/sa.probs (one a line, test order),
# WORK/sa.train and WORK/sa.classify ("wall cpu" seconds), WORK/sa.kb.
# Needs: spamassassin (Debian package), python3, /usr/bin/time.
set -eu
work=$1
sa=$work/sa
rm -rf "$sa"
mkdir -p "$sa/conf" "$sa/bayes"
cp /etc/spamassassin/*.pre /etc/spamassassin/*.cf "$sa/conf/"
cat >"$sa/conf/zz_bench.cf" <<EOF2
use_bayes 1
bayes_auto_learn 0
bayes_auto_expire 0
bayes_path $sa/bayes/bayes
skip_rbl_checks 1
dns_available no
use_razor2 0
use_pyzor 0
use_dcc 0
add_header all Bayes _BAYES_
EOF2
export HOME="$sa"
timed() {
	name=$1
	shift
	/usr/bin/time -f '%e %U %S' -o "$work/t.tmp" "$@"
	awk '{print $1, $2 + $3}' "$work/t.tmp" >>"$work/$name"
}
timed sa.train sh -c "xargs sa-learn -L --siteconfigpath '$sa/conf' --spam <'$work/train-spam' &&
	xargs sa-learn -L --siteconfigpath '$sa/conf' --ham <'$work/train-ham'" >"$sa/learn.out"
du -sk "$sa/bayes" | cut -f1 >"$work/sa.kb"

# The test messages as one mbox ("From " lines quoted in bodies).
python3 - "$work/test" "$sa/test.mbox" <<'PY'
import re, sys
out = open(sys.argv[2], "wb")
for p in open(sys.argv[1]).read().split():
    b = open(p, "rb").read()
    if not b.startswith(b"From "):
        b = b"From bench@localhost Thu Jan  1 00:00:00 2002\n" + b
    first, _, rest = b.partition(b"\n")
    rest = re.sub(rb"(?m)^(>*From )", rb">\1", rest)
    out.write(first + b"\n" + rest + (b"" if rest.endswith(b"\n") else b"\n") + b"\n")
PY
timed sa.classify sh -c "spamassassin -L --siteconfigpath '$sa/conf' --mbox \
	<'$sa/test.mbox' >'$sa/out.mbox' 2>'$sa/err'"
# One probability per test message. spamassassin --mbox writes the
# messages sorted by date, so each is found again by its Message-ID (unique
# in this corpus) or, without one, by its body. A message SpamAssassin gave
# no Bayes header (2, with odd "From " lines) counts as 0.5.
python3 - "$sa/out.mbox" "$work/test" "$work/sa.probs" <<'PY'
import re, sys

def key(msg):
    head, _, body = msg.partition(b"\n\n")
    m = re.search(rb"(?mi)^Message-Id:[ \t]*(\S+)", head)
    return m.group(1) if m else body[:400]

got = {}
for p in re.split(rb"(?m)^From ", open(sys.argv[1], "rb").read()):
    if p.strip():
        m = re.search(rb"(?m)^X-Spam-Bayes: ([0-9.]+)", p.partition(b"\n\n")[0])
        got[key(p.partition(b"\n")[2])] = m.group(1).decode() if m else None
out, missing = [], 0
for name in open(sys.argv[2]).read().split():
    raw = open(name, "rb").read()
    if raw.startswith(b"From "):
        raw = raw.partition(b"\n")[2]
    v = got.get(key(raw))
    missing += v is None
    out.append(v or "0.5")
open(sys.argv[3], "w").write("".join(x + "\n" for x in out))
print("sa.sh: %d of %d messages without a Bayes probability, counted as 0.5"
      % (missing, len(out)))
PY
