#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# perfctr under fault injection: thousands of failed slab allocations in
# every path a counted task takes (control writes, fork, threads, the
# counter page, reads, the exits file), and failed perf event creation (the module's own
# fault attribute), with no splat, no leak (kmemleak, at the end of the
# run), and no failed write that changes anything.

load helpers

FAILSLAB=/sys/kernel/debug/failslab
FAILEV=/sys/kernel/debug/fail_perfctr_events

teardown() {
	echo 0 > "$FAILSLAB/probability" 2>/dev/null || true
	echo N > "$FAILSLAB/task-filter" 2>/dev/null || true
	echo 0 > "$FAILEV/probability" 2>/dev/null || true
	echo N > "$FAILEV/task-filter" 2>/dev/null || true
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
	# How much a run of pcfaults gets done in its time follows the host's
	# load, not perfctr: run it in rounds of 10 s, at least two, until
	# 1000 failures were injected (at most 12 rounds), each round passing
	# its checks.
	local round=0 injected=0 enomem=0 records=0
	while { [ "$injected" -lt 1000 ] || [ "$round" -lt 2 ]; } && [ "$round" -lt 12 ]; do
		round=$((round + 1))
		run pcfaults 10
		injected=$((1000000 - $(cat "$FAILSLAB/times")))
		echo "round $round: $output; injected so far: $injected"
		[ "$status" -eq 0 ]
		enomem=$((enomem + $(kv enomem "$output")))
		records=$((records + $(kv records "$output")))
	done
	echo 0 > "$FAILSLAB/probability"
	echo "# pcfaults: $round rounds of 10 s, enomem=$enomem records=$records; slab failures injected: $injected" >&3
	[ "$injected" -ge 1000 ]
	[ "$enomem" -gt 0 ]
	# exit records were listened to and read, whole lines only
	[ "$records" -gt 0 ]
	# the module still works for everybody else afterwards
	run bash -c 'echo minor-faults > $PERFCTR_ROOT/$$/perfctr/control && pctest touch 10 && cat $PERFCTR_ROOT/$$/perfctr/children'
	[ "$status" -eq 0 ]
}

# The error path that has no allocation of its own: perf refusing an event,
# injected with the module's own fault attribute, fail_perfctr_events, for
# the tasks marked make-it-fail.  At fork the child runs without counters
# and is lost; a control write fails with ENOMEM and changes nothing.
@test "failed perf event creation (fail_perfctr_events): forks go on, lost counts each child, a failed write changes nothing" {
	[ -d "$FAILEV" ] || skip "needs CONFIG_FAULT_INJECTION_DEBUG_FS"
	echo Y > "$FAILEV/task-filter"
	echo 0 > "$FAILEV/verbose"
	echo 1 > "$FAILEV/interval"
	echo 1000000 > "$FAILEV/times"
	echo 100 > "$FAILEV/probability"
	run bash -c '
		echo "page-faults cs:u" > $PERFCTR_ROOT/$$/perfctr/control || exit 1
		read -r id0 < $PERFCTR_ROOT/$$/perfctr/id
		echo 1 > /proc/$$/make-it-fail
		for ((i = 0; i < 25; i++)); do /bin/true; done
		# the write fails in a child that was itself lost
		w=$(pctest write $PERFCTR_ROOT/$$/perfctr/control "page-faults")
		echo 0 > /proc/$$/make-it-fail
		read -r id1 < $PERFCTR_ROOT/$$/perfctr/id
		read -r lost < $PERFCTR_ROOT/$$/perfctr/lost
		mapfile -t kids < $PERFCTR_ROOT/$$/perfctr/children
		echo "write=$w same_id=$([ "$id0" = "$id1" ] && echo yes) lost=$lost children=${kids[*]}"'
	echo 0 > "$FAILEV/probability"
	injected=$((1000000 - $(cat "$FAILEV/times")))
	echo "$output; injected $injected"
	echo "# fail_perfctr_events: $output; failures injected: $injected" >&3
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
