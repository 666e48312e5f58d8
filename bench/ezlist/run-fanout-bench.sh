#!/bin/sh
# run-fanout-bench.sh: one post to N subscribers handed over SMTP on
# loopback to Postfix's smtp-sink, by ezlist (inject=smtp, batches of 1000
# recipients, XVERP asked) and by mlmmj 1.3 in its fastest mode (an empty
# control/verp: 100 recipients per transaction), the same subscribers, the
# same sink, in one run; RUNS runs each, medians, and the ratio.
# Timed: from the start of `ezlist receive` / `mlmmj-receive -F` to its
# exit (it exits after the sink accepted the last message).
#
# Usage (root, in a private network namespace; needs postfix, mlmmj):
#   sh tests/integration/run-in-netns.sh sh bench/ezlist/run-fanout-bench.sh \
#      build/ezlist/ezlist [N [RUNS]]
set -u
EZ=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
N=${2:-100000}
RUNS=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../tests/integration/lib.sh"
it_require_netns
for c in /usr/sbin/smtp-sink /usr/bin/mlmmj-receive /usr/bin/mlmmj-make-ml; do
	[ -x "$c" ] || { echo "missing $c (apt-get install postfix mlmmj)"; exit 77; }
done
T=$(mktemp -d /tmp/ezlist-bench.XXXXXX)
SINK=""
trap '[ -n "$SINK" ] && kill "$SINK" 2>/dev/null; wait 2>/dev/null; [ "${KEEP:-0}" = 1 ] || rm -rf "$T"' EXIT
/usr/sbin/smtp-sink -u postfix -c 127.0.0.1:2526 1000 >"$T/sink.out" 2>&1 &
SINK=$!
wait_until 10 port_listening 2526 || { echo "smtp-sink did not start"; exit 1; }

seq 1 "$N" | sed 's/^/user/; s/$/@test.example/' >"$T/subs"
printf 'From: poster@test.example\nTo: bench@test.example\nSubject: bench\nMessage-ID: <b@test.example>\n\n%s\n' \
	"$(head -c 3000 /dev/zero | tr '\0' 'x' | fold -w 70)" >"$T/post.eml"

# ezlist
"$EZ" make -p anyone "$T/ez" bench@test.example >/dev/null
"$EZ" sub "$T/ez" <"$T/subs"
printf 'smtp\n' >"$T/ez/inject"; printf '2526\n' >"$T/ez/smtp_port"; printf 'yes\n' >"$T/ez/smtp_xverp"
# mlmmj
printf 'test.example\nowner@test.example\nen\n' | mlmmj-make-ml -L bench -s "$T/ml" >/dev/null 2>&1
M=$T/ml/bench
cp "$T/subs" "$M/subscribers.d/u"
echo 127.0.0.1 >"$M/control/relayhost"; echo 2526 >"$M/control/smtpport"; : >"$M/control/verp"

now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
: >"$T/ez.times"; : >"$T/ml.times"
for r in $(seq 1 "$RUNS"); do
	rm -rf "$T/ez/progress"/*
	sed "s/^Subject: bench/Subject: bench $r/" "$T/post.eml" >"$T/p.eml"
	s=$(now); /usr/bin/time -f %M -o "$T/ez.rss" "$EZ" receive "$T/ez" poster@test.example bench@test.example <"$T/p.eml" || echo "ezlist failed"
	echo "$(now) - $s" | bc >>"$T/ez.times"
	s=$(now); /usr/bin/time -f %M -o "$T/ml.rss" /usr/bin/mlmmj-receive -F -L "$M" -s poster@test.example <"$T/p.eml" >/dev/null 2>&1 || echo "mlmmj failed"
	echo "$(now) - $s" | bc >>"$T/ml.times"
done
ez=$(median <"$T/ez.times"); ml=$(median <"$T/ml.times")
echo "subscribers: $N, runs: $RUNS"
echo "ezlist (smtp, XVERP, 1000/transaction): median $ez s  (runs: $(tr '\n' ' ' <"$T/ez.times"))"
echo "mlmmj (empty control/verp, 100/transaction): median $ml s  (runs: $(tr '\n' ' ' <"$T/ml.times"))"
echo "peak RSS of the last run: ezlist $(cat "$T/ez.rss") KiB, mlmmj-receive $(cat "$T/ml.rss") KiB (max RSS as GNU time reports it for the command)"
echo "ratio mlmmj/ezlist: $(echo "scale=1; $ml / $ez" | bc)"
echo "ezlist log: $(grep -c 'sent to' "$T/ez/log") posts, last: $(grep 'sent to' "$T/ez/log" | tail -n 1)"
echo "sink counters (last line): $(tr '\r' '\n' <"$T/sink.out" | grep . | tail -n 1)"
