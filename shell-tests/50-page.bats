#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The counter page (/proc/<pid>/task/<tid>/perfctr/page) read by hand with
# the protocol of include/uapi/linux/perfctr.h: who may map it, what it
# holds, and that it never presents a stale or foreign value as exact.

load helpers

@test "the page file is listed and can only be mapped by its own thread, read-only" {
	ls $PERFCTR_ROOT/$$/perfctr | grep -qx page
	run pcpage errors
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok another thread's page: Operation not permitted"* ]]
	[[ $output == *"ok the parent's page: Operation not permitted"* ]]
	[[ $output == *"ok MAP_PRIVATE PROT_WRITE: Permission denied"* ]]
}

@test "page values lie between the read(2) values around them and never go back" {
	skip_unless_tsc_on_page	# pcpage reads a tsc counter off the page
	run_page pcpage between "tsc context-switches voluntary-switches involuntary-switches cpu-migrations task-clock" 3000
	echo "$output"
	[ "$status" -eq 0 ]
	if page_gives_task_clock; then
		[ "$(kv exact "$output")" = 0x3f ]
		[ "$(kv exact_reads "$output")" -eq 18000 ]
	else
		[ "$(kv exact "$output")" = 0x1f ]
		[ "$(kv exact_reads "$output")" -eq 15000 ]
	fi
}

@test "counters the page cannot keep exact (perf events) are flagged, and the others stay exact" {
	skip_unless_tsc_on_page	# pcpage reads a tsc counter off the page
	run_page pcpage between "minor-faults tsc page-faults task-clock major-faults context-switches:u cpu-migrations" 200
	echo "$output"
	[ "$status" -eq 0 ]
	# tsc, context-switches:u and cpu-migrations always; task-clock and
	# the fault counts (minor-faults, major-faults) where the page has them
	want=$((0x42))
	page_gives_task_clock && want=$((want | 0x08))
	page_gives_faults && want=$((want | 0x11))
	[ "$(kv exact "$output")" = "$(printf '0x%x' $want)" ]
}

@test "fault counts on the page follow every fault as it happens" {
	require_patched "the page's fault counts come from the patched kernel's fault hook"
	skip_unless_tsc_on_page	# pcpage reads a tsc counter off the page
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
	skip_unless_tsc_on_page	# pcpage reads a tsc counter off the page
	run pcpage remote
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok a remote clear reads as id 0, no counters"* ]]
}

@test "a thread whose counter reads fault (PR_SET_TSC) gets tsc from read(2), not from its page" {
	skip_unless_tsc_on_page
	run pcpage notsc
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok with PR_TSC_SIGSEGV the page sends tsc to read(2)"* ]]
	[[ $output == *"ok with PR_TSC_ENABLE the page gives tsc again"* ]]
}

@test "page reads retry across preemption by a busy task on the same CPU" {
	skip_unless_tsc_on_page	# pcpage reads a tsc counter off the page
	run pcpage preempt 2000000
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv switches "$output")" -gt 0 ]
}

@test "an exited thread's page names it, and holds its final counts once it is released" {
	skip_unless_tsc_on_page	# pcpage reads a tsc counter off the page
	run pcpage exit
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok an exited thread's page names it"* ]]
	[[ $output == *"ok an exited thread's page holds final counts"* ]]
}

@test "a thread other than the leader that execs: the new program's page names the leader's id it took" {
	run pcpage thread-exec
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "ok before exec the page names the thread: "* ]]
	[[ ${lines[1]} == "id="*" nr=2 file_id="* ]]
}

@test "hardware counters are never presented as exact on the page (needs a PMU)" {
	if ! have_pmu; then
		skip "no PMU in this guest (QEMU TCG): hardware events cannot be counted"
	fi
	run pcpage between "instructions minor-faults" 100
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv exact "$output")" = 0x2 ]
}

@test "an exec that raises privilege clears the control, and the new program's page shows it; a plain exec keeps it" {
	skip_unless_tsc_on_page	# pcpage reads a tsc counter off the page
	for kind in setuid:4755 plain:0755; do
		cp "$(command -v pcpage)" "/tmp/pcpage-${kind%:*}"
		chown 0:0 "/tmp/pcpage-${kind%:*}"
		chmod "${kind#*:}" "/tmp/pcpage-${kind%:*}"
	done
	for kind in setuid plain; do
		run runas 1000 1000 bash -c '
			echo "tsc context-switches" > $PERFCTR_ROOT/$$/perfctr/control || exit 1
			read -r id < $PERFCTR_ROOT/$$/perfctr/id
			echo "$id"
			exec /tmp/pcpage-'$kind' show'
		echo "$kind: $output"
		[ "$status" -eq 0 ]
		[ "${lines[0]}" -gt 0 ]
		if [ "$kind" = plain ]; then
			[ "${lines[1]}" = "id=${lines[0]} nr=2 file_id=${lines[0]}" ]
		else
			[ "${lines[1]}" = "id=0 nr=0 file_id=0" ]
		fi
	done
}
