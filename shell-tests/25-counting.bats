#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# What the counters measure: tsc and task-clock while running, not while
# sleeping; counts keep running in a task's own view.

load helpers

teardown() {
	stop_worker
	stop_target
}

# children_after CONTROL COMMAND...: a fresh shell with CONTROL runs COMMAND
# and prints its children counts.
children_after() {
	local control=$1
	shift
	bash -c 'echo "$1" > $PERFCTR_ROOT/$$/perfctr/control || exit 1; shift; "$@"; mapfile -t k < $PERFCTR_ROOT/$$/perfctr/children; printf "%s\n" "${k[@]}"' _ "$control" "$@"
}

# Guest time under TCG follows the host's load (an exec alone has taken
# 161 ms of it), so no figure below is compared with a fixed time: a spin
# and a nap of the same task, measured in the same conditions, are
# compared with each other and with the wall-clock time each took.

@test "tsc and task-clock count while a task runs, not while it sleeps" {
	# One shell with builtins only (no fork, no exec, whose cost follows
	# the host): it spins on the clock for 0.5 s, then sleeps 0.5 s in
	# read -t on a FIFO nobody writes, reading its own counts and the
	# wall clock around each.  A first short nap and read warm them up.
	mkfifo "$BATS_TEST_TMPDIR/never"
	run bash -c '
		exec 3<> "$1"
		echo "tsc task-clock" > $PERFCTR_ROOT/$$/perfctr/control || exit 1
		read -t 0.01 -u 3 _
		mapfile -t a < $PERFCTR_ROOT/$$/perfctr/counts
		t0=${EPOCHREALTIME//[!0-9]/}
		mapfile -t a < $PERFCTR_ROOT/$$/perfctr/counts
		while (( ${EPOCHREALTIME//[!0-9]/} - t0 < 500000 )); do :; done
		mapfile -t b < $PERFCTR_ROOT/$$/perfctr/counts
		t1=${EPOCHREALTIME//[!0-9]/}
		read -t 0.5 -u 3 _
		mapfile -t c < $PERFCTR_ROOT/$$/perfctr/counts
		t2=${EPOCHREALTIME//[!0-9]/}
		echo "spin_wall=$(( (t1 - t0) * 1000 )) nap_wall=$(( (t2 - t1) * 1000 ))" \
			"spin_tsc=$(( ${b[0]#* } - ${a[0]#* } )) nap_tsc=$(( ${c[0]#* } - ${b[0]#* } ))" \
			"spin_clock=$(( ${b[1]#* } - ${a[1]#* } )) nap_clock=$(( ${c[1]#* } - ${b[1]#* } ))"
	' _ "$BATS_TEST_TMPDIR/never"
	echo "$output"
	[ "$status" -eq 0 ]
	khz=$(tsc_khz)
	echo "tsc kHz $khz"
	[ -n "$khz" ] || skip "the frequency tsc counts at is not known on $(uname -m)"
	[ "$khz" -gt 0 ]
	for k in spin_wall nap_wall spin_tsc nap_tsc spin_clock nap_clock; do
		declare "$k=$(kv "$k" "$output")"
	done
	spin_tsc_ns=$((spin_tsc * 1000000 / khz))
	nap_tsc_ns=$((nap_tsc * 1000000 / khz))
	echo "# spin: task-clock $spin_clock ns, tsc $spin_tsc_ns ns in $spin_wall ns;" \
		"nap: task-clock $nap_clock ns, tsc $nap_tsc_ns ns in $nap_wall ns" >&3
	# while spinning, both count most of the wall-clock time, and no more
	# than all of it (10% for the clocks' granularity)
	[ $((spin_clock * 2)) -ge "$spin_wall" ]
	[ $((spin_tsc_ns * 2)) -ge "$spin_wall" ]
	[ $((spin_clock * 10)) -le $((spin_wall * 11)) ]
	[ $((spin_tsc_ns * 10)) -le $((spin_wall * 11)) ]
	# while sleeping, neither counts more than a quarter of the nap's
	# wall-clock time, nor a quarter of what the spin counted
	[ $((nap_clock * 4)) -lt "$nap_wall" ]
	[ $((nap_tsc_ns * 4)) -lt "$nap_wall" ]
	[ $((nap_clock * 4)) -lt "$spin_clock" ]
	[ $((nap_tsc * 4)) -lt "$spin_tsc" ]
}

@test "a task's own counts grow while it runs" {
	run bash -c '
		echo "tsc minor-faults task-clock" > $PERFCTR_ROOT/$$/perfctr/control || exit 1
		mapfile -t a < $PERFCTR_ROOT/$$/perfctr/counts
		for ((i = 0; i < 20000; i++)); do :; done
		x=$(printf "%4096s" .)
		mapfile -t b < $PERFCTR_ROOT/$$/perfctr/counts
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
	run bash -c 'echo "minor-faults tsc task-clock" > $PERFCTR_ROOT/$$/perfctr/control &&
		exec pctest chunks $PERFCTR_ROOT/self/perfctr/counts 300'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 7 ]
	[ "${lines[3]}" = -- ]
	for i in 0 1 2 4 5 6; do
		[[ ${lines[i]} =~ ^(minor-faults|tsc|task-clock)\ [0-9]+$ ]]
	done
	[ "${lines[0]%% *}" = minor-faults ]
	[ "${lines[4]%% *}" = minor-faults ]
	[ "${lines[1]%% *}" = tsc ]
	[ "${lines[5]%% *}" = tsc ]
	# the byte-by-byte text is the snapshot of its first read, before the
	# pages; the pread() a new one, after them
	[ $(( ${lines[4]#* } - ${lines[0]#* } )) -ge 300 ]
	[ "${lines[5]#* }" -gt "${lines[1]#* }" ]
	[ "${lines[6]#* }" -gt "${lines[2]#* }" ]
}

# switch_fields PHASE TEXT: "cs vol invol mig nvcsw0 nvcsw1 nivcsw0 nivcsw1"
# of pctest switches' line PHASE.
switch_fields() {
	local line k
	line=$(grep "^$1 " <<<"$2") || return 1
	for k in cs vol invol mig nvcsw0 nvcsw1 nivcsw0 nivcsw1; do
		kv "$k" "$line" || return 1
	done | paste -sd' '
}

# pctest, forked by a shell with the control "cs voluntary-switches
# involuntary-switches migrations": 20 naps of 1 ms pinned to one CPU,
# then 10 moves between two CPUs (none with one CPU); each phase's
# snapshot checked against getrusage(), its fields left in cs_PHASE,
# vol_PHASE and mig_PHASE, the shell's children counts in kcs, kvol,
# kinvol and kmig
run_switches() {
	local control="cs voluntary-switches involuntary-switches migrations"
	local phase cs vol invol mig nvcsw0 nvcsw1 nivcsw0 nivcsw1 k

	run bash -c 'echo "$1" > $PERFCTR_ROOT/$$/perfctr/control || exit 1
		pctest switches 20 10 || exit 1
		mapfile -t k < $PERFCTR_ROOT/$$/perfctr/children
		printf "child %s\n" "${k[@]}"' _ "$control"
	echo "$output"
	[ "$status" -eq 0 ]
	for phase in start naps moves; do
		read -r cs vol invol mig nvcsw0 nvcsw1 nivcsw0 nivcsw1 <<<"$(switch_fields "$phase" "$output")"
		# context-switches is the sum of the two kinds, in one snapshot
		[ "$cs" -eq $((vol + invol)) ]
		# and each kind agrees with getrusage() read around the snapshot
		[ "$vol" -ge "$nvcsw0" ]
		[ "$vol" -le "$nvcsw1" ]
		[ "$invol" -ge "$nivcsw0" ]
		[ "$invol" -le "$nivcsw1" ]
		declare -g "cs_$phase=$cs" "vol_$phase=$vol" "mig_$phase=$mig"
	done
	# the shell's children counts: pctest's final counts, at least the
	# last it read, the sum still the sum
	for k in context-switches voluntary-switches involuntary-switches cpu-migrations; do
		awk -v k="$k" '$1 == "child" && $2 == k { print $3; f = 1 } END { exit !f }' <<<"$output"
	done > "$BATS_TEST_TMPDIR/kids"
	read -r kcs kvol kinvol kmig <<<"$(paste -sd' ' "$BATS_TEST_TMPDIR/kids")"
	[ "$kcs" -eq $((kvol + kinvol)) ]
	[ "$kcs" -ge "$cs_moves" ]
	[ "$kvol" -ge "$vol_moves" ]
	[ "$kmig" -ge "$mig_moves" ]
}

@test "context-switches count each nap, and nothing while a task is paused" {
	# a task that does not switch: paused, its counts settled
	start_target "cs voluntary-switches involuntary-switches migrations" 10
	wait_for grep -qx pctest "/proc/$TARGET/comm"
	settled=
	for ((i = 0; i < 100; i++)); do
		idle0=$(cat "$(pcf counts "$TARGET")")
		sleep 0.05
		if [ "$(awk '{ print $3 }' "/proc/$TARGET/stat")" = S ] &&
		   [ "$(cat "$(pcf counts "$TARGET")")" = "$idle0" ]; then
			settled=1
			break
		fi
	done
	[ -n "$settled" ]

	run_switches
	# each nap blocked once; pinned, the task did not migrate
	[ $((vol_naps - vol_start)) -ge 20 ]
	[ $((cs_naps - cs_start)) -ge 20 ]
	[ "$mig_naps" -eq "$mig_start" ]

	# meanwhile the paused task's counts did not move
	idle1=$(cat "$(pcf counts "$TARGET")")
	echo "paused task: $idle0 / $idle1"
	[ "$idle1" = "$idle0" ]
}

@test "cpu-migrations count each move to another CPU" {
	[ "$(nproc)" -ge 2 ] || skip "one CPU: nothing to migrate to"
	run_switches
	[ "$(kv cpus "$output")" -ge 2 ]
	[ "$(kv moved "$output")" -eq 10 ]
	[ "$mig_naps" -eq "$mig_start" ]
	[ $((mig_moves - mig_naps)) -ge 10 ]
}

@test "tsc and task-clock measure the same time on a CPU" {
	khz=$(tsc_khz)
	[ -n "$khz" ] || skip "the frequency tsc counts at is not known on $(uname -m)"
	[ "$khz" -gt 0 ]
	out=$(children_after "tsc task-clock" pctest spin 300)
	echo "$out (tsc kHz $khz)"
	tsc=$(awk '$1 == "tsc" { print $2 }' <<<"$out")
	clock=$(awk '$1 == "task-clock" { print $2 }' <<<"$out")
	ns=$((tsc * 1000000 / khz))
	# the same slices, one sampled with get_cycles() at switches, one by
	# the scheduler: within 10% of each other
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

@test "remote reads of a running task's tsc never go backwards nor wrap, also just after its switches in" {
	run pctest remote-tsc 3000
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv backwards "$output")" = 0 ]
	[ "$(kv wild "$output")" = 0 ]
	[ "$(kv reads "$output")" = 3000 ]
	[ "$(kv last "$output")" -gt 0 ]
}
