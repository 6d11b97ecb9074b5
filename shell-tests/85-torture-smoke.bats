#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# A 20-second run of pctorture, so that it cannot rot (`make torture` runs
# it for longer): trees checked against getrusage(), parents that
# reprogram or clear while their children run, exec storms, parents that
# ignore SIGCHLD, orphans adopted by a subreaper, and remote writers, all at
# once.  Every check must pass, every worker must have done its work, and
# nothing may be left running.  The harness fails the run on any kernel
# splat.

load helpers

@test "a 20-second torture run passes every check and leaves nothing behind" {
	run pctorture 20
	echo "$output"
	grep -E '^torture: ' <<<"$output" | tail -n 4 | sed 's/^/# /' >&3
	[ "$status" -eq 0 ]
	summary=$(grep -E '^torture: ops=[0-9]+ checks=[0-9]+ failures=0 seconds=[0-9]+$' <<<"$output")
	[ -n "$summary" ]
	[ "$(kv ops "$summary")" -gt 0 ]
	[ "$(kv checks "$summary")" -gt 1000 ]
	# 20 seconds of work, then the rounds under way end: well under a minute
	[ "$(kv seconds "$summary")" -ge 20 ]
	[ "$(kv seconds "$summary")" -lt 60 ]
	# the last progress line: every worker did at least one round
	rounds=$(grep -E '^torture: [0-9]+s ops=' <<<"$output" | tail -n 1)
	[[ $rounds =~ rounds:\ exact\ ([0-9]+)\+([0-9]+)\ reprogram\ ([0-9]+)\ exec\ ([0-9]+)\ sigchld\ ([0-9]+)\ churn\ ([0-9]+)\ writer\ ([0-9]+)\;\ live\ 0\  ]]
	for n in "${BASH_REMATCH[@]:1}"; do
		[ "$n" -ge 1 ]
	done
	# the writer both hit tasks and had writes refused
	[[ $output =~ writes:\ ([0-9]+)\ accepted,\ ([0-9]+)\ rejected ]]
	[ "${BASH_REMATCH[1]}" -ge 1 ]
	[ "${BASH_REMATCH[2]}" -ge 1 ]
	run pgrep -x pctorture
	[ "$status" -eq 1 ]
}

@test "pctorture refuses bad arguments with status 2" {
	for args in "" "0" "ten" "86401" "5 seed" "5 -1" "5 1 2"; do
		# (unquoted: the words are the arguments)
		run pctorture $args
		echo "pctorture $args: status $status: $output"
		[ "$status" -eq 2 ]
		[[ $output == *"usage: pctorture SECONDS [SEED]"* ]]
	done
}
