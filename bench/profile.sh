#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest side of `make profile` (bench/icprof/run.sh): one pcbench run
# per configuration, each between two sync(2) calls, which the icprof
# plugin takes as marks (a snapshot of its counters at each).  Prints the
# module's text address and, per configuration, the numbers of the two
# snapshots around it.
set -u
. "${PROFILE_CONF:-/opt/perfctr/bench/profile.conf}"
echo 0 > /proc/sys/kernel/randomize_va_space
echo "text $(awk '$1 == "perfctr" { print $6 }' /proc/modules)"
marks=0
for config in $configs; do
	# perfctr's and perf's hooks switch off a second after their last user
	sleep 1.2
	sync
	first=$((++marks))
	out=$(pcbench "$workload" "$config" "$ops") || exit 1
	sync
	echo "# pcbench $out"
	echo "segment $config $first $((++marks))"
done
