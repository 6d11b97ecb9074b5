#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Kernel threads inherit nothing.  Programming kthreadd (pid 2), the parent
# of every kernel thread, pins the module for good, so this file runs last.

load helpers

KMEMLEAK=/sys/kernel/debug/kmemleak

@test "kernel threads have no control" {
	local n=0
	for stat in /proc/[0-9]*/stat; do
		pid=${stat#/proc/}
		pid=${pid%/stat}
		# field 9 is flags; PF_KTHREAD is 0x00200000
		flags=$(awk '{ print $9 }' "$stat" 2>/dev/null) || continue
		((flags & 0x00200000)) || continue
		n=$((n + 1))
		[ "$(cat "$PERFCTR_ROOT/$pid/perfctr/id")" = 0 ]
	done
	echo "$n kernel threads"
	[ "$n" -gt 0 ]
}

@test "a kernel thread forked by a programmed kthreadd inherits nothing" {
	[ -w "$KMEMLEAK" ] || skip "needs kmemleak to start a kernel thread on demand"
	echo scan=off > "$KMEMLEAK"
	echo "cs tsc" > $PERFCTR_ROOT/2/perfctr/control
	[ "$(cat $PERFCTR_ROOT/2/perfctr/id)" -gt 0 ]
	echo scan=on > "$KMEMLEAK"
	pid=$(grep -lx kmemleak /proc/[0-9]*/comm | cut -d/ -f3)
	echo "kmemleak thread: $pid"
	[ -n "$pid" ]
	[ "$(cat "$PERFCTR_ROOT/$pid/perfctr/id")" = 0 ]
	[ -z "$(cat "$PERFCTR_ROOT/$pid/perfctr/control")" ]
	echo scan=off > "$KMEMLEAK"
	echo > $PERFCTR_ROOT/2/perfctr/control
	[ "$(cat $PERFCTR_ROOT/2/perfctr/id)" = 0 ]
}
