#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# What the counters measure: tsc and task-clock while running, not while
# sleeping; counts keep running in a task's own view.

load helpers

teardown() {
	stop_worker
}

# children_after CONTROL COMMAND...: a fresh shell with CONTROL runs COMMAND
# and prints its children counts.
children_after() {
	local control=$1
	shift
	bash -c 'echo "$1" > /proc/$$/perfctr/control || exit 1; shift; "$@"; mapfile -t k < /proc/$$/perfctr/children; printf "%s\n" "${k[@]}"' _ "$control" "$@"
}

@test "tsc and task-clock count while a task runs, not while it sleeps" {
	spin=$(children_after "tsc task-clock" pctest spin 400)
	nap=$(children_after "tsc task-clock" sleep 0.4)
	echo "spin: $spin"
	echo "sleep: $nap"
	spin_tsc=$(awk '$1 == "tsc" { print $2 }' <<<"$spin")
	nap_tsc=$(awk '$1 == "tsc" { print $2 }' <<<"$nap")
	spin_clock=$(awk '$1 == "task-clock" { print $2 }' <<<"$spin")
	nap_clock=$(awk '$1 == "task-clock" { print $2 }' <<<"$nap")
	[ "$spin_clock" -ge 300000000 ]
	[ "$nap_clock" -lt 100000000 ]
	[ "$spin_tsc" -gt $((nap_tsc * 4)) ]
}

@test "a task's own counts grow while it runs" {
	run bash -c '
		echo "tsc minor-faults task-clock" > /proc/$$/perfctr/control || exit 1
		mapfile -t a < /proc/$$/perfctr/counts
		for ((i = 0; i < 20000; i++)); do :; done
		x=$(printf "%4096s" .)
		mapfile -t b < /proc/$$/perfctr/counts
		for i in 0 1 2; do echo "${a[i]#* } ${b[i]#* }"; done'
	echo "$output"
	[ "$status" -eq 0 ]
	for i in 0 1 2; do
		read -r a b <<<"${lines[i]}"
		[ "$b" -gt "$a" ]
	done
}

@test "a read at offset 0 is a new snapshot; reads further on go on in it" {
	# pctest inherits the control: byte by byte, with 300 fresh pages
	# touched after the first byte, then pread() at 0
	run bash -c 'echo "minor-faults tsc task-clock" > /proc/$$/perfctr/control &&
		exec pctest chunks /proc/self/perfctr/counts 300'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 7 ]
	[ "${lines[3]}" = -- ]
	for i in 0 1 2 4 5 6; do
		[[ ${lines[i]} =~ ^(minor-faults|tsc|task-clock)\ [0-9]+$ ]]
	done
	[ "${lines[0]%% *}" = minor-faults ] && [ "${lines[4]%% *}" = minor-faults ]
	[ "${lines[1]%% *}" = tsc ] && [ "${lines[5]%% *}" = tsc ]
	# the byte-by-byte text is the snapshot of its first read, before the
	# pages; the pread() a new one, after them
	[ $(( ${lines[4]#* } - ${lines[0]#* } )) -ge 300 ]
	[ "${lines[5]#* }" -gt "${lines[1]#* }" ]
	[ "${lines[6]#* }" -gt "${lines[2]#* }" ]
}

@test "context-switches and cpu-migrations count" {
	out=$(children_after "cs cs:u migrations" sleep 0.1)
	echo "$out"
	[ "$(awk '$1 == "context-switches" { print $2 }' <<<"$out")" -ge 1 ]
	awk '$1 == "cpu-migrations" { f = 1 } END { exit !f }' <<<"$out"
}

@test "tsc and task-clock measure the same time on a CPU" {
	skip_unless_x86_tsc
	mhz=$(awk -F': ' '/^cpu MHz/ { print int($2); exit }' /proc/cpuinfo)
	[ -n "$mhz" ] && [ "$mhz" -gt 0 ]
	out=$(children_after "tsc task-clock" pctest spin 300)
	echo "$out (cpu MHz $mhz)"
	tsc=$(awk '$1 == "tsc" { print $2 }' <<<"$out")
	clock=$(awk '$1 == "task-clock" { print $2 }' <<<"$out")
	ns=$((tsc * 1000 / mhz))
	# the same slices, one sampled with rdtsc at switches, one by the
	# scheduler: within 10% of each other
	[ $((ns * 10)) -ge $((clock * 9)) ]
	[ $((ns * 10)) -le $((clock * 11)) ]
}

@test "a task programmed by another task counts tsc from its next switch onto a CPU" {
	start_worker 1
	echo tsc > "$(pcf control "$WORKER")"
	sleep 0.2
	# blocked all along: no switch onto a CPU yet, no count
	[ "$(value tsc "$(pcf counts "$WORKER")")" -eq 0 ]
	kill -USR1 "$WORKER"
	read -r -u 4 line
	[ "$line" = done ]
	first=$(value tsc "$(pcf counts "$WORKER")")
	echo "after one round of work: $first"
	[ "$first" -gt 0 ]
	kill -USR1 "$WORKER"
	read -r -u 4 line
	[ "$(value tsc "$(pcf counts "$WORKER")")" -gt "$first" ]
}
