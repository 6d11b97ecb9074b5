#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Random controls written in random pieces, each result checked against the
# parser itself built for user space: the same errno, nothing changed by a
# rejected write, the canonical form and a new id after an accepted one.

load helpers

teardown() {
	stop_target
}

@test "random writes in random writev() pieces: the kernel agrees with the parser, rejects change nothing" {
	start_target "minor-faults context-switches tsc"
	for seed in 1 2 "$RANDOM"; do
		run pcwrite-random "$TARGET" 1000 "$seed"
		echo "seed $seed: $output"
		[ "$status" -eq 0 ]
		[ "$(kv inputs "$output")" -ge 800 ]
		[ "$(kv accepted "$output")" -ge 50 ]
		[ "$(kv rejected "$output")" -ge 200 ]
	done
}
