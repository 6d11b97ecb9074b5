#!/usr/bin/env bats
# The environment every other test relies on: the guest kernel's bug
# detectors are on, and the guest is set up the way tests expect.

load helpers

@test "tests run as root" {
	[ "$(id -u)" -eq 0 ]
}

@test "the CPUs the harness booted are online (two; one in arm64's exact configuration)" {
	n=$(sed -n 's/.*harness_cpus=\([0-9]*\).*/\1/p' /proc/cmdline)
	[ -n "$n" ]
	want=0
	[ "$n" -eq 1 ] || want=0-$((n - 1))
	[ "$(cat /sys/devices/system/cpu/online)" = "$want" ]
	# x86_64 always runs the suite on two
	[ "$(uname -m)" != x86_64 ] || [ "$n" -eq 2 ]
}

@test "x86_64's sched_clock is stable (tsc=reliable), as the page tests read it" {
	[ "$(uname -m)" = x86_64 ] || skip "only x86-64 has an unstable sched_clock"
	load helpers
	require_patched "a stock kernel's page never gives task-clock"
	grep -qw tsc=reliable /proc/cmdline
	grep -q '^sched_clock_stable() *: 1$' /sys/kernel/debug/sched/debug
	sched_clock_stable
	# a stock kernel's page has no task-clock whatever the clock
	[ "$PERFCTR_ROOT" != /proc ] || page_gives_task_clock
}

@test "lockdep is built in and still active" {
	require_patched "the test kernel's debug option; Debian's kernel has no lockdep"
	[ -e /proc/lockdep ]
	# Lockdep switches itself off after its first report.
	grep -Eq '^ *debug_locks: +1$' /proc/lockdep_stats
}

@test "kmemleak is available" {
	require_patched "the test kernel's debug option; Debian's kernel has no kmemleak"
	[ -e /sys/kernel/debug/kmemleak ]
	# Reading fails once kmemleak has disabled itself.
	cat /sys/kernel/debug/kmemleak >/dev/null
}

@test "KASAN is initialized" {
	require_patched "the test kernel's debug option; Debian's kernel has no KASAN"
	dmesg | grep -q 'KernelAddressSanitizer initialized'
}

@test "a kernel warning panics the guest" {
	[ "$(cat /proc/sys/kernel/panic_on_warn)" = 1 ]
}

@test "perf events are available" {
	[ -e /proc/sys/kernel/perf_event_paranoid ]
	[ -d /sys/bus/event_source/devices/software ]
}

@test "the driver is there: the module the harness ships, loaded, or built into the kernel" {
	echo "PERFCTR_DRIVER=$PERFCTR_DRIVER"
	case $PERFCTR_DRIVER in
	module)
		if [ ! -f /opt/perfctr/perfctr.ko ]; then
			skip "no module built yet"
		fi
		grep -q '^perfctr ' /proc/modules
		grep -Eq ' pc_exit_events\s+\[perfctr\]$' /proc/kallsyms ;;
	builtin)
		grep -qw harness_kernel=builtin /proc/cmdline
		# nothing shipped, nothing loaded: the kernel's own symbols
		# have the driver's, and its files serve from boot
		[ ! -e /opt/perfctr/perfctr.ko ]
		! grep -q '^perfctr ' /proc/modules
		grep -Eq ' pc_exit_events$' /proc/kallsyms
		run bash -c 'echo tsc > $PERFCTR_ROOT/$$/perfctr/control && cat $PERFCTR_ROOT/$$/perfctr/control'
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$output" = tsc ] ;;
	*)
		false ;;
	esac
}

@test "the files are under PERFCTR_ROOT: /proc, or a stock kernel's /sys/fs/perfctr" {
	echo "PERFCTR_ROOT=$PERFCTR_ROOT"
	case $PERFCTR_ROOT in
	/proc) ;;
	/sys/fs/perfctr) grep -q " $PERFCTR_ROOT " /proc/mounts ;;
	*) false ;;
	esac
	[ -d "$PERFCTR_ROOT/self/perfctr" ]
	[ -d "$PERFCTR_ROOT/$$/task/$$/perfctr" ]
}

@test "/tmp is a tmpfs that honours set-uid bits" {
	run awk '$2 == "/tmp" { print $3, $4 }' /proc/mounts
	[[ "$output" == "tmpfs "* ]]
	[[ ",${output#tmpfs }," != *,nosuid,* ]]
	cp /bin/busybox "$BATS_TEST_TMPDIR/suid"
	chmod 4755 "$BATS_TEST_TMPDIR/suid"
	[ -u "$BATS_TEST_TMPDIR/suid" ]
}

@test "unprivileged users exist" {
	grep -qx 'tester:x:1000:1000:tester:/home/tester:/bin/bash' /etc/passwd
	grep -q '^nobody:x:65534:65534:' /etc/passwd
	[ "$(stat -c %u /home/tester)" = 1000 ]
}

@test "everything under /opt/perfctr is world-readable" {
	[ -d /opt/perfctr/tests ]
	[ -z "$(find /opt/perfctr ! -perm -o+r)" ]
	[ -z "$(find /opt/perfctr -type d ! -perm -o+x)" ]
}

@test "the helpers dir is on PATH" {
	[[ ":$PATH:" == *":/opt/perfctr/bin:/usr/bin:/bin:/usr/sbin:/sbin:"* ]]
}
