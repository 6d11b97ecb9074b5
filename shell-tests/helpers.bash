# SPDX-License-Identifier: GPL-2.0
# Common helpers for the perfctr bats tests.  Load with: load helpers
#
# A shell that programs its own control must read its files with builtins
# (read, mapfile): a command substitution forks a child, which inherits the
# control and is merged into the shell's children counts when reaped.

# PERFCTR_ROOT: where the files are, the same below it in both modes:
# /proc on the patched kernel, /sys/fs/perfctr on a stock one (the module's
# own filesystem).  The guest's init sets it; exported, so that the shells
# and helpers a test starts see it too.
export PERFCTR_ROOT=${PERFCTR_ROOT:-/proc}

# require_patched REASON: skips the test unless the files are in /proc, on
# the patched kernel: for what a stock kernel cannot give (see
# ../shared/notes/stock-kernel.md) and what only /proc has.
require_patched() {
	if [ "$PERFCTR_ROOT" != /proc ]; then
		skip "needs the patched kernel: $1"
	fi
}

# PERFCTR_DRIVER: how the driver is in the guest's kernel: a module the
# guest's init loaded (module), or built in (builtin: `make check
# KERNEL=builtin`).  The guest's init sets it.
export PERFCTR_DRIVER=${PERFCTR_DRIVER:-module}

# require_module REASON: skips the test when the driver is built in, for
# what needs a module to load, unload or pin.
require_module() {
	if [ "$PERFCTR_DRIVER" = builtin ]; then
		skip "the driver is built into the kernel: $1"
	fi
}

# driver_present: the driver serves the files, loaded as a module or
# built in, and then not in /proc/modules.
driver_present() {
	if [ "$PERFCTR_DRIVER" = builtin ]; then
		! grep -q '^perfctr ' /proc/modules && [ -e "$PERFCTR_ROOT/self/perfctr/control" ]
	else
		grep -q '^perfctr ' /proc/modules
	fi
}

# pcf FILE [PID]: the path of a perfctr file of PID (default: this shell).
pcf() {
	printf '%s/%s/perfctr/%s' "$PERFCTR_ROOT" "${2:-$BASHPID}" "$1"
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
		echo "$1" > "$PERFCTR_ROOT/$BASHPID/perfctr/control" || exit 1
		pctest touch "${2:-50}"
		echo ready > "$fifo"
		exec pctest pause
	) &
	TARGET=$!
	# opened both ways, so that a target that died before it said ready
	# (its control write failed) fails the test instead of hanging it
	exec {ready}<>"$fifo"
	if ! read -r -t 120 -u "$ready" _; then
		exec {ready}<&-
		rm -f "$fifo"
		echo "start_target: the target never said ready" >&2
		return 1
	fi
	exec {ready}<&-
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

# Eight hardware events, one more than the arm64 guest's PMUv3 holds (6
# event counters and the cycle counter); the parser refuses a name twice,
# so the modifiers and raw INST_RETIRED make them distinct.
PMU_EIGHT="cycles instructions cycles:u instructions:u cycles:k instructions:k r8:u r8:k"

# lib_not_counted: libperfctr with more hardware events than the PMU holds
# (pclib notcounted): ENOSPC for the thread itself, and, for a child that
# has them, PERFCTR_NOT_COUNTED for the one event that does not fit, where
# its counts file says <not-counted>, and the 7 others' counts.
lib_not_counted() {
	run pclib notcounted "$PMU_EIGHT"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv not_counted "$output")" -eq 1 ]
	[ "$(kv counted "$output")" -eq 7 ]
}

# start_hog: pcnc holds all 7 counters of the arm64 guest's PMU with
# CPU-wide pinned events, until killed; sets HOG to its pid.
start_hog() {
	local fifo=/tmp/nc-fifo.$RANDOM
	mkfifo "$fifo"
	pcnc hog 7 > "$fifo" &
	HOG=$!
	read -r line < "$fifo"
	rm -f "$fifo"
	[ "$line" = ready ]
}

# stop_hog: kills the hog of start_hog, if any.
stop_hog() {
	if [ -n "${HOG:-}" ]; then
		kill "$HOG" 2>/dev/null || true
		wait "$HOG" 2>/dev/null || true
		HOG=
	fi
}

# skip_unless_tsc_on_page: the page gives tsc (and, with
# page_gives_task_clock, task-clock) where a thread reads the counter tsc
# counts, the kernel's get_cycles(), itself: x86-64 (rdtsc, the TSC) and
# arm64 (CNTVCT_EL0, the architected counter).  Elsewhere user space has no
# reader of it and the page sends tsc to read(2).
skip_unless_tsc_on_page() {
	case $(uname -m) in
	x86_64 | aarch64) ;;
	*) skip "no reader of tsc's counter on $(uname -m): the page cannot give tsc" ;;
	esac
}

# page_gives_task_clock: whether the page gives task-clock exactly, as a
# scaling of tsc's counter: where the scheduler's clock is one, which the
# clock provider says through kernel patch 0008's arch_perfctr_sched_clock()
# (x86-64's native sched_clock from the TSC, arm64's generic sched_clock
# from the architected counter).  On x86-64 only while sched_clock is
# stable: the kernel gives that up for good when it marks the TSC unstable
# (its clocksource watchdog, or a warp between CPUs), and then the page
# sends task-clock to read(2).  arm64's sched_clock has no unstable state.
# A stock kernel has no such hook: there, never.
# page_gives_faults: the page keeps fault counts exact, through the patched
# kernel's fault hook; a stock kernel has none (perfctr-stock.rst).
page_gives_faults() {
	[ "$PERFCTR_ROOT" = /proc ]
}

page_gives_task_clock() {
	[ "$PERFCTR_ROOT" = /proc ] || return 1
	case $(uname -m) in
	aarch64) return 0 ;;
	x86_64) sched_clock_stable ;;
	*) return 1 ;;
	esac
}

# sched_clock_stable: the kernel's sched_clock_stable(), from the scheduler's
# debug file, or else from the kernel's log.
sched_clock_stable() {
	local f=/sys/kernel/debug/sched/debug

	if [ -r $f ]; then
		[ "$(awk '$1 == "sched_clock_stable()" { print $3 }' $f)" = 1 ]
		return
	fi
	dmesg | grep -q 'sched_clock: Marking stable' &&
		! dmesg | grep -q 'sched_clock: Marking unstable'
}

# run_page CMD...: bats' run, for a command whose result depends on
# page_gives_task_clock.  That answer changes at most once (x86-64's
# sched_clock becomes unstable, never stable again); if it changed while
# CMD ran, CMD runs again, so that the answer afterwards held throughout.
run_page() {
	local before=no after=no

	page_gives_task_clock && before=yes
	run "$@"
	page_gives_task_clock && after=yes
	if [ $before != $after ]; then
		echo "# page_gives_task_clock went from $before to $after: again" >&3
		run "$@"
	fi
}

# tsc_khz: the frequency tsc counts at, in kHz, or nothing if unknown.
# x86-64: the TSC's, the CPU's "cpu MHz" under QEMU's TCG; arm64: the
# architected counter's fixed frequency (CNTFRQ_EL0, 62.5 MHz on QEMU's
# virt machine), not the CPU's.
tsc_khz() {
	local hz
	case $(uname -m) in
	x86_64)
		awk -F': ' '/^cpu MHz/ { print int($2 * 1000); exit }' /proc/cpuinfo ;;
	aarch64)
		hz=$(pcpage counter-hz) && echo $((hz / 1000)) ;;
	esac
}

# missed_nothing: in stock mode, the module's count of what its hooks could
# not do is 0 (Documentation/perfctr-stock.rst); a patched kernel misses
# nothing by construction.
missed_nothing() {
	[ "$PERFCTR_ROOT" = /proc ] && return 0
	echo "stock: $(tr '\n' ' ' < "$PERFCTR_ROOT/stock")"
	[ "$(awk '$2 != 0' "$PERFCTR_ROOT/stock")" = "" ]
}
