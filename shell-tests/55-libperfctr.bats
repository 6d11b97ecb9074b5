#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# libperfctr in the guest: the fast path agrees with read(2) and makes no
# system call; fork, threads, remote changes, exec; error paths.

load helpers

@test "perfctr_read values lie between the read(2) values around them" {
	run pclib between "tsc context-switches voluntary-switches cpu-migrations task-clock minor-faults" 2000
	echo "$output"
	[ "$status" -eq 0 ]
	# counters the page cannot give (perf events) go through read(2),
	# equally right
	run pclib between "tsc page-faults task-clock context-switches" 300
	echo "$output"
	[ "$status" -eq 0 ]
}

# fast_path_reads N: N perfctr_read() calls under a seccomp filter that
# allows only write and exit, of the counters the page gives here.  tsc
# and task-clock are on the page only where user space reads tsc's counter
# (and, for task-clock, where the scheduler's clock is a scaling of it);
# elsewhere libperfctr reads them with read(2), so the fast path is the
# rest's.
fast_path_reads() {
	local control="context-switches cpu-migrations"

	page_gives_faults && control="$control minor-faults major-faults"
	case $(uname -m) in
	x86_64 | aarch64) control="tsc $control" ;;
	esac
	if page_gives_task_clock; then
		control="$control task-clock"
	fi
	pclib seccomp "$control" "$1"
}

@test "perfctr_read makes no system call on the fast path (seccomp: write and exit only)" {
	run_page fast_path_reads 100000
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv reads "$output")" -eq 100000 ]
}

@test "a counter the page cannot give makes perfctr_read use read(2): seccomp kills it" {
	run pclib seccomp "tsc page-faults" 10
	echo "$output"
	# SIGSYS: the filter saw a system call
	[ "$status" -eq $((128 + 31)) ]
}

@test "a child reading through an inherited handle gets its own counts" {
	run pclib fork
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok the child reads its own counts"* ]]
	[[ $output == *"ok the parent's reads are unaffected"* ]]
}

@test "threads read their own pages; a handle read from another thread gives its owner's counts" {
	run pclib threads
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "a new thread given a dead thread's pthread_t never reads the dead thread's page as its own" {
	# the dead thread is held between the join's wake-up and perfctr's
	# exit hook, where its page does not say PERFCTR_PAGE_EXITED yet
	run pclib reuse
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok a new thread with a dead thread's pthread_t reads its counts file, not its page"* ]]
	[ "$(kv held "$output")" -eq 1 ]
	[[ $output == *"ok the new thread's own handle reads its own counts"* ]]
	[[ $output == *"ok once released, the dead thread's handle reads ESRCH"* ]]
}

@test "a control change and clear by another task are seen by the next perfctr_read" {
	run pclib remote
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok a remote clear is seen at once"* ]]
}

@test "perfctr_snapshot gives one control's figures, also while another thread rewrites it" {
	run pclib snapshot
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok a snapshot agrees with the separate calls"* ]]
	[[ $output == *"ok every snapshot under a writer is one control"* ]]
	[ $(( $(kv one "$output") + $(kv two "$output") )) -gt 0 ]
}

@test "library error paths give the documented errno and change nothing" {
	run pclib errors
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok failed writes changed nothing"* ]]
}

@test "the control survives exec and the new program reads it through its own page" {
	run pclib exec
	echo "$output"
	[ "$status" -eq 0 ]
}
