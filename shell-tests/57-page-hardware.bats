#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Hardware counters read off the counter page, with no system call: on
# arm64, whose PMU QEMU emulates, with one vCPU under -icount (user-mode
# instructions and cycles count exactly) and kernel.perf_user_access = 1.
# perf keeps each counter's record (index, offset, width) and libperfctr
# reads the counter register itself (Documentation/perfctr-page.rst).

load helpers

setup() {
	if ! have_pmu; then
		skip "no PMU in this guest (QEMU TCG): hardware events cannot be counted"
	fi
	if [ "$(uname -m)" != aarch64 ]; then
		skip "the page gives hardware counters on arm64 only"
	fi
	old_access=$(cat /proc/sys/kernel/perf_user_access)
	echo 1 >/proc/sys/kernel/perf_user_access
}

teardown() {
	stop_hog
	if [ -n "${READER:-}" ]; then
		kill "$READER" 2>/dev/null || true
		wait "$READER" 2>/dev/null || true
	fi
	if [ -n "${old_access:-}" ]; then
		echo "$old_access" >/proc/sys/kernel/perf_user_access
	fi
}

@test "perfctr_read of instructions:u cycles:u tsc makes no system call (seccomp: write and exit only)" {
	run pclib seccomp "instructions:u cycles:u tsc" 100000
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv reads "$output")" -eq 100000 ]
}

@test "hardware counts off the page lie between the read(2) values around them and never go back" {
	run pclib between "instructions:u cycles:u instructions cycles tsc" 2000
	echo "$output"
	[ "$status" -eq 0 ]
}

# The reader's own cost: the delta of two reads around one iteration
# (2 instructions), which nothing but an interrupt in a read can change.
reader_cost() {
	pchwpage delta 1 50 | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^delta_min=/) print substr($i, 11) - 2 }'
}

# The cost of a second read that is the first after a switch: the reader
# cost and what the switch adds, told by reads around a yield that leaves
# the reader the CPU and around one that switches to a busy process.  The
# page's seq changes at every switch, and the library plans its reads of
# the page again at the first read after one.
switched_cost() {
	local out
	out=$(pchwpage switched 40) || return 1
	[ "$(kv switched "$out")" -gt "$(kv alone "$out")" ] || return 1
	echo $(($1 + $(kv switched "$out") - $(kv alone "$out")))
}

@test "read to read, a block of known size adds exactly its count to a constant reader cost" {
	run pchwpage delta 1 50
	echo "$output"
	[ "$status" -eq 0 ]
	small=$(kv delta_min "$output")
	# the same cost every time, but for a read that an interrupt made retry
	[ "$(kv at_min "$output")" -ge 45 ]
	[ "$(kv cycles_same "$output")" -eq 50 ]
	for n in 1001 1000000; do
		run pchwpage delta $n 20
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$(kv delta_min "$output")" -eq $((small + 2 * (n - 1))) ]
		[ "$(kv cycles_same "$output")" -eq 20 ]
	done
	echo "# reader cost: $((small - 2)) instructions between the two reads' counter reads" >&3
}

@test "a read after a switch, which plans the page again, has a constant cost too" {
	run pchwpage switched 40
	echo "$output"
	[ "$status" -eq 0 ]
	# the yield switched at least once, and every trial that was not
	# alone on the CPU cost the one or the other, but for a read that an
	# interrupt made retry (the yield does not always switch: the busy
	# process may have used its share)
	[ "$(kv switched "$output")" -gt "$(kv alone "$output")" ]
	[ "$(kv at_max "$output")" -ge 1 ]
	[ $(($(kv at_alone "$output") + $(kv at_max "$output"))) -ge 38 ]
	echo "# a read after a switch: $(($(kv switched "$output") - $(kv alone "$output")))" \
		"instructions more" >&3
}

@test "a busy task on the same CPU, preempting the reader, leaves its delta exact" {
	cost=$(reader_cost)
	[ -n "$cost" ]
	switched=$(switched_cost "$cost")
	[ -n "$switched" ]
	run pchwpage busy 5000000 10 "$cost" "$switched"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv preempted "$output")" -ge 1 ]
	[ "$(kv exact "$output")" -eq "$(kv preempted "$output")" ]
}

@test "a count past 2^32 off the page is exact (4.4e9 instructions)" {
	cost=$(reader_cost)
	[ -n "$cost" ]
	switched=$(switched_cost "$cost")
	[ -n "$switched" ]
	run pchwpage delta 2200000000 1
	echo "$output"
	[ "$status" -eq 0 ]
	# whether or not the thread was switched out meanwhile
	delta=$(kv delta_min "$output")
	[ "$delta" -eq $((cost + 4400000000)) ] ||
		[ "$delta" -eq $((switched + 4400000000)) ]
}

@test "a forked child reads its own hardware counts off its own page" {
	run pchwpage fork
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok the child reads its own hardware counts"* ]]
	[[ $output == *"ok the parent's reads are unaffected"* ]]
}

@test "each thread reads its own hardware counts" {
	run pchwpage threads
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "after exec, the new program reads its hardware counts off its page" {
	run pchwpage exec
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok after exec the new program reads its hardware counts off the page"* ]]
}

@test "another task changes or clears the reader's control 300 times: no torn read, no signal" {
	run pchwpage remote 300
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok 300 remote changes while the thread read"* ]]
}

@test "a counter taken away by another task between its lookup and its read reads 0, and the page sends the reader back" {
	run pchwpage trap remote
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok the read of the taken-away counter gave 0, and the page changed (remote)"* ]]
	[[ $output == *"ok perfctr_read after the trap"* ]]
}

@test "a counter taken away by perf_user_access = 0 between its lookup and its read reads 0, and the page sends the reader back" {
	run pchwpage trap sysctl
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok the read of the taken-away counter gave 0, and the page changed (sysctl)"* ]]
}

@test "perf_user_access = 0: perfctr_read uses read(2), and its values stay right" {
	echo 0 >/proc/sys/kernel/perf_user_access
	run pclib between "instructions:u cycles:u tsc" 500
	echo "$output"
	[ "$status" -eq 0 ]
	run pclib seccomp "instructions:u" 10
	echo "$output"
	# SIGSYS: the filter saw a system call
	[ "$status" -eq $((128 + 31)) ]
}

@test "a counter register read without access by a thread with no counter page is still SIGILL" {
	echo 0 >/proc/sys/kernel/perf_user_access
	run pchwpage sigill
	echo "$output"
	[ "$status" -eq $((128 + 4)) ]
	# with counters, but no page: the same
	run sh -c 'echo instructions:u >$PERFCTR_ROOT/self/perfctr/control && exec pchwpage sigill'
	echo "$output"
	[ "$status" -eq $((128 + 4)) ]
}

@test "a counter the PMU cannot hold is never served from the page: PERFCTR_NOT_COUNTED" {
	lib_not_counted
}

@test "a thread's own hardware counters that stop counting are never served from the page: PERFCTR_NOT_COUNTED" {
	local fifo=$BATS_TEST_TMPDIR/nc to from line
	mkfifo "$fifo.in" "$fifo.out"
	pchwpage notcounted <"$fifo.in" >"$fifo.out" 2>&1 &
	READER=$!
	exec {to}>"$fifo.in" {from}<"$fifo.out"
	read -r line <&"$from"
	echo "$line"
	[[ $line == "reading "* ]]
	# pinned CPU-wide events take every counter: the reader's go to error
	start_hog
	echo go >&"$to"
	run cat <&"$from"
	exec {to}>&- {from}<&-
	echo "$output"
	wait "$READER"
	READER=
	[[ $output == *"ok 1000 reads give PERFCTR_NOT_COUNTED, as the counts file says"* ]]
}

# Figures, not targets: on this debug kernel under -icount a read(2)
# costs what KASAN and lockdep make it cost.  What must hold whatever the
# kernel: a read off the page makes no system call (one costs a thousand
# instructions and more), and costs more than perf's self-read of the
# same two counters, which it includes, and that more than the registers.
@test "figures: instructions of a read off the page, of read(2), of perf's own self-read and of the bare registers" {
	run pchwpage cost 20
	echo "$output"
	[ "$status" -eq 0 ]
	page=$(kv page "$output")
	perf=$(kv perf_user "$output")
	bare=$(kv bare "$output")
	echo "# instructions per read of instructions:u and cycles:u: page $page," \
		"read(2) $(kv read2 "$output"), perf's self-read of two mmapped events" \
		"$perf, the bare registers $bare" >&3
	[ "$bare" -gt 0 ]
	[ "$perf" -gt "$bare" ]
	[ "$page" -gt "$perf" ]
	[ "$page" -lt 1000 ]
	[ $((page * 10)) -lt "$(kv read2 "$output")" ]
}

# make bench's selfread row (bench/pcbench.c) on the same counters, small,
# so that it cannot rot: each way of reading prints its figures.
@test "pcbench's selfread row runs: each way of reading prints its time and instructions per read" {
	for c in none page-hw read-hw perf-mmap-hw bare-hw; do
		run pcbench selfread $c 200
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" =~ ^selfread\ $c\ [0-9]+\.[0-9]$ ]]
		[[ "${lines[1]}" =~ ^selfread-insn\ $c\ [0-9]+\.[0-9]$ ]]
	done
}
