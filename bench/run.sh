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
#
# A measurement pcbench cannot make on this machine (it exits 3: hardware
# counters without a PMU, as under x86 TCG or arm64 TCG without -icount, or
# the selfread row's without user access to the counters) is not a failure:
# "# bench: skipped: WORKLOAD CONFIG: REASON" once, and not tried again.
set -u
rounds=${1:-9}
scale=${2:-1}

# WORKLOAD ITERATIONS CONFIGS...  Threads run 4000 to a measurement: with
# 400 their rounds spread by 3 to 10% under -icount, more than tsc costs.
rows=(
	"fork     400 none blank perfctr-4 perfctr-tsc perfctr-1 perfctr-16 perfctr-4exits perfctr-hw perfctr-hwsw perf-4 perf-tsc perf-1 perf-16 perf-hw"
	"exec     100 none blank perfctr-4 perfctr-tsc perf-4 perf-tsc"
	"thread  4000 none blank perfctr-4 perfctr-tsc perfctr-4exits perfctr-hw perfctr-hwsw perf-4 perf-tsc perf-hw"
	"switch  4000 none blank perfctr-4 perfctr-tsc perfctr-hw perfctr-hwsw perf-4 perf-tsc perf-hw perf-hw-own"
	"fault  16384 none blank perfctr-4 perfctr-tsc perfctr-4mapped perf-4 perf-tsc"
	"read   20000 perfctr-4 perfctr-1 perfctr-16 perfctr-page4 perf-4 perf-1 perf-16"
	"readfast 200000 perfctr-page4 perfctr-4"
	"readbare 200000 perfctr-page4"
	"readgroup 20000 perf-4 perf-1 perf-16"
	"chain1   200 none perfctr-4 perf-4"
	"chain8    40 none perfctr-4 perfctr-4exits perf-4"
	"chain64    8 none perfctr-4 perf-4"
	"selfread 20000 none page-hw read-hw perf-mmap-hw bare-hw"
)
unused_rows=(
	"fork     400 none"
	"thread  4000 none"
	"switch  4000 none"
)
# Stock mode (Debian's kernel, the files under PERFCTR_ROOT=/sys/fs/perfctr):
# "unloaded" is none with the module unloaded, the bare kernel, measured in
# the same boot as the rest.  No selfread row: x86_64 under TCG has no PMU.
stock_rows=(
	"fork     400 unloaded none blank perfctr-4 perfctr-tsc perfctr-4exits perf-4 perf-tsc"
	"exec     100 unloaded none blank perfctr-4 perfctr-tsc perf-4 perf-tsc"
	"thread  4000 unloaded none blank perfctr-4 perfctr-tsc perfctr-4exits perf-4 perf-tsc"
	"switch  4000 unloaded none blank perfctr-4 perfctr-tsc perf-4 perf-tsc"
	"fault  16384 unloaded none perfctr-4 perfctr-tsc perf-4 perf-tsc"
	"read   20000 perfctr-4 perfctr-1 perfctr-16 perfctr-page4 perf-4 perf-1 perf-16"
	"readfast 200000 perfctr-page4 perfctr-4"
	"chain8    40 unloaded none perfctr-4 perfctr-4exits perf-4"
)

root=${PERFCTR_ROOT:-/proc}
stock=
if [ "$root" != /proc ]; then
	stock=1
	rows=("${stock_rows[@]}")
elif [ ! -d /proc/self/perfctr ]; then
	rows=("${unused_rows[@]}")
fi

# Stock mode's module, out and in: its filesystem unmounted and the module
# removed (retried while the states of exited tasks drain), or loaded and
# mounted where the guest's init put it.  Either leaves the kernel work to
# do afterwards (RCU callbacks, the kprobe optimiser's delayed work), which
# would land in the next measurement: a second's sleep lets it run first.
module=/opt/perfctr/perfctr.ko
module_out() {
	local try
	grep -q '^perfctr ' /proc/modules || return 0
	umount "$root" || return 1
	for ((try = 0; try < 100; try++)); do
		if rmmod perfctr 2>/dev/null; then
			sleep 1.2
			return 0
		fi
		sleep 0.1
	done
	rmmod perfctr
}
module_in() {
	grep -q '^perfctr ' /proc/modules && return 0
	insmod "$module" && mount -t perfctr perfctr "$root" && sleep 1.2
}

# Address-space randomisation moves every process's stack and mappings,
# which changes how many page-table pages a fork copies: without it, a
# measurement repeats exactly under -icount.  On arm64, the selfread row
# reads counter registers from user space, which the PMU allows only with
# kernel.perf_user_access = 1.  Both are restored at the end.
aslr=$(cat /proc/sys/kernel/randomize_va_space)
access_file=/proc/sys/kernel/perf_user_access
access=
[ -e $access_file ] && access=$(cat $access_file)
restore() {
	echo "$aslr" > /proc/sys/kernel/randomize_va_space
	[ -z "$access" ] || echo "$access" > $access_file
}
trap restore EXIT
echo 0 > /proc/sys/kernel/randomize_va_space
[ -z "$access" ] || echo 1 > $access_file
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
	perfctr-* | page-hw | read-hw) echo perfctr ;;
	perf-* | bare-hw) echo perf ;;
	*) echo none ;;
	esac
}
last=none
declare -A skipped
errors=$(mktemp)
for ((round = 1; round <= rounds; round++)); do
	for row in "${rows[@]}"; do
		read -r workload iterations configs <<<"$row"
		iterations=$(((iterations + scale - 1) / scale))
		for config in $configs; do
			[ -z "${skipped[$workload $config]:-}" ] || continue
			kind=$(kind_of "$config")
			if [ "$last" != none ] && [ "$last" != "$kind" ]; then
				sleep 1.2
			fi
			last=$kind
			status=0
			if [ -n "$stock" ]; then
				if [ "$config" = unloaded ]; then
					module_out
				else
					module_in
				fi || {
					echo "# bench: FAILED: the module could not be moved for $config"
					failures=$((failures + 1))
					continue
				}
			fi
			if [ "$config" = unloaded ]; then
				# pcbench's none, labelled for the report
				out=$(pcbench "$workload" none "$iterations" 2>"$errors") || status=$?
				[ -z "$out" ] || echo "${out/ none / unloaded }"
			else
				pcbench "$workload" "$config" "$iterations" 2>"$errors" || status=$?
			fi
			if [ $status -eq 3 ]; then
				skipped[$workload $config]=1
				echo "# bench: skipped: $workload $config: $(sed -n 's/^pcbench: skipped: //p' "$errors" | head -n 1)"
				continue
			fi
			cat "$errors" >&2
			if [ $status -ne 0 ]; then
				echo "# bench: FAILED: pcbench $workload $config $iterations"
				failures=$((failures + 1))
			fi
		done
	done
	echo "# bench: round $round done"
done
rm -f "$errors"
echo "# bench: failures $failures"
[ $failures -eq 0 ]
