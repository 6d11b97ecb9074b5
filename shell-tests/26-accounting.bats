#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Counters read from the task's own accounting (task-clock, minor-faults,
# major-faults, context-switches, cpu-migrations, voluntary-switches,
# involuntary-switches) against the kernel's own figures, and the same
# names with a modifier, which are perf's events.

load helpers

teardown() {
	stop_worker
}

# ctx PID: "VOLUNTARY INVOLUNTARY MINFLT STATE" of a single-threaded PID.
ctx() {
	local vol invol stat
	vol=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$1/status")
	invol=$(awk '$1 == "nonvoluntary_ctxt_switches:" { print $2 }' "/proc/$1/status")
	# comm may hold spaces: fields counted after the last ")"
	stat=$(sed 's/.*) //' "/proc/$1/stat")
	set -- $stat
	echo "$vol $invol ${8} ${1}"
}

# settled PID: the figures of PID once it sleeps and they stopped moving.
settled() {
	local a b i
	for ((i = 0; i < 100; i++)); do
		a=$(ctx "$1")
		sleep 0.05
		b=$(ctx "$1")
		if [ "$a" = "$b" ] && [ "${a##* }" = S ]; then
			echo "${a% *}"
			return 0
		fi
	done
	echo "settled: $1 kept running: $a / $b" >&2
	return 1
}

@test "switch and fault counters equal the task's /proc figures exactly" {
	start_worker 40
	read -r vol0 invol0 min0 < <(settled "$WORKER")
	echo "voluntary-switches involuntary-switches context-switches minor-faults" \
		> "$(pcf control "$WORKER")"
	for round in 1 2 3; do
		kill -USR1 "$WORKER"
		read -r -u 4 line
		[ "$line" = done ]
		read -r vol invol min < <(settled "$WORKER")
		counts=$(cat "$(pcf counts "$WORKER")")
		echo "round $round: status $vol $invol $min (from $vol0 $invol0 $min0); counts: $counts"
		[ "$(value voluntary-switches <(echo "$counts"))" -eq $((vol - vol0)) ]
		[ "$(value involuntary-switches <(echo "$counts"))" -eq $((invol - invol0)) ]
		[ "$(value context-switches <(echo "$counts"))" -eq $((vol + invol - vol0 - invol0)) ]
		[ "$(value minor-faults <(echo "$counts"))" -eq $((min - min0)) ]
		# five 1 ms sleeps per round, forty pages
		[ $((vol - vol0)) -ge $((5 * round)) ]
		[ $((min - min0)) -ge $((40 * round)) ]
	done
}

@test "trees that exec: children faults equal getrusage(RUSAGE_CHILDREN) exactly" {
	for shape in "1 10" "4 100" "8 300"; do
		run bash -c 'echo "minor-faults major-faults" > $PERFCTR_ROOT/$$/perfctr/control && exec pctest exec-tree '"$shape"
		echo "exec-tree $shape: $output"
		[ "$status" -eq 0 ]
		[ "$(kv children_minor "$output")" = "$(kv rusage_minor "$output")" ]
		[ "$(kv children_major "$output")" = "$(kv rusage_major "$output")" ]
	done
}

@test "perf's own fault events (:uk) stay exact on fork-only trees and miss exec's GUP faults" {
	require_patched "a stock kernel's child gets its perf events at its first user-mode instruction, after its first kernel-mode faults"
	run env PCTEST_MODIFIER=:uk bash -c 'echo "minor-faults:uk major-faults:uk" > $PERFCTR_ROOT/$$/perfctr/control && exec pctest tree 3 3 20'
	echo "tree: $output"
	[ "$status" -eq 0 ]
	[ "$(kv children_minor "$output")" -ge 1000 ]
	[ "$(kv children_minor "$output")" = "$(kv rusage_minor "$output")" ]
	[ "$(kv children_major "$output")" = "$(kv rusage_major "$output")" ]
	run bash -c 'echo "minor-faults:uk minor-faults" > $PERFCTR_ROOT/$$/perfctr/control || exit 1
		pctest exec-tree 4 50 > /dev/null || exit 1
		mapfile -t kids < $PERFCTR_ROOT/$$/perfctr/children
		printf "%s\n" "${kids[@]}"'
	echo "$output"
	[ "$status" -eq 0 ]
	perf=$(awk '$1 == "minor-faults:uk" { print $2 }' <<<"$output")
	acct=$(awk '$1 == "minor-faults" { print $2 }' <<<"$output")
	[ "$perf" -ge 200 ]
	[ "$acct" -gt "$perf" ]
}

@test "task-clock follows the scheduler's runtime: a child's counts against rusage" {
	run bash -c 'echo task-clock > $PERFCTR_ROOT/$$/perfctr/control || exit 1
		t0=${EPOCHREALTIME//[!0-9]/}
		pctest spin 300
		t1=${EPOCHREALTIME//[!0-9]/}
		mapfile -t kids < $PERFCTR_ROOT/$$/perfctr/children
		echo "${kids[0]#* }"
		read -r -a s < <(sed "s/.*) //" /proc/$$/stat)
		echo "${s[13]} ${s[14]}"
		echo $(( (t1 - t0) * 1000 ))'
	echo "$output"
	[ "$status" -eq 0 ]
	ns=${lines[0]}
	read -r cutime cstime <<<"${lines[1]}"
	wall=${lines[2]}
	ticks=$((cutime + cstime))
	# the child spun: on a CPU for most of the wall-clock time from its
	# fork to its reaping, and no longer than all of it (10% for the
	# clocks' granularity); guest time follows the host's load, so no
	# fixed figure
	[ $((ns * 2)) -ge "$wall" ]
	[ $((ns * 10)) -le $((wall * 11)) ]
	# clock ticks (USER_HZ, 100/s) of the reaped child: within 2 ticks
	[ $((ns / 10000000)) -ge $((ticks - 2)) ]
	[ $((ns / 10000000)) -le $((ticks + 2)) ]
}

@test "an accounting name takes :u, :k or :uk and becomes perf's event; voluntary-switches takes none" {
	run bash -c 'echo "minor-faults minor-faults:u minor-faults:k minor-faults:uk cs:uk" > $PERFCTR_ROOT/$$/perfctr/control && exec cat $PERFCTR_ROOT/self/perfctr/control'
	[ "$status" -eq 0 ]
	[ "$output" = "minor-faults minor-faults:u minor-faults:k minor-faults:uk context-switches:uk" ]
	for bad in "voluntary-switches:u" "involuntary-switches:uk" "minor-faults:ku" "minor-faults:kk" "tsc:uk" "minor-faults:uk minor-faults:uk"; do
		run pctest write $PERFCTR_ROOT/self/perfctr/control "$bad"
		echo "$bad: $output"
		[ "$output" = EINVAL ]
	done
}
