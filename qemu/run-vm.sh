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
set -eu
mode=$1
kernel=$2
initrd=$3
out=$4
limit=${TIMEOUT:-1800}
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
qemu=(qemu-system-x86_64 -accel tcg,thread=single -cpu max -smp $smp -m 1G
	-nographic -no-reboot -nic none
	-kernel "$kernel" -initrd "$initrd")
append="console=ttyS0 panic=-1 oops=panic panic_on_warn=1 harness=$mode"

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
	timeout --foreground -k 10 "$limit" "${qemu[@]}" -append "$append" -monitor none \
		-serial "file:$console" -serial "file:$results" </dev/null || status=$?
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
	timeout --foreground -k 10 "$limit" "${qemu[@]}" "${icount[@]}" \
		-append "$append bench_rounds=${BENCH_ROUNDS:-9} bench_scale=${BENCH_SCALE:-1} bench_script=${BENCH_SCRIPT:-run.sh}" \
		-monitor none -serial "file:$out/$name.console" \
		-serial "file:$out/$name.out" </dev/null || status=$?
	echo "run-vm: $name: guest ran for $(($(date +%s) - start)) s"
	exit $status
	;;
demo)
	# Warnings and worse still reach the screen; boot chatter does not.
	timeout --foreground -k 10 "$limit" "${qemu[@]}" -append "$append loglevel=5" \
		-serial mon:stdio -serial "file:$out/demo-results"
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
