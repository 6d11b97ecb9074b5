#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Hardware counters, exact.  QEMU's arm64 PMUv3 counts user-mode
# instructions exactly with one vCPU under -icount shift=0, where a cycle
# is an instruction; pchw's measured code is assembly whose instruction
# count follows from the source (see pchw.c and pcloop.S), so every count
# here is compared with a number known in advance.  x86 under TCG has no
# PMU: these tests report skipped there.

load helpers

# pchw's self stretch is 6 instructions, the loop's 2n, and the svc that
# enters the kernel for the second read, if the emulation retires it
# before the kernel reads: the file's first measurement finds which.
setup_file() {
	local out
	if [ "$(uname -m)" = aarch64 ] &&
	   compgen -G '/sys/bus/event_source/devices/armv8*/events/inst_retired' > /dev/null &&
	   [ "$(nproc)" = 1 ]; then
		out=$(pchw self 0)
		export PCHW_SVC=$(( $(kv instructions "$out") - 6 ))
	fi
}

require_exact_pmu() {
	[ "$(uname -m)" = aarch64 ] ||
		skip "no PMU: x86 under QEMU TCG emulates none"
	compgen -G '/sys/bus/event_source/devices/armv8*/events/inst_retired' > /dev/null ||
		skip "no exact instruction counter (needs QEMU's -icount)"
	[ "$(nproc)" = 1 ] || skip "exact counts need one vCPU"
	[ -n "${PCHW_SVC:-}" ]
}

# check_children OUT: children counts equal what the code implies, cycles
# equal instructions.
check_children() {
	echo "$1"
	[ "$(kv children "$1")" = "$(kv expect "$1")" ]
	[ "$(kv children_cycles "$1")" = "$(kv children "$1")" ]
}

@test "hardware: a system call adds 0 or 1 to a user-mode count, the same every time" {
	require_exact_pmu
	echo "svc=$PCHW_SVC"
	[ "$PCHW_SVC" -eq 0 ] || [ "$PCHW_SVC" -eq 1 ]
}

@test "hardware: instructions:u and cycles:u of a thread's own code are the code's instruction count" {
	require_exact_pmu
	for n in 0 1 2 1000 123457 10000000; do
		out=$(pchw self "$n")
		echo "n=$n: $out"
		[ "$(kv instructions "$out")" -eq $((6 + 2 * n + PCHW_SVC)) ]
		[ "$(kv cycles "$out")" -eq "$(kv instructions "$out")" ]
	done
}

@test "hardware: children counts are the exact sum of the children's final counts" {
	require_exact_pmu
	check_children "$(pchw -s "$PCHW_SVC" spawn 0 1 1000 5000000 77)"
}

@test "hardware: fork trees, deep and wide, merge exactly level by level" {
	require_exact_pmu
	for shape in "3 2 1000" "1 8 500" "5 1 0" "2 3 100000"; do
		# shellcheck disable=SC2086
		check_children "$(pchw -s "$PCHW_SVC" tree $shape)"
	done
	# what the loops add, whatever the rest costs: 2n per process
	a=$(kv children "$(pchw tree 3 2 4000)")
	b=$(kv children "$(pchw tree 3 2 0)")
	[ $((a - b)) -eq $((14 * 2 * 4000)) ]
}

@test "hardware: a child that execs a known program: its count before and after the exec, exactly" {
	require_exact_pmu
	for args in 1 3; do
		check_children "$(pchw -s "$PCHW_SVC" exec /opt/perfctr/bin/pcloop $args 1000)"
	done
}

@test "hardware: threads merge into their process: each adds exactly its loop" {
	require_exact_pmu
	a=$(kv children "$(pchw threads 4 1000000)")
	b=$(kv children "$(pchw threads 4 0)")
	echo "threads: $a with loops, $b without"
	[ $((a - b)) -eq $((4 * 2 * 1000000)) ]
}

@test "hardware: a child that reprogrammed itself is not merged" {
	require_exact_pmu
	out=$(pchw -s "$PCHW_SVC" reprogram 100000)
	check_children "$out"
	[ "$(kv children "$out")" -eq 0 ]
}

@test "hardware: a count past 2^32 is exact, wrap included" {
	require_exact_pmu
	out=$(pchw -s "$PCHW_SVC" spawn 2200000000)
	check_children "$out"
	[ "$(kv children "$out")" -gt 4294967296 ]
}

@test "hardware: remote reads of a running child never go back, and end at its final count" {
	require_exact_pmu
	out=$(pchw -s "$PCHW_SVC" remote 300000000)
	echo "$out"
	[ "$(kv children "$out")" = "$(kv expect "$out")" ]
	# the child was read while it counted, more than once
	[ "$(kv moves "$out")" -ge 2 ]
}

@test "hardware: records of fork, exec and thread trees add up exactly with hardware counters" {
	require_exact_pmu
	export PCEXITS_EVENTS="instructions:u cycles:u instructions cycles tsc"
	for shape in "forks 4" "exec 8" "threads 8" "reprogram 1"; do
		# shellcheck disable=SC2086
		run pcexits tree $shape
		echo "$shape: $output"
		[ "$status" -eq 0 ]
	done
}

@test "hardware: a set-uid exec keeps what the task counted before it, and counts nothing of the program" {
	require_exact_pmu
	local paranoid
	paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
	echo 2 > /proc/sys/kernel/perf_event_paranoid
	install -m 4755 /opt/perfctr/bin/pcloop /tmp/pcloop-setuid
	install -m 0755 /opt/perfctr/bin/pcloop /tmp/pcloop-plain
	plain=$(runas 1000 1000 pchw -s "$PCHW_SVC" exec /tmp/pcloop-plain 2 5000) || true
	setuid=$(runas 1000 1000 pchw -s "$PCHW_SVC" exec /tmp/pcloop-setuid 2 5000) || true
	echo "$paranoid" > /proc/sys/kernel/perf_event_paranoid
	rm -f /tmp/pcloop-setuid /tmp/pcloop-plain
	echo "plain: $plain"
	echo "setuid: $setuid"
	check_children "$plain"
	# pcloop with 2 arguments: 4 + svc + 2 * 65536 * 2 not counted
	[ "$(kv children "$setuid")" -eq \
	  $(( $(kv expect "$plain") - (4 + PCHW_SVC + 4 * 65536) )) ]
	[ "$(kv children_cycles "$setuid")" -eq "$(kv children "$setuid")" ]
}

@test "hardware: perfex --tree gives each process its exact instruction count" {
	require_exact_pmu
	run perfex --tree -x, -e "instructions:u cycles:u" -- \
		pchw -k -s "$PCHW_SVC" spawn 1000 20000 300000
	echo "$output"
	[ "$status" -eq 0 ]
	# the process lines of pchw's children: own instructions:u, sorted
	got=$(awk -F, '
		$1 == "process" && $5 == 0 { root = $2 }
		$1 == "process" && $9 == "instructions:u" { parent[$2] = $4; own[$2] = $7 }
		END { for (p in own) if (parent[p] == root) print own[p] }' <<<"$output" |
		sort -n | tr '\n' ' ')
	want="$((5 + 2000 + PCHW_SVC)) $((5 + 40000 + PCHW_SVC)) $((5 + 600000 + PCHW_SVC)) "
	echo "children's own counts: $got; the code's: $want"
	[ "$got" = "$want" ]
}
