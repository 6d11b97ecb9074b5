#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# A 20-second run of pctorture, so that it cannot rot (`make torture` runs
# it for longer): trees checked against getrusage(), parents that
# reprogram or clear while their children run, exec storms with set-uid
# execs, parents that ignore SIGCHLD, orphans adopted by a subreaper,
# remote writers and a fork storm, all at once, in two epochs with the
# module unloaded and loaded again between them.  Every check must pass,
# every worker must have done its work, the module's references must drain
# to zero, and nothing may be left running.  The harness fails the run on
# any kernel splat.

load helpers

MODULE=/opt/perfctr/perfctr.ko

teardown() {
	[ "$PERFCTR_DRIVER" = builtin ] || grep -q '^perfctr ' /proc/modules || insmod "$MODULE"
}

@test "a 20-second torture run passes every check and leaves nothing behind" {
	# a set-uid copy owned by another user: exec raises privilege
	cp "$(command -v pctorture)" "$BATS_TEST_TMPDIR/pctorture-setuid"
	chown 1000:1000 "$BATS_TEST_TMPDIR/pctorture-setuid"
	chmod 4755 "$BATS_TEST_TMPDIR/pctorture-setuid"
	# built in, there is no module to reload between epochs
	reload=(--reload "$MODULE")
	[ "$PERFCTR_DRIVER" = module ] || reload=()
	run pctorture "${reload[@]}" --setuid "$BATS_TEST_TMPDIR/pctorture-setuid" 20
	echo "$output"
	grep -E '^torture: ' <<<"$output" | tail -n 5 | sed 's/^/# /' >&3
	[ "$status" -eq 0 ]
	summary=$(grep -E '^torture: ops=[0-9]+ checks=[0-9]+ failures=0 seconds=[0-9]+$' <<<"$output")
	[ -n "$summary" ]
	[ "$(kv ops "$summary")" -gt 0 ]
	# 20 seconds of work; the rounds under way then end, in each epoch,
	# which pctorture checks itself (it fails if a worker is still
	# running 30 s after the end).  How long they take follows the
	# host's load: no upper bound on the run's seconds here.
	[ "$(kv seconds "$summary")" -ge 20 ]
	# the last progress line: every worker did at least one round
	rounds=$(grep -E '^torture: [0-9]+s ops=' <<<"$output" | tail -n 1)
	[[ $rounds =~ rounds:\ exact\ ([0-9]+)\+([0-9]+)\ reprogram\ ([0-9]+)\ exec\ ([0-9]+)\ sigchld\ ([0-9]+)\ churn\ ([0-9]+)\ writer\ ([0-9]+)\ storm\ ([0-9]+)\;\ live\ 0\  ]]
	for n in "${BASH_REMATCH[@]:1}"; do
		[ "$n" -ge 1 ]
	done
	# how many checks ran follows the work done, not a fixed figure: every
	# round of every worker but the writer ends with a check of its own
	# files, at least 7 checks (6 files read and parsed, its id unmoved)
	checked=0
	for i in 1 2 3 4 5 6 8; do
		checked=$((checked + BASH_REMATCH[i]))
	done
	echo "checks $(kv checks "$summary"), rounds checked $checked"
	[ "$(kv checks "$summary")" -ge $((7 * checked)) ]
	# the writer both hit tasks and had writes refused
	[[ $output =~ writes:\ ([0-9]+)\ accepted,\ ([0-9]+)\ rejected ]]
	[ "${BASH_REMATCH[1]}" -ge 1 ]
	[ "${BASH_REMATCH[2]}" -ge 1 ]
	# the storm forked (how many follows the host's load: a storm round
	# ends with its epoch, and its rounds were counted above); set-uid
	# execs ran; with a module, one reload between the two epochs, and
	# unloading was refused while they ran
	figures=$(grep -E '^torture: forks=' <<<"$output")
	[[ $figures =~ forks=([0-9]+)\ \(storm\ ([0-9]+)\)\ setuid-execs=([0-9]+)\ reloads=([0-9]+)\ unloads-refused=([0-9]+)$ ]]
	[ "${BASH_REMATCH[2]}" -ge 1 ]
	[ "${BASH_REMATCH[1]}" -gt "${BASH_REMATCH[2]}" ]
	[ "${BASH_REMATCH[3]}" -ge 2 ]
	if [ "$PERFCTR_DRIVER" = builtin ]; then
		[ "${BASH_REMATCH[4]}" -eq 0 ]
		[ "${BASH_REMATCH[5]}" -eq 0 ]
	else
		[ "${BASH_REMATCH[4]}" -eq 1 ]
		[ "${BASH_REMATCH[5]}" -ge 5 ]
		grep -q '^torture: reload 1: no reference left, unloaded' <<<"$output"
	fi
	driver_present
	run pgrep -x pctorture
	[ "$status" -eq 1 ]
}

@test "pctorture refuses bad arguments with status 2" {
	for args in "" "0" "ten" "86401" "5 seed" "5 -1" "5 1 2" "--forks" \
		"--forks x 5" "--bogus 1 5" "--setuid /nonexistent 5"; do
		# (unquoted: the words are the arguments)
		run pctorture $args
		echo "pctorture $args: status $status: $output"
		[ "$status" -eq 2 ]
		[[ $output == *"usage: pctorture "*"SECONDS [SEED]"* ||
		   $output == *"--setuid /nonexistent: No such file"* ]]
	done
}
