#!/bin/sh
# wait-log.sh LOG TEXT [COUNT]: wait until LOG has COUNT lines (default 1)
# holding TEXT (a fixed string), polling every 10 ms for at most 10 s.
# Exit 0 when they are there, 1 on the time-out.
log=$1 text=$2 want=${3:-1} i=0
while :; do
	n=$(grep -c -F -- "$text" "$log" 2>/dev/null)
	[ "${n:-0}" -ge "$want" ] && exit 0
	i=$((i + 1))
	if [ "$i" -gt 1000 ]; then
		echo "wait-log: no $want line(s) with '$text' in $log after 10 s" >&2
		exit 1
	fi
	sleep 0.01
done
