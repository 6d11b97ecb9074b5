#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The exits file: a record of each task released under a control, exact
# enough to rebuild the tree of merges (pcexits checks every sum).

load helpers

teardown() {
	[ -z "${ROOT:-}" ] || { kill "$ROOT" 2>/dev/null; wait "$ROOT" || true; }
}

@test "exits: errnos, poll, whole records, one listener per control and per task" {
	run pcexits errors
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "exits: another user may not listen to a task's exits" {
	start_target tsc
	run runas 1000 1000 cat "$(pcf exits "$TARGET")"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"Permission denied"* ]]
	stop_target
}

@test "exits: a fork-only tree, 4 levels of 2: 30 records, every sum exact" {
	run pcexits tree forks 4
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "records=30 merged=30 unmerged=0 dropped=0" ]
}

@test "exits: children that exec keep the tree, under their new name" {
	run pcexits tree exec 8
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "records=8 merged=8 unmerged=0 dropped=0" ]
}

@test "exits: threads are recorded and merge into their leader" {
	run pcexits tree threads 8
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "records=8 merged=8 unmerged=0 dropped=0" ]
}

@test "exits: orphans reparented to a subreaper are recorded but not merged" {
	run pcexits tree orphans 4
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "records=8 merged=4 unmerged=4 dropped=0" ]
}

@test "exits: a child that reprograms leaves the tree; its older child is recorded unmerged" {
	run pcexits tree reprogram 1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "records=1 merged=0 unmerged=1 dropped=0" ]
}

@test "exits: an unread file keeps 1024 records and counts the dropped ones" {
	run pcexits tree overflow 1100
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "records=1024 merged=1024 unmerged=0 dropped=76" ]
}

@test "exits: cat prints one line per reaped child, then the root's, and ends" {
	local out="$BATS_TEST_TMPDIR/exits" fifo="$BATS_TEST_TMPDIR/go"
	mkfifo "$fifo"
	bash -c 'echo "tsc minor-faults" > $PERFCTR_ROOT/$$/perfctr/control
		read go < "$1"; /bin/true; /bin/true; exit 3' sh "$fifo" &
	ROOT=$!
	until [ -n "$(cat "$(pcf control $ROOT)")" ]; do sleep 0.05; done
	cat "$(pcf exits $ROOT)" > "$out" &
	local cat=$!
	# until cat has the file open
	until for fd in /proc/$cat/fd/*; do readlink "$fd"; done 2>/dev/null |
		grep -q 'perfctr/exits$'; do sleep 0.05; done
	echo go > "$fifo"
	wait "$ROOT" || true
	ROOT=
	# reaping the root ended the file: cat is done, or soon (the suite's
	# one-minute wait: only a cat that never ends fails)
	wait_for eval '! kill -0 "$cat" 2>/dev/null'
	wait "$cat"
	cat "$out"
	[ "$(wc -l < "$out")" -eq 3 ]
	run awk '$1 == "task" && $9 == "true" && NF == 13 { n++ } END { print n }' "$out"
	[ "$output" -eq 2 ]
	run awk 'END { print $9 }' "$out"
	[ "$output" = bash ]
}
