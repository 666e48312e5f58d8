#!/bin/sh
# redis.sh: the Bayes store against a real redis-server on loopback, inside
# the network namespace of tests/integration/run-in-netns.sh: the store test
# (learning, forgetting, backup, expiry, a concurrent writer), then salearn
# learning into Redis, a backup moved from Redis to LMDB and back, and
# filterd check scoring from Redis.
#
# Usage: run-in-netns.sh sh redis.sh TEST_STORE SALEARN FILTERD TOP
# Exit: 0 pass, 1 fail, 77 skipped (no redis-server, or no corpus).
set -u
test_store=$1
salearn=$2
filterd=$3
top=$4
command -v redis-server >/dev/null 2>&1 || { echo "skip: no redis-server"; exit 77; }
ip -o addr show 2>/dev/null | grep -qv ' lo ' && { echo "not in a namespace"; exit 1; }
tmp=$(mktemp -d /tmp/tamis-bayes-redis.XXXXXX)
port=6390
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$tmp" --logfile "$tmp/redis.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
i=0
until redis-cli -p "$port" ping >/dev/null 2>&1; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || { echo "redis-server did not start"; cat "$tmp/redis.log"; exit 1; }
	sleep 0.1
done
fails=0
fail() { echo "not ok - $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }

TAMIS_BAYES_TEST_DB="redis://127.0.0.1:$port/1" "$test_store" && ok "store test on Redis" ||
	fail "store test on Redis"

corpus=${TAMIS_CORPUS_DIR:-$top/.cache/corpus}
if [ -f "$corpus/train.list" ]; then
	url="redis://127.0.0.1:$port/2"
	grep /spam- "$corpus/train.list" | awk 'NR % 20 == 1' | head -30 >"$tmp/spam"
	grep -- -ham- "$corpus/train.list" | awk 'NR % 50 == 1' | head -30 >"$tmp/ham"
	xargs "$salearn" -q -o "bayes_db=$url" --spam <"$tmp/spam" &&
		xargs "$salearn" -q -o "bayes_db=$url" --ham <"$tmp/ham" || fail "learn into Redis"
	"$salearn" -o "bayes_db=$url" --backup >"$tmp/b1"
	"$salearn" --dbpath "$tmp/lmdb" --restore "$tmp/b1" &&
		"$salearn" --dbpath "$tmp/lmdb" --backup >"$tmp/b2" || fail "Redis to LMDB"
	"$salearn" -o "bayes_db=redis://127.0.0.1:$port/3" --restore "$tmp/b2" &&
		"$salearn" -o "bayes_db=redis://127.0.0.1:$port/3" --backup >"$tmp/b3" || fail "LMDB to Redis"
	sort "$tmp/b1" >"$tmp/s1"
	sort "$tmp/b2" >"$tmp/s2"
	sort "$tmp/b3" >"$tmp/s3"
	cmp -s "$tmp/s1" "$tmp/s2" && cmp -s "$tmp/s1" "$tmp/s3" && grep -q '^v	30	num_spam' "$tmp/b1" &&
		ok "backup moves between Redis and LMDB" || fail "backups differ"
	one=$(grep /spam- "$corpus/test.list" | head -1)
	"$filterd" check --json -o "bayes_db=$url" -o bayes_min_spam=30 -o bayes_min_ham=30 "$one" \
		>"$tmp/v.json" 2>/dev/null
	python3 -c 'import json,sys; b=json.load(open(sys.argv[1]))["bayes"]; assert b and b["tokens"], b' \
		"$tmp/v.json" && ok "filterd scores from Redis" || fail "filterd check on Redis: $(cat "$tmp/v.json")"
else
	echo "# no corpus: salearn part skipped"
fi
[ "$fails" = 0 ]
