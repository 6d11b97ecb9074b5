#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Ten thousand tasks with counters alive at the same time: every one gets
# the control, they all merge exactly once reaped, none is lost, and every
# state they held is freed afterwards.  Prints its figures (time to create
# them, the memory they hold) on the TAP stream.

load helpers

MODULE=/opt/perfctr/perfctr.ko
# 100 processes of 100 tasks (the leader and 99 threads), each touching two
# pages: threads keep the guest's memory within its 1 GB where 10,000
# processes (page tables, one mm each) would not, and processes give the
# tree real reaping as well as threads' self-release.
PROCS=100
TASKS=100
CONTROL="minor-faults context-switches tsc page-faults:u"

setup() {
	THREADS_MAX=$(cat /proc/sys/kernel/threads-max)
	PID_MAX=$(cat /proc/sys/kernel/pid_max)
	# The kernel sizes threads-max from RAM and stack size: about 4,000
	# with the debug kernel's 32 KB KASAN stacks in 1 GB.
	echo 20000 > /proc/sys/kernel/threads-max
	if [ "$PID_MAX" -lt 65536 ]; then
		echo 65536 > /proc/sys/kernel/pid_max
	fi
}

teardown() {
	echo "$THREADS_MAX" > /proc/sys/kernel/threads-max
	echo "$PID_MAX" > /proc/sys/kernel/pid_max
	[ "$PERFCTR_DRIVER" = builtin ] || grep -q '^perfctr ' /proc/modules || insmod "$MODULE"
}

# refcnt: how many holders pin the module (every task state does).
refcnt() {
	cat /sys/module/perfctr/refcnt
}

@test "10,000 tasks with counters alive at once: all have the control, merge exactly, none lost, all freed" {
	require_module "the states' pins on the module are how this test sees them all freed"
	before=$(refcnt)
	run pcmany "$CONTROL" $PROCS $TASKS 2
	echo "$output"
	alive=$(kv alive "$output")
	echo "# many tasks: $alive tasks alive at once ($PROCS processes of $TASKS)," \
		"created in $(kv create_ms "$output") ms, reaped in $(kv reap_ms "$output") ms" >&3
	echo "# many tasks: perfctr_task slab $(kv slab_kb "$output") kB for" \
		"$(kv slab_objs "$output") states; MemAvailable $(kv avail_drop_kb "$output") kB lower," \
		"SUnreclaim +$(kv sunreclaim_kb "$output") kB, KernelStack +$(kv kstack_kb "$output") kB" >&3
	[ "$status" -eq 0 ]
	[ "$alive" -eq $((PROCS * TASKS)) ]
	[ "$(kv with_id "$output")" -eq "$alive" ]
	[ "$(kv slab_objs "$output")" -ge "$alive" ]
	[ "$(kv failed "$output")" -eq 0 ]
	[ "$(kv children_minor "$output")" -eq "$(kv rusage_minor "$output")" ]
	# every task touched two pages at least
	[ "$(kv children_minor "$output")" -ge $((2 * alive)) ]
	[ "$(kv lost "$output")" -eq 0 ]

	# States go at release; a reader may hold one a little longer.
	for i in $(seq 100); do
		[ "$(refcnt)" -eq "$before" ] && break
		sleep 0.1
	done
	echo "module refcnt $(refcnt), $before before"
	[ "$(refcnt)" -eq "$before" ]
	if [ "$before" -eq 0 ]; then
		rmmod perfctr
		! grep -q '^perfctr ' /proc/modules
		insmod "$MODULE"
	fi
}
