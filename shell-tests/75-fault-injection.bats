#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# perfctr under slab fault injection: thousands of failed allocations in
# every path a counted task takes (control writes, fork, threads, the
# counter page, reads), with no splat, no leak (kmemleak, at the end of the
# run), and no failed write that changes anything.

load helpers

FAILSLAB=/sys/kernel/debug/failslab

teardown() {
	echo 0 > "$FAILSLAB/probability" 2>/dev/null || true
	echo N > "$FAILSLAB/task-filter" 2>/dev/null || true
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
