#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# A one-round, small-scale run of the benchmark (`make bench` runs the real
# thing on the benchmark kernels), so that it cannot rot: every workload
# and configuration runs and prints a well-formed figure.

load helpers

@test "the benchmark's rounds run: every row and configuration prints a figure" {
	run bash /opt/perfctr/bench/run.sh 1 50
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"# bench: failures 0"* ]]
	figures=$(grep -v '^#' <<<"$output")
	# WORKLOAD CONFIG NANOSECONDS, each a positive number
	bad=$(awk 'NF != 3 || $3 !~ /^[0-9]+\.[0-9]$/ || $3 <= 0' <<<"$figures")
	[ -z "$bad" ]
	if [ "$PERFCTR_ROOT" != /proc ]; then
		# stock mode: its rows, the bare kernel (module unloaded) among
		# them, and the module back in place at the end
		for w in fork exec thread switch fault read readfast chain8; do
			grep -q "^$w " <<<"$figures"
		done
		for c in unloaded none blank perfctr-4 perf-4 perfctr-tsc perf-tsc perfctr-4exits; do
			grep -q "^fork $c " <<<"$figures"
		done
		grep -q '^perfctr ' /proc/modules
		[ -e "$PERFCTR_ROOT/self/perfctr/control" ]
		return
	fi
	for w in fork exec thread switch fault read readgroup chain1 chain8 chain64; do
		grep -q "^$w " <<<"$figures"
	done
	for c in none perfctr-4 perf-4 perfctr-tsc perf-tsc perfctr-1 perf-1 perfctr-16 perf-16; do
		grep -q "^fork $c " <<<"$figures"
	done
	# hardware counters: measured where a PMU counts (arm64 under
	# -icount), else skipped with the reason
	for c in perfctr-hw perfctr-hwsw perf-hw; do
		if ! grep -q "^fork $c " <<<"$figures"; then
			grep -q "^# bench: skipped: fork $c: ." <<<"$output"
		fi
	done
	if compgen -G '/sys/bus/event_source/devices/armv8*' >/dev/null; then
		grep -q "^fork perfctr-hw " <<<"$figures"
	fi
	# the hardware counters' row: measured where the guest can count and
	# read them (arm64 under -icount), else skipped with the reason
	if grep -q "^selfread " <<<"$figures"; then
		for c in none page-hw read-hw perf-mmap-hw bare-hw; do
			grep -q "^selfread-insn $c " <<<"$figures"
		done
	else
		grep -q '^# bench: skipped: selfread page-hw: .' <<<"$output"
	fi
}

@test "pcbench refuses what it cannot measure" {
	run pcbench read none 10
	[ "$status" -eq 2 ]
	run pcbench fork bogus 10
	[ "$status" -eq 2 ]
	run pcbench readgroup perfctr-4 10
	[ "$status" -eq 2 ]
	run pcbench fork page-hw 10
	[ "$status" -eq 2 ]
	run pcbench selfread perfctr-4 10
	[ "$status" -eq 2 ]
}

@test "the memory measurement runs: every config prints a figure" {
	require_patched "pcmem and make profile measure the patched kernel only; stock mode has the timing rows"
	run bash /opt/perfctr/bench/memory.sh 1 20
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"# bench: failures 0"* ]]
	figures=$(grep '^mem ' <<<"$output")
	# mem CONFIG TASKS OBJECTS UNRECL STACK PT STATES
	bad=$(awk 'NF != 8 || $3 != 50' <<<"$figures")
	[ -z "$bad" ]
	for c in none tsc acct-4 perf-1 perf-2 perf-4 mixed-16 perf-16; do
		grep -q "^mem $c " <<<"$figures"
	done
}

@test "make profile's guest side runs: one segment between two marks per config" {
	require_patched "pcmem and make profile measure the patched kernel only; stock mode has the timing rows"
	require_module "make profile attributes instructions to the module's text, which a built-in driver does not have"
	conf=$BATS_TEST_TMPDIR/profile.conf
	printf 'workload=thread\nops=20\nconfigs="none perfctr-tsc"\n' >"$conf"
	PROFILE_CONF=$conf run bash /opt/perfctr/bench/profile.sh
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^text\ 0x[0-9a-f]+ ]]
	grep -qx 'segment none 1 2' <<<"$output"
	grep -qx 'segment perfctr-tsc 3 4' <<<"$output"
	grep -q '^# pcbench thread perfctr-tsc [0-9.]*$' <<<"$output"
}
