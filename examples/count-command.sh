#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# count-command.sh [-e EVENTS] COMMAND [ARGS...]
#
# Runs COMMAND with counters, using nothing but echo and the shell's read
# builtin on /proc/$$/perfctr/ (/sys/fs/perfctr/$$/perfctr/ on a stock
# kernel), and prints this script's own counts, its children's (COMMAND and
# everything under it, merged as they are reaped) and the sum.  Exits with
# COMMAND's exit status.
#
# The script counts itself and lets COMMAND inherit the control: a child's
# counts merge into its parent only if both have the same control id.  It
# reads its files with builtins, because a $(...) or a cat would be one more
# counted child.

events="task-clock context-switches minor-faults major-faults"
if [[ $1 == -e ]]; then
	events=$2
	shift 2
fi
if [[ $# -eq 0 ]]; then
	echo "usage: $0 [-e EVENTS] COMMAND [ARGS...]" >&2
	exit 2
fi

# /proc on a patched kernel; else the stock kernel module's filesystem.
root=/proc
[[ -e /proc/self/perfctr || ! -e /sys/fs/perfctr/self/perfctr ]] || root=/sys/fs/perfctr
dir=$root/$$/perfctr
if ! echo "$events" > "$dir/control"; then
	echo "$0: cannot program $dir/control" >&2
	exit 1
fi

"$@"
status=$?

declare -A self children
while read -r name value; do
	self[$name]=$value
done < "$dir/counts"
while read -r name value; do
	children[$name]=$value
done < "$dir/children"
read -r control < "$dir/control"

printf '%-22s %16s %16s %16s\n' event self children total
for name in $control; do
	printf '%-22s %16d %16d %16d\n' "$name" "${self[$name]}" \
		"${children[$name]}" $((self[$name] + children[$name]))
done
exit $status
