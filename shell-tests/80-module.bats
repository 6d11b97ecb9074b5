#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Loading and unloading the module.  Every task state pins the module, so
# this file runs after the tests that create states, and leaves the module
# loaded for the ones after it.

load helpers

MODULE=/opt/perfctr/perfctr.ko

teardown() {
	stop_target
	grep -q '^perfctr ' /proc/modules || insmod "$MODULE"
}

# unload: rmmod, retrying while freed tasks drain (their task_structs go
# away after an RCU grace period).
unload() {
	local i
	for i in $(seq 50); do
		rmmod perfctr 2>/dev/null && return 0
		sleep 0.1
	done
	rmmod perfctr
}

@test "unloading is refused while a task holds counters, and counting goes on" {
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
	start_target minor-faults
	last=$(cat "$(pcf id "$TARGET")")
	stop_target
	unload
	! grep -q '^perfctr ' /proc/modules
	run cat /proc/self/perfctr/id
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"No such device"* ]]
	run pctest write /proc/self/perfctr/control cs
	[ "$output" = ENODEV ]
	insmod "$MODULE"
	run bash -c 'echo cs > /proc/$$/perfctr/control && exec cat /proc/self/perfctr/id'
	echo "$output (last id before unload: $last)"
	[ "$status" -eq 0 ]
	[ "$output" -gt "$last" ]
}

@test "loading twice is refused" {
	run insmod "$MODULE"
	[ "$status" -ne 0 ]
	grep -q '^perfctr ' /proc/modules
}
