#!/bin/bash
# Boot the test guest: run-vm.sh MODE BZIMAGE INITRD OUTDIR
#   check: console log to OUTDIR/console.log (also shown live when
#          VERBOSE=1), results (second serial port) to OUTDIR/results.tap.
#   demo:  console on this terminal, results to OUTDIR/demo-results.
#   shell: console on this terminal; exiting the guest shell powers off.
#   bench: one vCPU; results to OUTDIR/$BENCH_NAME.out, console to
#          OUTDIR/$BENCH_NAME.console; ICOUNT=1 adds instruction counting
#          (-icount shift=0,sleep=off: guest time follows the instructions
#          executed, 1 ns each); BENCH_ROUNDS and BENCH_SCALE go to the guest,
#          which runs bench/$BENCH_SCRIPT (default run.sh) with them.
# check, demo and bench are killed after TIMEOUT seconds (exit status 124).
# KERNEL=stock says BZIMAGE is Debian's own kernel (see below).
# ARCH=arm64 boots QEMU's aarch64 `-M virt` machine (BZIMAGE is then the
# arm64 Image): its emulated PMUv3 counts user-mode instructions exactly
# under -icount with one vCPU, so check runs in that configuration there
# (see "arm64" below).
set -eu
mode=$1
kernel=$2
initrd=$3
out=$4
limit=${TIMEOUT:-2700}
# --foreground keeps QEMU in the terminal's process group: Ctrl-C reaches
# it, and in demo mode it may read the terminal without being stopped.

# thread=single: one host thread runs both vCPUs in turn.  With MTTCG a
# vCPU once executed a stale int3 left by the kernel's text patching of a
# static key in __schedule() ("Oops: int3"), and single-threaded TCG is no
# slower here with KASAN on.
smp=2
if [ "$mode" = bench ]; then
	smp=1
fi

# PANIC_ON_WARN=0 lets a guest go on after a WARN or a KCSAN report (the host
# still fails the run on it): the kcsan torture phase collects every race.

# results_channel FILE: sets results_args to the arguments that give the
# guest its results channel, written to FILE on the host.
case ${ARCH:-x86_64} in
x86_64 | x86)
	qemu=(qemu-system-x86_64 -accel tcg,thread=single -cpu max -smp $smp -m 1G
		-nographic -no-reboot -nic none
		-kernel "$kernel" -initrd "$initrd")
	# tsc=reliable: TCG's TSC follows the host's clock, as its HPET does,
	# but on a loaded host the clocksource watchdog or the boot-time check
	# between the two vCPUs can find them apart and mark the TSC unstable,
	# which makes sched_clock unstable for good and takes task-clock off
	# the counter page (the tests follow either state; see
	# page_gives_task_clock), so the page's exact task-clock would be
	# tested only on an idle host.
	append="console=ttyS0 tsc=reliable panic=-1 oops=panic panic_on_warn=${PANIC_ON_WARN:-1} harness=$mode"
	# The second 16550 UART, ttyS1.
	results_channel() {
		results_args=(-serial "file:$1")
	} ;;
arm64)
	# SVE and SME off: QEMU counts an SVE instruction that traps (the
	# kernel enables SVE for a task lazily) once more when it re-runs, so
	# user-mode instruction counts of new tasks would be off by one now
	# and then.  The exact configuration of check: one vCPU (with two,
	# INST_RETIRED is the count of both vCPUs) and icount, under which
	# inst_retired exists and counts exactly; norandmaps, so that exec'd
	# programs start the same way every time (static glibc's startup
	# touches the AT_PLATFORM string, whose page offset ASLR varies).
	if [ "$mode" = check ]; then
		smp=1
		icount=(-icount shift=0,sleep=off)
		exact=norandmaps
	fi
	qemu=(qemu-system-aarch64 -M virt -accel tcg,thread=single
		-cpu max,sve=off,sme=off -smp $smp -m 1G ${icount[@]+"${icount[@]}"}
		-nographic -no-reboot -nic none
		-kernel "$kernel" -initrd "$initrd")
	append="console=ttyAMA0 harness_console=ttyAMA0 harness_results=hvc0 ${exact:-}"
	append="$append panic=-1 oops=panic panic_on_warn=${PANIC_ON_WARN:-1} harness=$mode"
	# `-M virt` has one PL011 UART, the console.  The results go to a
	# virtio console over virtio-mmio instead, hvc0 in the guest: a tty
	# too (the guest's stty raw and drain on close work as on ttyS1), and
	# kept apart from the kernel's messages, unlike tagged console lines.
	results_channel() {
		results_args=(-chardev "file,id=results,path=$1"
			-device virtio-serial-device -device virtconsole,chardev=results)
	} ;;
*)
	echo "run-vm: unknown architecture '$ARCH' (x86_64 or arm64)" >&2
	exit 2 ;;
esac
# The guest checks that it got the CPUs it was booted with (00-harness.bats).
append="$append harness_cpus=$smp"
# KERNEL=stock: the image is Debian's unpatched kernel (qemu/stock-kernel.sh),
# whose module serves the files under /sys/fs/perfctr instead of /proc.
# KERNEL=builtin: the test kernel with the driver built in
# (qemu/build-builtin.sh).
case ${KERNEL:-patched} in
patched) ;;
stock)
	if [ "${ARCH:-x86_64}" = arm64 ]; then
		echo "run-vm: KERNEL=stock is x86_64 only for now" >&2
		exit 2
	fi
	append="$append harness_kernel=stock" ;;
builtin)
	# the test kernel with the driver built in: no module to load
	if [ "${ARCH:-x86_64}" = arm64 ]; then
		echo "run-vm: KERNEL=builtin is x86_64 only for now" >&2
		exit 2
	fi
	append="$append harness_kernel=builtin" ;;
*)
	echo "run-vm: unknown kernel '$KERNEL' (patched, stock or builtin)" >&2
	exit 2 ;;
esac

case $mode in
check)
	console=$out/console.log
	results=$out/results.tap
	: >"$console"
	: >"$results"
	if [ "${VERBOSE:-0}" = 1 ]; then
		tail -n +1 -f "$console" &
		tail_pid=$!
	fi
	start=$(date +%s)
	status=0
	results_channel "$results"
	timeout --foreground -k 10 "$limit" "${qemu[@]}" -append "$append" -monitor none \
		-serial "file:$console" "${results_args[@]}" </dev/null || status=$?
	if [ -n "${tail_pid:-}" ]; then
		sleep 1 # let tail print the last lines
		kill "$tail_pid"
	fi
	echo "run-vm: guest ran for $(($(date +%s) - start)) s; console log: $console"
	exit $status
	;;
bench)
	name=${BENCH_NAME:-bench}
	icount=()
	if [ "${ICOUNT:-0}" = 1 ]; then
		icount=(-icount shift=0,sleep=off)
	fi
	# QEMU_PLUGIN: a TCG plugin and its arguments (bench/icprof)
	if [ -n "${QEMU_PLUGIN:-}" ]; then
		icount+=(-plugin "$QEMU_PLUGIN")
	fi
	start=$(date +%s)
	status=0
	results_channel "$out/$name.out"
	timeout --foreground -k 10 "$limit" "${qemu[@]}" "${icount[@]}" \
		-append "$append bench_rounds=${BENCH_ROUNDS:-9} bench_scale=${BENCH_SCALE:-1} bench_script=${BENCH_SCRIPT:-run.sh}" \
		-monitor none -serial "file:$out/$name.console" \
		"${results_args[@]}" </dev/null || status=$?
	echo "run-vm: $name: guest ran for $(($(date +%s) - start)) s"
	exit $status
	;;
demo)
	# Warnings and worse still reach the screen; boot chatter does not.
	results_channel "$out/demo-results"
	timeout --foreground -k 10 "$limit" "${qemu[@]}" -append "$append loglevel=5" \
		-serial mon:stdio "${results_args[@]}"
	;;
shell)
	if [ -t 0 ]; then
		read -r rows cols < <(stty size)
		append="$append harness_rows=$rows harness_cols=$cols harness_term=${TERM:-linux}"
	fi
	echo "run-vm: Ctrl-A X kills the guest; Ctrl-A C toggles the QEMU monitor"
	exec "${qemu[@]}" -append "$append loglevel=5" -serial mon:stdio
	;;
*)
	echo "run-vm: unknown mode '$mode'" >&2
	exit 2
	;;
esac
