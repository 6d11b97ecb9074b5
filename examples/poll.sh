#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# poll.sh PID [SECONDS]
#
# Prints PID's counts and children counts once every SECONDS (default 1)
# until PID exits (its final counts are the last lines): one line per counter and interval, with the time, the
# count, its change since the last interval, and the children count.  The
# counters are whatever PID's control says; this script changes nothing.
# Reading another process's counts needs ptrace read access to it.

pid=$1
interval=${2:-1}
if [[ -z $pid ]]; then
	echo "usage: $0 PID [SECONDS]" >&2
	exit 2
fi
# /proc on a patched kernel; else the stock kernel module's filesystem.
root=/proc
[[ -e /proc/self/perfctr || ! -e /sys/fs/perfctr/self/perfctr ]] || root=/sys/fs/perfctr
dir=$root/$pid/perfctr
if [[ ! -r $dir/counts ]]; then
	echo "$0: $dir/counts: cannot read (no such process, or no perfctr)" >&2
	exit 1
fi

declare -A last
start=$SECONDS
printf '%6s %-22s %16s %12s %16s\n' time event count delta children
while :; do
	# one read of each file: each is one snapshot
	counts=$(cat "$dir/counts" 2>/dev/null) || break
	kids=$(cat "$dir/children" 2>/dev/null) || break
	declare -A child=()
	while read -r name value; do
		[[ -n $name ]] && child[$name]=$value
	done <<< "$kids"
	while read -r name value; do
		[[ -n $name ]] || continue
		printf '%6d %-22s %16d %12d %16d\n' $((SECONDS - start)) "$name" \
			"$value" $((value - ${last[$name]:-0})) "${child[$name]:-0}"
		last[$name]=$value
	done <<< "$counts"
	# exited (gone, or a zombie whose counts are now final): that was the
	# last line
	state=$(awk '$1 == "State:" { print $2 }' "/proc/$pid/status" 2>/dev/null)
	[[ -z $state || $state == Z ]] && break
	sleep "$interval"
done
