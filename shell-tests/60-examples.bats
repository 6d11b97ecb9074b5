#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The programs of examples/, as a user would run them.

load helpers

teardown() {
	stop_target
	if [ -n "${POLLER:-}" ]; then
		kill "$POLLER" 2>/dev/null || true
		wait "$POLLER" 2>/dev/null || true
	fi
}

@test "examples/selfmon.c times its fast reads and prints what its work cost" {
	run selfmon 20000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "reads: 20000, "*" tsc ticks each" ]]
	switches=$(awk '$1 == "context-switches" { print $2 }' <<<"$output")
	[ "$switches" -ge 3 ]	# three usleep()s
	faults=$(awk '$1 == "minor-faults" { print $2 }' <<<"$output")
	# 64 MiB of fresh pages: 16384 faults, or 32 where the kernel gives
	# anonymous memory huge pages unasked (Debian's kernel)
	if grep -q '\[always\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
		[ "$faults" -ge 32 ]
	else
		[ "$faults" -ge 16384 ]
	fi
	clock=$(awk '$1 == "task-clock" { print $2 }' <<<"$output")
	[ "$clock" -gt 0 ]
}

@test "selfmon built against an installed libperfctr through pkg-config runs" {
	run pkgconfig-selfmon 1000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"context-switches"* ]]
}

@test "examples/count-command.sh prints self, children and total, and the command's status" {
	run count-command.sh -e "context-switches minor-faults" \
		bash -c 'for i in 1 2 3 4; do sleep 0.01; done; exit 3'
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = "$(printf '%-22s %16s %16s %16s' event self children total)" ]
	read -r name self children total <<<"${lines[1]}"
	[ "$name" = context-switches ]
	[ "$children" -ge 4 ]
	[ "$total" -eq $((self + children)) ]
	read -r name self children total <<<"${lines[2]}"
	[ "$name" = minor-faults ]
	[ "$children" -gt 0 ]
	[ "$total" -eq $((self + children)) ]
}

@test "examples/count-command.sh fails clearly on a bad event" {
	run count-command.sh -e "no-such-event" true
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"cannot program"* ]]
}

@test "examples/poll.sh follows another process until it exits" {
	# The target switches until poll.sh has printed two intervals, however
	# long that takes on a loaded host, and then exits.
	stop=$BATS_TEST_TMPDIR/stop
	(
		echo "context-switches tsc" > $PERFCTR_ROOT/$BASHPID/perfctr/control || exit 1
		until [ -e "$stop" ]; do sleep 0.1; done
	) &
	TARGET=$!
	poll.sh "$TARGET" 1 > "$BATS_TEST_TMPDIR/out" &
	POLLER=$!
	wait_for eval '[ "$(grep -c " context-switches " "$BATS_TEST_TMPDIR/out")" -ge 2 ]'
	touch "$stop"
	# poll.sh sees the exit within an interval
	wait_for eval '! kill -0 "$POLLER" 2>/dev/null'
	status=0
	wait "$POLLER" || status=$?
	POLLER=
	output=$(cat "$BATS_TEST_TMPDIR/out")
	mapfile -t lines <<<"$output"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == *"time event"*"count"*"delta"*"children" ]]
	intervals=$(grep -c ' context-switches ' <<<"$output")
	[ "$intervals" -ge 2 ]
	# the last line's count is the process's final count: deltas add up to it
	sum=$(awk '$2 == "context-switches" { s += $4 } END { print s }' <<<"$output")
	last=$(awk '$2 == "context-switches" { c = $3 } END { print c }' <<<"$output")
	[ "$sum" -eq "$last" ]
	[ "$last" -gt 0 ]
}

@test "examples/poll.sh refuses a process that does not exist" {
	run poll.sh 999999
	[ "$status" -eq 1 ]
	[[ $output == *"cannot read"* ]]
}
