#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Kernel memory perfctr allocates for a task, its own state and the perf
# events it creates (perf's objects since kernel patch 0001), is charged to
# the memory cgroup of the task it is allocated in, so a user cannot pin
# unbounded kernel memory outside its cgroup by counting many tasks.

load helpers

CG=/sys/fs/cgroup

setup() {
	if ! grep -q " $CG cgroup2 " /proc/mounts; then
		mount -t cgroup2 none "$CG"
	fi
	echo +memory > "$CG/cgroup.subtree_control"
}

# Each group's shell reaps its own children, so that no counted zombie is
# left to pin the module: the pausing children first, then the shell.
teardown() {
	local pid g
	for pid in "${SHELLS[@]}"; do
		pkill -P "$pid" pctest || true
		wait "$pid" || true
	done
	for g in "$CG"/pctest-*; do
		if [ -d "$g" ]; then
			rmdir "$g"
		fi
	done
}

SHELLS=()

# in_group NAME CONTROL N: a shell in the new cgroup NAME programs CONTROL
# (none if empty) and forks N children that pause; sets SLAB to the
# group's slab_unreclaimable bytes once its statistics are flushed.
in_group() {
	local g="$CG/pctest-$1" fifo="$BATS_TEST_TMPDIR/ready.$1" word
	mkdir "$g"
	mkfifo "$fifo"
	(
		echo "$BASHPID" > "$g/cgroup.procs"
		if [ -n "$2" ] &&
		   ! echo "$2" > "$PERFCTR_ROOT/$BASHPID/perfctr/control"; then
			echo failed > "$fifo"
			exit 1
		fi
		for ((i = 0; i < $3; i++)); do
			pctest pause &
		done
		echo ready > "$fifo"
		wait
	) > /dev/null &
	SHELLS+=("$!")
	read -r word < "$fifo"
	[ "$word" = ready ] || return 1
	# memory.stat is flushed at least every 2 s
	sleep 3
	SLAB=$(awk '$1 == "slab_unreclaimable" { print $2 }' "$g/memory.stat")
}

@test "per-task state is charged to the memory cgroup of the forking task" {
	n=200
	state=$(cat /sys/kernel/slab/perfctr_task/object_size)
	in_group plain "" $n
	plain=$SLAB
	in_group counted tsc $n
	counted=$SLAB
	echo "slab_unreclaimable: $plain without counters, $counted with tsc; state $state bytes"
	# each counted child's state, less a quarter for statistics batching
	[ $((counted - plain)) -ge $((n * state * 3 / 4)) ]
}

@test "perf events and their task contexts are charged to the memory cgroup too" {
	require_patched "perf events are charged to a memory cgroup by the patched kernel only"
	n=100
	events="page-faults alignment-faults emulation-faults minor-faults:u major-faults:u cs:u migrations:u"
	event=$(cat /sys/kernel/slab/perf_event/object_size)
	in_group tsc tsc $n
	tsc=$SLAB
	in_group perf "$events" $n
	perf=$SLAB
	echo "# slab_unreclaimable: $tsc with tsc, $perf with 7 perf events; perf_event $event bytes" >&3
	# seven events per child, less a quarter for statistics batching; the
	# perf contexts of each child come on top
	[ $((perf - tsc)) -ge $((n * 7 * event * 3 / 4)) ]
}
