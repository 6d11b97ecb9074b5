#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Loading and unloading the module.  Every task state pins the module, so
# this file runs after the tests that create states, and leaves the module
# loaded for the ones after it.

load helpers

MODULE=/opt/perfctr/perfctr.ko

teardown() {
	stop_target
	[ "$PERFCTR_DRIVER" = builtin ] || grep -q '^perfctr ' /proc/modules || insmod "$MODULE"
}

# unload: rmmod, retrying while the states of exiting tasks drain (each
# goes at its task's release, or with the last reader's reference).
unload() {
	local i
	for i in $(seq 50); do
		rmmod perfctr 2>/dev/null && return 0
		sleep 0.1
	done
	rmmod perfctr
}

@test "unloading is refused while a task holds counters, and counting goes on" {
	require_module "nothing to unload"
	start_target "minor-faults cs" 40
	id=$(cat "$(pcf id "$TARGET")")
	run rmmod perfctr
	echo "$output"
	[ "$status" -ne 0 ]
	grep -q '^perfctr ' /proc/modules
	[ "$(cat "$(pcf id "$TARGET")")" = "$id" ]
	[ "$(value minor-faults "$(pcf children "$TARGET")")" -ge 40 ]
	echo tsc > "$(pcf control "$TARGET")"
	[ "$(cat "$(pcf id "$TARGET")")" -gt "$id" ]
}

@test "once no task holds counters the module unloads; the files then fail with ENODEV; reloading works and ids go on increasing" {
	require_module "nothing to unload or load"
	require_patched "the files of /proc/<pid>/ outlive the module; stock mode's filesystem goes with it"
	start_target minor-faults
	last=$(cat "$(pcf id "$TARGET")")
	stop_target
	unload
	! grep -q '^perfctr ' /proc/modules
	run cat $PERFCTR_ROOT/self/perfctr/id
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"No such device"* ]]
	run pctest write $PERFCTR_ROOT/self/perfctr/control cs
	[ "$output" = ENODEV ]
	insmod "$MODULE"
	run bash -c 'echo cs > $PERFCTR_ROOT/$$/perfctr/control && exec cat $PERFCTR_ROOT/self/perfctr/id'
	echo "$output (last id before unload: $last)"
	[ "$status" -eq 0 ]
	[ "$output" -gt "$last" ]
}

@test "a reaped child's state, and its pin on the module, are gone when wait() returns" {
	require_module "no module for a state to pin"
	# The state is freed in the child's release, inside its parent's
	# wait(), not with its task_struct after an RCU grace period.  Each
	# reading shows the counting shell and the cat that reads; the 50
	# children in between must leave nothing.
	run bash -c 'echo tsc > $PERFCTR_ROOT/$$/perfctr/control || exit 1
		before=$(cat /sys/module/perfctr/refcnt)
		for i in $(seq 50); do /bin/true; done
		after=$(cat /sys/module/perfctr/refcnt)
		echo "$before $after"'
	echo "$output"
	[ "$status" -eq 0 ]
	read -r before after <<<"$output"
	[ "$before" -ge 2 ]
	# (less if an earlier test's task was released meanwhile)
	[ "$after" -le "$before" ]
}

@test "loading twice is refused" {
	require_module "nothing to load"
	run insmod "$MODULE"
	[ "$status" -ne 0 ]
	grep -q '^perfctr ' /proc/modules
}
