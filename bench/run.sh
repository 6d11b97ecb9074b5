#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The benchmark rounds, run in the guest: run.sh ROUNDS SCALE
#
# Every round runs every row once, with its configurations one after the
# other (none, perfctr, perf, ...), so that the configurations of a row are
# interleaved round by round in the same boot.  Each measurement is one
# pcbench process that prints "WORKLOAD CONFIG NS-PER-OP"; the host takes
# the medians (bench/report.sh).  SCALE divides the iteration counts (the
# smoke run inside `make check` uses a large one).
#
# Without /proc/self/perfctr (the unpatched kernel) only the rows of the
# "unused" comparison run, with no counters.
set -u
rounds=${1:-9}
scale=${2:-1}

# WORKLOAD ITERATIONS CONFIGS...  Threads run 4000 to a measurement: with
# 400 their rounds spread by 3 to 10% under -icount, more than tsc costs.
rows=(
	"fork     400 none blank perfctr-4 perfctr-tsc perfctr-1 perfctr-16 perfctr-4exits perf-4 perf-tsc perf-1 perf-16"
	"exec     100 none blank perfctr-4 perfctr-tsc perf-4 perf-tsc"
	"thread  4000 none blank perfctr-4 perfctr-tsc perfctr-4exits perf-4 perf-tsc"
	"switch  4000 none blank perfctr-4 perfctr-tsc perf-4 perf-tsc"
	"fault  16384 none blank perfctr-4 perfctr-tsc perfctr-4mapped perf-4 perf-tsc"
	"read   20000 perfctr-4 perfctr-1 perfctr-16 perfctr-page4 perf-4 perf-1 perf-16"
	"readfast 200000 perfctr-page4 perfctr-4"
	"readbare 200000 perfctr-page4"
	"readgroup 20000 perf-4 perf-1 perf-16"
	"chain1   200 none perfctr-4 perf-4"
	"chain8    40 none perfctr-4 perfctr-4exits perf-4"
	"chain64    8 none perfctr-4 perf-4"
)
unused_rows=(
	"fork     400 none"
	"thread  4000 none"
	"switch  4000 none"
)

if [ ! -d /proc/self/perfctr ]; then
	rows=("${unused_rows[@]}")
fi
# readbare reads the page's tsc inline, which needs the x86 TSC (pcbench
# refuses it elsewhere): left out on other architectures.
if [ "$(uname -m)" != x86_64 ]; then
	for i in "${!rows[@]}"; do
		[[ ${rows[i]} != readbare* ]] || unset 'rows[i]'
	done
fi

# Address-space randomisation moves every process's stack and mappings,
# which changes how many page-table pages a fork copies: without it, a
# measurement repeats exactly under -icount.
aslr=$(cat /proc/sys/kernel/randomize_va_space)
trap 'echo "$aslr" > /proc/sys/kernel/randomize_va_space' EXIT
echo 0 > /proc/sys/kernel/randomize_va_space
echo "# bench: kernel $(uname -r), rounds $rounds, scale $scale"
failures=0
# Each state of a perfctr run holds the hooks' static key, whose decrement
# is deferred by a second, and perf defers disabling its context-switch
# hooks by a second too: a run right after one of the other kind (none or
# blank after perfctr or perf, perfctr after perf, perf after perfctr)
# would still pay for the other's hooks.  Each row lists its perfctr
# configurations together, and its perf ones, and a run waits that second
# out when the kind changes (with -icount sleep=off a sleep costs no host
# time).
kind_of() {
	case $1 in
	perfctr-*) echo perfctr ;;
	perf-*) echo perf ;;
	*) echo none ;;
	esac
}
last=none
for ((round = 1; round <= rounds; round++)); do
	for row in "${rows[@]}"; do
		read -r workload iterations configs <<<"$row"
		iterations=$(((iterations + scale - 1) / scale))
		for config in $configs; do
			kind=$(kind_of "$config")
			if [ "$last" != none ] && [ "$last" != "$kind" ]; then
				sleep 1.2
			fi
			last=$kind
			if ! pcbench "$workload" "$config" "$iterations"; then
				echo "# bench: FAILED: pcbench $workload $config $iterations"
				failures=$((failures + 1))
			fi
		done
	done
	echo "# bench: round $round done"
done
echo "# bench: failures $failures"
[ $failures -eq 0 ]
