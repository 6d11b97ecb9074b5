#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# perfex --tree --folded EVENT: the process tree as folded stacks, one line
# per process, "ROOT;...;COMM COUNT".  On pctree's tree every process says
# its own final minor-faults count and its parent, so the lines can be
# checked one by one, exactly: the path of names, the count, every process
# once, and so their sum, the command's total.

bats_require_minimum_version 1.5.0	# run --separate-stderr

load helpers

# A line: names without ';' or a newline, a blank, a count.
LINE='^[^;]+(;[^;]+)* [0-9]+$'

@test "perfex --tree --folded: a line per process, its names from the root down and its own count, exact; the lines sum to the total" {
	local out="$BATS_TEST_TMPDIR/out.folded" log="$BATS_TEST_TMPDIR/pctree.log"
	run --separate-stderr perfex --tree --folded minor-faults \
		-e "task-clock minor-faults" -o "$out" -- pctree 300 40 "$log"
	echo "$stderr"
	cat "$out"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ -z "$output" ]
	run grep -Evc "$LINE" "$out"
	[ "$output" -eq 0 ]
	# each line against what its process said: its parent, the last name
	# but one, and its final count; pctree's names are unique
	run awk '
		FNR == NR {
			if ($0 ~ /^cpu /) next
			parent[$1] = $2; faults[$1] = $3; want++; total += $3
			next
		}
		{
			n = split($1, path, ";")
			me = path[n]; up = n > 1 ? path[n - 1] : "-"
			if (seen[me]++) { print me " twice"; bad = 1 }
			if (!(me in parent)) { print me ": not a process of the tree"; bad = 1 }
			else if (parent[me] != up) { print me " under " up ", forked by " parent[me]; bad = 1 }
			if ($2 != faults[me]) { print me ": " $2 ", it counted " faults[me]; bad = 1 }
			if (n == 1 && me != "n0") { print "a root " me; bad = 1 }
			sum += $2; got++
		}
		END {
			if (got != want) { print got " lines, " want " processes"; bad = 1 }
			if (sum != total) { print "the lines sum to " sum ", the total is " total; bad = 1 }
			printf "lines=%d sum=%d\n", got, sum
			exit bad
		}' "$log" "$out"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == "lines=301 sum="* ]]
}

@test "perfex --tree --folded: on stderr without -o; the command's output and status are its own" {
	run --separate-stderr perfex --tree --folded minor-faults -- \
		sh -c 'pcexits shape forks 1; echo out; exit 3'
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 3 ]
	[ "$output" = out ]
	# sh, then pcexits under it and its 2 children under that
	[ "${#stderr_lines[@]}" -eq 4 ]
	[[ ${stderr_lines[0]} =~ ^sh\ [0-9]+$ ]]
	[[ ${stderr_lines[1]} =~ ^sh\;pcexits\ [0-9]+$ ]]
	[[ ${stderr_lines[2]} =~ ^sh\;pcexits\;pcexits\ [0-9]+$ ]]
	[[ ${stderr_lines[3]} =~ ^sh\;pcexits\;pcexits\ [0-9]+$ ]]
}

@test "perfex --tree --folded: a process that counted 0 keeps its line; those outside the total have none" {
	local out="$BATS_TEST_TMPDIR/out.folded"
	# nothing is read from a disk: no major faults, 7 lines all the same
	run perfex --tree --folded major-faults -e "major-faults minor-faults" \
		-o "$out" -- pcexits shape forks 2
	cat "$out"
	[ "$status" -eq 0 ]
	[ "$(grep -Ec "$LINE" "$out")" -eq 7 ]
	[ "$(grep -c ' 0$' "$out")" -eq 7 ]
	# a child that reprograms leaves the tree: only the root is left
	run perfex --tree --folded minor-faults -o "$out" -- pcexits shape reprogram 1
	cat "$out"
	[ "$status" -eq 0 ]
	[ "$(wc -l < "$out")" -eq 1 ]
	grep -Eq '^pcexits [0-9]+$' "$out"
}

@test "perfex --tree --folded: ';' and control characters in a name become '_', blanks stay" {
	local dir="$BATS_TEST_TMPDIR/bin" out="$BATS_TEST_TMPDIR/out.folded"
	mkdir "$dir"
	# a script's command name is its file's
	local name
	for name in 'semi;colon' 'two words' $'new\nline' $'tab\there'; do
		printf '#!/bin/sh\nexit 0\n' > "$dir/$name"
		chmod +x "$dir/$name"
	done
	run perfex --tree --folded minor-faults -o "$out" -- \
		sh -c 'for f in "$1"/*; do "$f"; done; exit 0' sh "$dir"
	cat "$out"
	[ "$status" -eq 0 ]
	[ "$(wc -l < "$out")" -eq 5 ]
	[ "$(grep -Evc "$LINE" "$out")" -eq 0 ]
	grep -Eq '^sh [0-9]+$' "$out"
	grep -Eq '^sh;semi_colon [0-9]+$' "$out"
	grep -Eq '^sh;two words [0-9]+$' "$out"
	grep -Eq '^sh;new_line [0-9]+$' "$out"
	grep -Eq '^sh;tab_here [0-9]+$' "$out"
}

@test "perfex --tree --folded: an alias is found among the events asked for" {
	local out="$BATS_TEST_TMPDIR/out.folded"
	run perfex --tree --folded cs -e "minor-faults cs" -o "$out" -- \
		pcexits shape forks 1
	cat "$out"
	[ "$status" -eq 0 ]
	[ "$(grep -Ec "$LINE" "$out")" -eq 3 ]
}

@test "perfex --folded: usage errors, status 2, before anything runs" {
	local ran="$BATS_TEST_TMPDIR/ran" args
	for args in "--folded minor-faults" \
		    "--tree --folded minor-faults -x," \
		    "--tree --folded minor-faults --json" \
		    "--tree --folded minor-faults -r 2" \
		    "--tree --folded minor-faults -I 100" \
		    "--threads --folded minor-faults" \
		    "--tree --folded cycles -e minor-faults" \
		    "--tree --folded minor-faults,cs -e minor-faults,cs"; do
		run perfex $args touch "$ran"
		echo "perfex $args: $status: $output"
		[ "$status" -eq 2 ]
		[[ ${lines[0]} == "perfex: --folded"* ]]
		[[ ${lines[1]} == "usage: perfex "* ]]
		[ ! -e "$ran" ]
	done
	run perfex --tree --folded minor-faults -p 1
	[ "$status" -eq 2 ]
	[[ ${lines[0]} == "perfex: --folded draws a command's process tree"* ]]
	run perfex --tree --folded
	[ "$status" -eq 2 ]
	[[ ${lines[0]} == "perfex: option '--folded' needs an argument" ]]
	run perfex --help
	[[ $output == *"--folded EVENT"* ]]
}
