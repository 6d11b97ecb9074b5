#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The counter page (/proc/<pid>/task/<tid>/perfctr/page) read by hand with
# the protocol of include/uapi/linux/perfctr.h: who may map it, what it
# holds, and that it never presents a stale or foreign value as exact.

load helpers

@test "the page file is listed and can only be mapped by its own thread, read-only" {
	ls /proc/$$/perfctr | grep -qx page
	run pcpage errors
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok another thread's page: Operation not permitted"* ]]
	[[ $output == *"ok the parent's page: Operation not permitted"* ]]
	[[ $output == *"ok MAP_PRIVATE PROT_WRITE: Permission denied"* ]]
}

@test "page values lie between the read(2) values around them and never go back" {
	run pcpage between "tsc context-switches voluntary-switches involuntary-switches cpu-migrations task-clock" 3000
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv exact "$output")" = 0x3f ]
	[ "$(kv exact_reads "$output")" -eq 18000 ]
}

@test "counters the page cannot keep exact (perf events) are flagged, and the others stay exact" {
	run pcpage between "minor-faults tsc page-faults task-clock major-faults context-switches:u cpu-migrations" 200
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv exact "$output")" = 0x5b ]
}

@test "fault counts on the page follow every fault as it happens" {
	run pcpage faults 2000
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv faults "$output")" -ge 2000 ]
}

@test "a forked child has no mapping of its parent's page" {
	run pcpage fork
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok the child has no mapping of its parent's page"* ]]
	[[ $output == *"ok the parent's page is unaffected"* ]]
}

@test "another task's change and clear make the page stale until the owner reads" {
	run pcpage remote
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok a remote clear reads as id 0, no counters"* ]]
}

@test "page reads retry across preemption by a busy task on the same CPU" {
	run pcpage preempt 2000000
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv switches "$output")" -gt 0 ]
}

@test "an exited thread's page holds its final counts" {
	run pcpage exit
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "hardware counters are never presented as exact on the page (needs a PMU)" {
	if [ ! -d /sys/bus/event_source/devices/cpu ]; then
		skip "no PMU in this guest (QEMU TCG): hardware events cannot be counted"
	fi
	run pcpage between "instructions tsc" 100
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv exact "$output")" = 0x2 ]
}
