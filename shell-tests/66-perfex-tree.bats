#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# perfex --tree: every process under a command, its own counts and its
# subtree's, exact: on shapes of known structure (pcexits shape builds
# them), the subtrees add up, the own counts sum to the total, and the
# processes are those the shape has.

load helpers

EVENTS="tsc task-clock minor-faults context-switches"

# wait_for's limit: two minutes, for 1,100 children under TCG
WAIT_FOR_STEPS=2400

teardown() {
	local pid
	for pid in "${PERFEX:-}"; do
		[ -z "$pid" ] || { kill -CONT "$pid"; kill "$pid"; wait "$pid"; } 2>/dev/null || true
	done
	[ -z "${PID_MAX:-}" ] || echo "$PID_MAX" > /proc/sys/kernel/pid_max
}

# tree_check: checks perfex --tree -x, output in $output, prints
# "processes=N outside=N dropped=N" or what does not add up.  For every
# event: the process lines' own counts sum to the total and so does the
# root's subtree; every process's subtree is its own counts plus its
# child processes' subtrees.
tree_check() {
	awk -F, '
		$1 ~ /^[0-9]+$/ { total[$4] = $3; events[$4] = 1 }
		$1 == "process" {
			procs[$2] = 1
			self[$2, $9] = $7; sub_[$2, $9] = $8
			sumself[$9] += $7
			if ($5 == 0) { root[$9] = $8; nroot[$2] = 1 }
			else childsum[$4, $9] += $8
		}
		$1 == "outside" { outside[$2] = 1 }
		$1 == "dropped" { dropped = $2 }
		END {
			bad = 0
			for (e in events) {
				if (sumself[e] != total[e]) { print "own counts of " e " sum to " sumself[e] ", total " total[e]; bad = 1 }
				if (root[e] != total[e]) { print "root subtree of " e " is " root[e] ", total " total[e]; bad = 1 }
				for (p in procs)
					if (sub_[p, e] != self[p, e] + childsum[p, e]) { print "process " p ": subtree of " e " does not add up"; bad = 1 }
			}
			n = 0; for (p in procs) n++
			o = 0; for (p in outside) o++
			r = 0; for (p in nroot) r++
			if (r != 1) { print r " roots"; bad = 1 }
			printf "processes=%d outside=%d dropped=%d\n", n, o, dropped
			exit bad
		}' <<<"$output"
}

@test "perfex --tree: a fork tree 3 levels deep: 15 processes, every subtree adds up" {
	run perfex --tree -x, -e "$EVENTS" -- pcexits shape forks 3
	echo "$output"
	[ "$status" -eq 0 ]
	run tree_check
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "processes=15 outside=0 dropped=0" ]
}

@test "perfex --tree: children that exec are there under their new name" {
	run perfex --tree -x, -e "$EVENTS" -- pcexits shape exec 5
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(awk -F, '$1 == "process" && $6 == "true" && $9 == "tsc"' <<<"$output" | wc -l)" -eq 5 ]
	run tree_check
	[ "$output" = "processes=6 outside=0 dropped=0" ]
}

@test "perfex --tree: threads fold into their process; --threads lists them" {
	run perfex --tree -x, -e "$EVENTS" -- pcexits shape threads 4
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^thread,' <<<"$output")" -eq 0 ]
	run tree_check
	[ "$output" = "processes=1 outside=0 dropped=0" ]

	run perfex --threads -x, -e "$EVENTS" -- pcexits shape threads 4
	echo "$output"
	[ "$status" -eq 0 ]
	root=$(awk -F, '$1 == "process" && $5 == 0 { print $2; exit }' <<<"$output")
	# 4 threads, one line per event each, all in the root process
	[ "$(awk -F, -v r="$root" '$1 == "thread" && $4 == r' <<<"$output" | wc -l)" -eq 16 ]
	# the process's own counts are its threads' and its leader's
	run awk -F, '$1 == "thread" && $9 == "minor-faults" { t += $7 }
		$1 == "process" && $9 == "minor-faults" { p = $7 }
		END { exit !(t > 0 && p > t) }' <<<"$output"
	[ "$status" -eq 0 ]
}

@test "perfex --tree: orphans leave the tree; the tree still adds up" {
	run perfex --tree -x, -e "$EVENTS" -- pcexits shape orphans 2
	echo "$output"
	[ "$status" -eq 0 ]
	run tree_check
	echo "$output"
	[ "$status" -eq 0 ]
	# the root and its 2 children; a grandchild init reaped in time is
	# listed outside the total, forked by one of the children
	[[ $output == "processes=3 outside="[0-2]" dropped=0" ]]
}

@test "perfex --tree: a child that reprograms leaves the tree with what it forks" {
	run perfex --tree -x, -e "$EVENTS" -- pcexits shape reprogram 1
	echo "$output"
	[ "$status" -eq 0 ]
	run tree_check
	echo "$output"
	[ "$output" = "processes=1 outside=1 dropped=0" ]
}

@test "perfex --tree --json: processes with self and subtree, complete" {
	run perfex --tree --json -e "$EVENTS" -- pcexits shape forks 2
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^  "dropped": 0,$' <<<"$output"
	grep -q '^  "complete": true,$' <<<"$output"
	[ "$(grep -c '^    {"pid": [0-9]*, "ppid": [0-9]*, "parent": [0-9]*, "depth": [0-2], "comm": "pcexits", "threads": 1, "self": {"tsc": [0-9]*, .*}, "subtree": {"tsc": [0-9]*, ' <<<"$output")" -eq 7 ]
}

@test "perfex --tree: the table draws the tree under the totals" {
	run perfex --tree -e "tsc minor-faults" -- pcexits shape forks 1
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "Process tree: 3 processes" <<<"$output"
	grep -Eq "^ .* +[0-9]+  pcexits$" <<<"$output"
	[ "$(grep -Ec "^ .* +[0-9]+    pcexits$" <<<"$output")" -eq 2 ]
}

@test "perfex --tree: a reader that falls behind: dropped records, exact totals, an incomplete tree" {
	local fifo="$BATS_TEST_TMPDIR/go" out="$BATS_TEST_TMPDIR/out"
	mkfifo "$fifo"
	perfex --tree -x, -o "$out" -e "$EVENTS" -- \
		bash -c 'read go < "$1"; exec pcexits shape overflow 1100' sh "$fifo" \
		2>"$BATS_TEST_TMPDIR/err" &
	PERFEX=$!
	local cmd
	wait_for eval 'cmd=$(pgrep -P $PERFEX) && [ -n "$cmd" ]'
	# perfex listens before it lets its child exec the command
	wait_for eval '[ "$(cat /proc/$cmd/comm 2>/dev/null)" = bash ]'
	kill -STOP $PERFEX
	echo go > "$fifo"
	# until the command is a zombie: all its children were reaped
	wait_for eval '[ "$(awk "{ print \$3 }" /proc/$cmd/stat)" = Z ]'
	kill -CONT $PERFEX
	wait $PERFEX
	PERFEX=
	cat "$BATS_TEST_TMPDIR/err"
	grep -q "the kernel dropped 76 exit records" "$BATS_TEST_TMPDIR/err"
	output=$(cat "$out")
	run tree_check
	echo "$output"
	# the tree misses what was dropped, so it does not add up to the total
	[ "$status" -ne 0 ]
	[[ $output == *"processes=1025 outside=0 dropped=76" ]]
	# the totals have what the tree misses: the dropped children's counts
	run awk -F, '$1 ~ /^[0-9]+$/ && $4 == "tsc" { total = $3 }
		$1 == "process" && $9 == "tsc" { own += $7 }
		END { exit !(own < total) }' "$out"
	[ "$status" -eq 0 ]
}

# The big tree: $PCTREE_PROCS processes (default 20,000) besides the root,
# in chains up to $PCTREE_CHAIN deep (default 2,000) and bushes (pctree),
# with pid_max lowered so that pid numbers wrap several times.  The tree
# must be complete and exact: every process once, under the process that
# forked it, with the minor-faults count it read just before it exited;
# every subtree adds up and the root's is the total.  perfex's own CPU time,
# beside the command's, is printed as a fraction: the tree is built in
# linear time, so it stays a small part.  The 20,000 processes take most of
# the test's time: about 6 minutes under TCG with the debug kernel, 2 with
# Debian's (the count is what issue 19 asks; PCTREE_PROCS in a copy of this
# file changes it).
@test "perfex --tree: 20,000 processes while pids wrap, chains 2,000 deep: complete, exact, every process under its parent" {
	local n=${PCTREE_PROCS:-20000} chain=${PCTREE_CHAIN:-2000}
	local csv="$BATS_TEST_TMPDIR/tree.csv" log="$BATS_TEST_TMPDIR/pctree.log"
	local times="$BATS_TEST_TMPDIR/times" err="$BATS_TEST_TMPDIR/err"
	local tasks
	# room for what runs now, one chain (all alive at once) and a margin;
	# every number past it wraps back to 300
	tasks=$(ls -d /proc/[0-9]*/task/[0-9]* | wc -l)
	PID_MAX=$(cat /proc/sys/kernel/pid_max)
	local pid_max=$((300 + tasks + chain + 1500))
	echo "$pid_max" > /proc/sys/kernel/pid_max
	echo "pid_max $pid_max, was $PID_MAX; $tasks tasks"
	local TIMEFORMAT='%3R %3U %3S'
	{ time perfex --tree -x, -o "$csv" -e "minor-faults task-clock" -- \
		pctree "$n" "$chain" "$log" 2>"$err"; } 2>"$times"
	echo "$PID_MAX" > /proc/sys/kernel/pid_max
	PID_MAX=
	cat "$err"
	[ ! -s "$err" ]
	# pids came back: fewer numbers than processes
	run awk '$1 != "cpu" { n++; if (!seen[$4]++) u++ }
		END { print n, u; exit !(n == '$((n + 1))' && u < n) }' "$log"
	echo "processes, distinct pids: $output"
	[ "$status" -eq 0 ]
	local pids=$output

	# perfex's own CPU time: perfex's and the command's, less the command's
	local wall user sys cmd_us px_us
	read -r wall user sys < "$times"
	cmd_us=$(awk '$1 == "cpu" { print $2 }' "$log")
	px_us=$(awk -v u="$user" -v s="$sys" -v c="$cmd_us" 'BEGIN { printf "%d", (u + s) * 1e6 - c }')
	local figures
	figures=$(awk -v p="$px_us" -v c="$cmd_us" -v w="$wall" -v pids="$pids" \
		-v max="$pid_max" 'BEGIN {
		printf "%s processes (%s distinct pids, pid_max %d): %.1f s; command CPU %.1f s, perfex CPU %.3f s (%.4f of the command)",
			substr(pids, 1, index(pids, " ") - 1), substr(pids, index(pids, " ") + 1),
			max, w, c / 1e6, p / 1e6, p / c }')
	echo "$figures"
	echo "# $figures" >&3

	# the tree, in tree order, against what each process said
	run awk -F, '
		FNR == NR {
			if ($0 ~ /^cpu /) next
			split($0, w, " ")
			parent[w[1]] = w[2]; faults[w[1]] = w[3]; want++
			next
		}
		$1 ~ /^[0-9]+$/ { total[$4] = $3; events[$4] = 1 }
		$1 == "outside" { print "outside: " $0; bad = 1 }
		$1 == "dropped" { dropped = $2 }
		$1 == "process" {
			e = $9; d = $5 + 0
			at[e, d] = $6
			up = d ? at[e, d - 1] : "-"
			if (d) kids[e, up] += $8
			self[e, $6] = $7; sub_[e, $6] = $8; sumself[e] += $7
			if (!d) root[e] = $8
			if (e != "minor-faults") next
			if (seen[$6]++) { print $6 " twice"; bad = 1 }
			if (!($6 in parent)) { print $6 ": not a process of the tree"; bad = 1 }
			else if (parent[$6] != up) { print $6 " under " up ", forked by " parent[$6]; bad = 1 }
			if ($7 != faults[$6]) { print $6 ": " $7 " minor faults, it counted " faults[$6]; bad = 1 }
			if (d > deepest) deepest = d
			got++
		}
		END {
			for (e in events) {
				if (sumself[e] != total[e]) { print e ": own counts sum to " sumself[e] ", total " total[e]; bad = 1 }
				if (root[e] != total[e]) { print e ": root subtree " root[e] ", total " total[e]; bad = 1 }
				for (k in sub_) {
					split(k, w, SUBSEP)
					if (w[1] == e && sub_[k] != self[k] + kids[k]) { print w[2] ": subtree of " e " does not add up"; bad = 1 }
				}
			}
			if (got != want) { print got " processes in the tree, " want " made"; bad = 1 }
			printf "processes=%d depth=%d dropped=%d\n", got, deepest, dropped
			exit bad
		}' "$log" "$csv"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} == "processes=$((n + 1)) depth="*" dropped=0" ]]
	# the first chain is whole, unless N cuts it (its side leaves go deeper)
	local depth=${lines[-1]#*depth=}
	[ "${depth%% *}" -ge $((n >= chain ? chain : n)) ]

	# generous: linear work is a few percent of forking 20,000 processes
	[ "$px_us" -lt $((cmd_us / 4)) ]
}
