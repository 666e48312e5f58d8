#!/bin/sh
# spamd-start.sh DIR PORT RULES: start spamd on 127.0.0.1:PORT, local tests
# only (-L), with the private set-up of sa-site.sh in DIR and the rules
# RULES, two children; wait until it answers, then print its PID (the
# caller stops it by that PID). Exit 1 if it does not start in 60 s.
set -eu
dir=$1 port=$2 rules=$3
# spamd will not scan as root: as root, scan as nobody, who must read DIR.
user=$(id -un)
if [ "$(id -u)" = 0 ]; then
	user=nobody
	chmod -R a+rX "$dir"
	d=$dir
	while [ "$d" != / ] && [ "$d" != . ]; do chmod a+x "$d"; d=$(dirname "$d"); done
fi
HOME="$dir/home" spamd -L -x --siteconfigpath="$dir/site" -C "$rules" \
	-i 127.0.0.1 -p "$port" -A 127.0.0.1 -m 2 --max-conn-per-child=100000 \
	-u "$user" -s stderr >"$dir/spamd.log" 2>&1 &
pid=$!
i=0
until spamc -d 127.0.0.1 -p "$port" -K >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -ge 240 ] || ! kill -0 $pid 2>/dev/null; then
		kill $pid 2>/dev/null || true
		cat "$dir/spamd.log" >&2
		exit 1
	fi
	sleep 0.25
done
echo $pid
