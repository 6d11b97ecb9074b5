#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# perfctr under fault injection: thousands of failed slab allocations in
# every path a counted task takes (control writes, fork, threads, the
# counter page, reads), and failed perf event creation (fail_function),
# with no splat, no leak (kmemleak, at the end of the run), and no failed
# write that changes anything.

load helpers

FAILSLAB=/sys/kernel/debug/failslab
FAILFN=/sys/kernel/debug/fail_function

teardown() {
	echo 0 > "$FAILSLAB/probability" 2>/dev/null || true
	echo N > "$FAILSLAB/task-filter" 2>/dev/null || true
	echo 0 > "$FAILFN/probability" 2>/dev/null || true
	echo > "$FAILFN/inject" 2>/dev/null || true
}

@test "1000+ injected slab failures across perfctr's paths: errors are clean, nothing changes on a failed write" {
	[ -d "$FAILSLAB" ] || skip "needs CONFIG_FAILSLAB and debugfs"
	echo N > "$FAILSLAB/cache-filter"	# every cache
	echo Y > "$FAILSLAB/task-filter"	# only tasks marked make-it-fail
	echo N > "$FAILSLAB/ignore-gfp-wait"
	echo 0 > "$FAILSLAB/verbose"
	echo 0 > "$FAILSLAB/space"
	echo 1 > "$FAILSLAB/interval"
	echo 1000000 > "$FAILSLAB/times"
	echo 3 > "$FAILSLAB/probability"
	run pcfaults 20
	echo 0 > "$FAILSLAB/probability"
	injected=$((1000000 - $(cat "$FAILSLAB/times")))
	echo "$output"
	echo "injected: $injected"
	echo "# pcfaults: $output; slab failures injected: $injected" >&3
	[ "$status" -eq 0 ]
	[ "$injected" -ge 1000 ]
	[ "$(kv enomem "$output")" -gt 0 ]
	# the module still works for everybody else afterwards
	run bash -c 'echo minor-faults > /proc/$$/perfctr/control && pctest touch 10 && cat /proc/$$/perfctr/children'
	[ "$status" -eq 0 ]
}

# The error path that has no allocation of its own: perf refusing an event,
# injected into the module's pc_events_create() (ALLOW_ERROR_INJECTION).
# fail_function's task filter cannot be used: its kprobe runs from the
# int3 trap, which counts as NMI context, where no task is "current" for
# the filter.  Nothing else in the guest counts perf events meanwhile, so
# the shell switches injection on itself once its control is written.  At
# fork the child runs without counters and is lost; a control write fails
# with the injected errno and changes nothing.
@test "fail_function on perf event creation: forks go on, lost counts each child, a failed write changes nothing" {
	[ -d "$FAILFN" ] || skip "needs CONFIG_FAIL_FUNCTION"
	echo pc_events_create > "$FAILFN/inject"
	printf '%#x\n' -12 > "$FAILFN/pc_events_create/retval"	# -ENOMEM
	echo N > "$FAILFN/task-filter"
	echo 0 > "$FAILFN/verbose"
	echo 1 > "$FAILFN/interval"
	echo 1000000 > "$FAILFN/times"
	run bash -c '
		echo "page-faults cs:u" > /proc/$$/perfctr/control || exit 1
		read -r id0 < /proc/$$/perfctr/id
		echo 100 > '"$FAILFN"'/probability
		for ((i = 0; i < 25; i++)); do /bin/true; done
		# the write fails in a child that was itself lost
		w=$(pctest write /proc/$$/perfctr/control "page-faults")
		echo 0 > '"$FAILFN"'/probability
		read -r id1 < /proc/$$/perfctr/id
		read -r lost < /proc/$$/perfctr/lost
		mapfile -t kids < /proc/$$/perfctr/children
		echo "write=$w same_id=$([ "$id0" = "$id1" ] && echo yes) lost=$lost children=${kids[*]}"'
	echo 0 > "$FAILFN/probability"
	injected=$((1000000 - $(cat "$FAILFN/times")))
	echo "$output; injected $injected"
	echo "# fail_function: $output; failures injected: $injected" >&3
	[ "$status" -eq 0 ]
	[ "$(kv write "$output")" = ENOMEM ]
	[ "$(kv same_id "$output")" = yes ]
	# 25 /bin/true and the command substitution are lost; pctest, forked
	# by a subshell without counters, had nothing to inherit
	[ "$(kv lost "$output")" -eq 26 ]
	# those 26 forks and the write
	[ "$injected" -eq 27 ]
	# nobody merged counts: every child ran without counters
	[[ $output == *"children=page-faults 0 context-switches:u 0" ]]
}
