# SPDX-License-Identifier: GPL-2.0
# Common helpers for the perfctr bats tests.  Load with: load helpers
#
# A shell that programs its own control must read its files with builtins
# (read, mapfile): a command substitution forks a child, which inherits the
# control and is merged into the shell's children counts when reaped.

# pcf FILE [PID]: the path of a perfctr file of PID (default: this shell).
pcf() {
	printf '/proc/%s/perfctr/%s' "${2:-$BASHPID}" "$1"
}

# value NAME FILE: the count of counter NAME in a counts or children file.
value() {
	awk -v n="$1" '$1 == n { print $2; found = 1 } END { exit !found }' "$2"
}

# kv KEY TEXT: the value of KEY=VALUE in pctest's output.
kv() {
	local word
	for word in $2; do
		if [[ $word == "$1="* ]]; then
			echo "${word#*=}"
			return 0
		fi
	done
	return 1
}

# start_target CONTROL [PAGES]: a background process with CONTROL, whose
# children counts hold one reaped child that touched PAGES pages (default
# 50), now sleeping in pause(2) so that nothing it counts moves.  Sets
# TARGET to its pid.
start_target() {
	local fifo="$BATS_TEST_TMPDIR/ready.$RANDOM"
	mkfifo "$fifo"
	(
		echo "$1" > "/proc/$BASHPID/perfctr/control" || exit 1
		pctest touch "${2:-50}"
		echo ready > "$fifo"
		exec pctest pause
	) &
	TARGET=$!
	read -r _ < "$fifo"
	rm -f "$fifo"
}

stop_target() {
	if [[ -n ${TARGET:-} ]]; then
		kill "$TARGET" 2>/dev/null || true
		wait "$TARGET" 2>/dev/null || true
		TARGET=
	fi
}

# snapshot PID: control, id, counts and children of PID on one text.
snapshot() {
	local f
	for f in control id counts children; do
		echo "== $f"
		cat "$(pcf "$f" "$1")"
	done
}

# start_worker PAGES: a background "pctest work-on-signal PAGES", blocked
# until SIGUSR1, after which it works and says "done" on descriptor 4.
# Sets WORKER to its pid.
start_worker() {
	mkfifo "$BATS_TEST_TMPDIR/out"
	pctest work-on-signal "$1" > "$BATS_TEST_TMPDIR/out" &
	WORKER=$!
	exec 4< "$BATS_TEST_TMPDIR/out"
	read -r -u 4 line
	[ "$line" = ready ]
}

stop_worker() {
	if [[ -n ${WORKER:-} ]]; then
		kill "$WORKER" 2>/dev/null || true
		wait "$WORKER" 2>/dev/null || true
		WORKER=
	fi
}

# wait_for CONDITION...: until the command succeeds, polling every 50 ms,
# at most WAIT_FOR_STEPS times (default 1200: a minute).
wait_for() {
	local i
	for ((i = 0; i < ${WAIT_FOR_STEPS:-1200}; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	echo "wait_for: $* never held" >&2
	return 1
}

# have_pmu: whether the machine has a hardware PMU that perf counts with:
# x86's is the event source "cpu", arm64's PMUv3 "armv8_pmuv3_0".  None
# under x86 TCG; QEMU's aarch64 TCG emulates a PMUv3.
have_pmu() {
	local d
	for d in /sys/bus/event_source/devices/cpu \
		/sys/bus/event_source/devices/armv8_pmuv3*; do
		[ -e "$d" ] && return 0
	done
	return 1
}

# skip_unless_x86_tsc: tsc is get_cycles(), the x86 TSC at the CPU's
# frequency; elsewhere it is another counter (arm64: the generic timer's,
# at its own frequency), and the page's tsc and task-clock, which user
# space computes from the TSC, are defined for x86-64 only so far.
skip_unless_x86_tsc() {
	if [ "$(uname -m)" != x86_64 ]; then
		skip "needs the x86 TSC: tsc on $(uname -m) is not the TSC yet"
	fi
}
