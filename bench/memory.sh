#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The memory a task with counters costs, run in the guest: memory.sh ROUNDS
# SCALE.  pcmem forks 1000 / SCALE paused children under each config, ROUNDS
# times, and prints its measurements and a table of the medians (bytes per
# task); see bench/pcmem.c.  Separate from the timings of run.sh: `make
# bench-memory` boots the benchmark kernel (and the debug kernel) for it.
set -u
rounds=${1:-5}
scale=${2:-1}
tasks=$(((1000 + scale - 1) / scale))

echo "# bench: memory: kernel $(uname -r), $tasks tasks, rounds $rounds"
# Room for the children: the defaults are sized from RAM and stack size.
if [ "$(cat /proc/sys/kernel/threads-max)" -lt $((4 * tasks)) ]; then
	echo $((4 * tasks)) > /proc/sys/kernel/threads-max
fi
failures=0
pcmem "$tasks" "$rounds" || failures=1
echo "# bench: failures $failures"
[ $failures -eq 0 ]
