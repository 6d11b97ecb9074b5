#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# perfex(1), the command-line tool: running a command with counters (self,
# children, total), its exit status, the three output formats, following a
# process with -p, errors, and the user-mode fallback under
# perf_event_paranoid.
#
# A command's report goes to standard error, which `run` merges into
# $output; tests that must tell it from perfex's notices or from the
# command's output use --separate-stderr or -o FILE.

load helpers
bats_require_minimum_version 1.5.0	# run -N

teardown() {
	stop_target
	local pid
	for pid in "${HOLDER:-}" "${SLEEPER:-}" "${POLLER:-}"; do
		[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true
	done
	[ -z "${PARANOID:-}" ] || echo "$PARANOID" > /proc/sys/kernel/perf_event_paranoid
}

# csv_field N EVENT TEXT: field N of the CSV line of EVENT (the last field).
csv_field() {
	awk -F, -v n="$1" -v e="$2" '$NF == e { print $n; found = 1 } END { exit !found }' <<<"$3"
}

# json_count KEY EVENT: EVENT's count in the object KEY ("self",
# "children", "total") of the JSON document in $output.
json_count() {
	awk -v k="\"$1\":" -v e="\"$2\":" '
		$1 == k {
			for (i = 2; i < NF; i++)
				if ($i == e || $i == "{" e) {
					v = $(i + 1)
					gsub(/[,}]/, "", v)
					print v
					found = 1
				}
		}
		END { exit !found }' <<<"$output"
}

@test "perfex -x: self, children and total per event; a command's sleeps switch in its children" {
	run perfex -x, -e "context-switches minor-faults" \
		bash -c 'for i in 1 2 3; do sleep 0.01; done'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	IFS=, read -r self children total name <<<"${lines[0]}"
	[ "$name" = context-switches ]
	[ "$children" -ge 3 ]
	[ "$self" -ge 3 ]	# bash waits for each sleep
	[ "$total" -eq $((self + children)) ]
	IFS=, read -r self children total name <<<"${lines[1]}"
	[ "$name" = minor-faults ]
	[ "$self" -gt 0 ]
	[ "$children" -gt 0 ]
	[ "$total" -eq $((self + children)) ]
}

@test "perfex without -e: the default events as a table, rates, elapsed, user and sys time" {
	run perfex pctest spin 200
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *" Performance counter stats for 'pctest spin 200':"* ]]
	for ev in task-clock context-switches cpu-migrations minor-faults major-faults; do
		grep -Eq "^ +[0-9,]+ +[0-9,]+ +[0-9,]+  $ev( |\$)" <<<"$output"
	done
	grep -Eq '  task-clock +# +[0-9]+\.[0-9]{3} CPUs utilized$' <<<"$output"
	grep -Eq '^ +[0-9]+\.[0-9]+ seconds time elapsed$' <<<"$output"
	grep -Eq '^ +[0-9]+\.[0-9]+ seconds user$' <<<"$output"
	grep -Eq '^ +[0-9]+\.[0-9]+ seconds sys$' <<<"$output"
	# the spin's CPU time, in the command's own count: most of the time
	# elapsed, and no more than all of it (10% for the clocks'
	# granularity); guest time follows the host's load, so no fixed figure
	read -r self children total <<<"$(awk '$4 == "task-clock" { gsub(",", ""); print $1, $2, $3 }' <<<"$output")"
	elapsed=$(awk '$2 == "seconds" && $3 == "time" { printf "%.0f\n", $1 * 1e9 }' <<<"$output")
	echo "self $self ns, elapsed $elapsed ns"
	[ $((self * 2)) -ge "$elapsed" ]
	[ $((self * 10)) -le $((elapsed * 11)) ]
	[ "$total" -eq $((self + children)) ]
}

@test "perfex without -e: cycles and instructions where a PMU counts them, with instructions per cycle; left out silently where none does" {
	PARANOID=$(cat /proc/sys/kernel/perf_event_paranoid)
	echo 2 > /proc/sys/kernel/perf_event_paranoid
	local out=$BATS_TEST_TMPDIR/counts
	run --separate-stderr perfex -x, -o "$out" pctest spin 50
	echo "stdout: $output"
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	output=$(cat "$out")
	mapfile -t lines < "$out"
	echo "$output"
	csv_field 3 task-clock "$output"
	if ! have_pmu; then
		# x86 under TCG: no PMU, the five software events alone
		[ "${#lines[@]}" -eq 5 ]
		! grep -q 'cycles\|instructions' <<<"$output"
		return
	fi
	[ "${#lines[@]}" -eq 7 ]
	[ "$(csv_field 4 cycles "$output")" = cycles ]
	[ "$(csv_field 3 instructions "$output")" -gt 0 ]
	run perfex pctest spin 50
	echo "$output"
	grep -Eq '  instructions +# +[0-9]+\.[0-9]{3} insn per cycle$' <<<"$output"
	# a user at paranoid 2: user mode only, said on stderr, before the
	# counts (which are on stderr too: CSV lines have commas, notes not)
	run --separate-stderr runas 1000 1000 perfex -x, true
	echo "$output"; echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ $stderr == *"counting user mode only (:u)"* ]]
	[ "$(csv_field 4 instructions:u "$stderr")" = instructions:u ]
	# paranoid 3: no perf event at all for a user; the software five
	echo 3 > /proc/sys/kernel/perf_event_paranoid
	run --separate-stderr runas 1000 1000 perfex -x, true
	echo "$output"; echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[[ $stderr == *"perf_event_paranoid is 3: no cycles and instructions"* ]]
	[ "$(grep -c , <<<"$stderr")" -eq 5 ]
}

@test "perfex exits with the command's status, 128 + N if signal N killed it, and still prints" {
	run perfex -x, true
	[ "$status" -eq 0 ]
	run perfex -x, false
	[ "$status" -eq 1 ]
	run perfex -x, bash -c 'exit 7'
	[ "$status" -eq 7 ]
	run perfex -x, bash -c 'kill -TERM $$'
	echo "$output"
	[ "$status" -eq 143 ]
	csv_field 3 task-clock "$output"
	run perfex --json bash -c 'kill -TERM $$'
	echo "$output"
	[ "$status" -eq 143 ]
	grep -qx '  "exit_status": 143,' <<<"$output"
	grep -qx '  "signal": 15,' <<<"$output"
	run perfex bash -c 'kill -KILL $$'
	echo "$output"
	[ "$status" -eq 137 ]
	[[ $output == *" command killed by signal 9 (Killed)"* ]]
	# counts that cannot be written: said, and still the command's status
	run perfex -x, -o /dev/full bash -c 'exit 5'
	echo "$output"
	[ "$status" -eq 5 ]
	[[ $output == *"perfex: /dev/full: write error"* ]]
}

@test "a set-uid exec clears the counters: perfex says so, prints the times, and exits with the command's status" {
	cp "$(command -v pctest)" /tmp/pctest-setuid
	chown 0:0 /tmp/pctest-setuid
	chmod 4755 /tmp/pctest-setuid
	# pctest without arguments: its usage on stderr, status 64
	run --separate-stderr runas 1000 1000 perfex /tmp/pctest-setuid
	echo "stdout: $output"; echo "stderr: $stderr"
	[ "$status" -eq 64 ]
	grep -Eq '^perfex: (/tmp/pctest-setuid had no counters when it exited: it cleared its control, or exec.d a set-uid or set-gid program|cannot read the counters of /tmp/pctest-setuid: )' <<<"$stderr"
	[[ $stderr == *"usage: pctest touch PAGES"* ]]
	[[ $stderr == *"Performance counter stats for '/tmp/pctest-setuid':"* ]]
	[[ $stderr == *"  (no counts)"* ]]
	grep -Eq '^ +[0-9]+\.[0-9]+ seconds time elapsed$' <<<"$stderr"
	[ "$(grep -c task-clock <<<"$stderr")" -eq 0 ]
	# JSON: a document with the status and no events
	run --separate-stderr runas 1000 1000 perfex --json /tmp/pctest-setuid cat /proc/self/status
	echo "stdout: $output"; echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[[ $output == *"Uid:"* ]]
	grep -qx '  "exit_status": 0,' <<<"$stderr"
	grep -qx '  "events": \[\],' <<<"$stderr"
	grep -qx '  "total": {}' <<<"$stderr"
	rm -f /tmp/pctest-setuid
}

@test "a command that cannot run: 127 if it is not found, 126 if it is not executable" {
	run -127 perfex no-such-command-for-perfex
	echo "$output"
	[[ $output == *"perfex: no-such-command-for-perfex: No such file or directory"* ]]
	f=$BATS_TEST_TMPDIR/not-executable
	printf '#!/bin/sh\necho RAN-IT\n' > "$f"
	chmod 0644 "$f"
	run perfex "$f"
	echo "$output"
	[ "$status" -eq 126 ]
	[[ $output == *"perfex: $f: Permission denied"* ]]
	[[ $output != *RAN-IT* ]]
}

@test "faults: the command's own in self, its descendants' in children, equal to rusage on a tree" {
	run perfex -x, -e minor-faults pctest touch 100
	echo "$output"
	[ "$status" -eq 0 ]
	IFS=, read -r self children total name <<<"$output"
	[ "$name" = minor-faults ]
	[ "$self" -ge 100 ]
	[ "$children" -eq 0 ]
	[ "$total" -eq "$self" ]

	run perfex -x, -e minor-faults bash -c 'pctest touch 50; pctest touch 50'
	echo "$output"
	[ "$status" -eq 0 ]
	IFS=, read -r self children total name <<<"$output"
	[ "$children" -ge 100 ]
	[ "$total" -eq $((self + children)) ]

	# pctest compares its own children counts with its getrusage(); perfex
	# reads the same children counts from the zombie pctest
	out=$BATS_TEST_TMPDIR/counts
	run perfex -x, -e "minor-faults major-faults" -o "$out" pctest tree 2 3 20
	echo "$output"
	cat "$out"
	[ "$status" -eq 0 ]
	[ "$(kv children_minor "$output")" = "$(kv rusage_minor "$output")" ]
	[ "$(kv children_minor "$output")" -ge $((12 * 20)) ]
	[ "$(csv_field 2 minor-faults "$(cat "$out")")" = "$(kv children_minor "$output")" ]
	[ "$(csv_field 2 major-faults "$(cat "$out")")" = "$(kv children_major "$output")" ]
}

@test "--json: one document with the command, status, times, events, and total = self + children" {
	run perfex --json -e "cs,minor-faults" bash -c 'sleep 0.01; exit 3' 'a"b\c'
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = "{" ]
	[ "${lines[${#lines[@]} - 1]}" = "}" ]
	# every key line but the last ends with a comma
	awk '{ l[NR] = $0 }
	     END {
		for (i = 2; i < NR - 1; i++)
			if (l[i] !~ /,$/)
				exit 1
		exit !(l[NR] == "}" && l[NR - 1] !~ /,$/)
	     }' <<<"$output"
	grep -qx '  "command": \["bash", "-c", "sleep 0.01; exit 3", "a\\"b\\\\c"\],' <<<"$output"
	grep -Eqx '  "pid": [0-9]+,' <<<"$output"
	grep -qx '  "exit_status": 3,' <<<"$output"
	grep -qx '  "signal": 0,' <<<"$output"
	grep -Eqx '  "elapsed_ns": [0-9]+,' <<<"$output"
	grep -Eqx '  "user_ns": [0-9]+,' <<<"$output"
	grep -Eqx '  "system_ns": [0-9]+,' <<<"$output"
	grep -qx '  "lost": 0,' <<<"$output"
	grep -qx '  "events": \["context-switches", "minor-faults"\],' <<<"$output"
	for ev in context-switches minor-faults; do
		self=$(json_count self "$ev")
		children=$(json_count children "$ev")
		total=$(json_count total "$ev")
		echo "$ev: $self + $children = $total"
		[ "$total" -eq $((self + children)) ]
	done
	[ "$(json_count children context-switches)" -ge 1 ]
}

@test "the report goes to standard error; standard output is the command's alone" {
	local out=$BATS_TEST_TMPDIR/stdout err=$BATS_TEST_TMPDIR/stderr
	perfex -x, -e cs echo hello > "$out" 2> "$err"
	cat "$out" "$err"
	[ "$(cat "$out")" = hello ]
	grep -Eqx '[0-9]+,[0-9]+,[0-9]+,context-switches' "$err"
	[ "$(grep -c . "$err")" -eq 1 ]
	# JSON too: a pipe gets the command's output, stderr the document
	run --separate-stderr bash -c 'perfex --json -e cs -- bash -c "echo out; echo err >&2" | tr a-z A-Z'
	echo "stdout: $output"; echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = OUT ]
	[ "${stderr%%$'\n'*}" = err ]
	grep -qx '  "events": \["context-switches"\],' <<<"$stderr"
	grep -qx '}' <<<"$stderr"
	# the table as well
	run --separate-stderr perfex -e cs -- echo hello
	echo "stdout: $output"; echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	[[ $stderr == *"Performance counter stats for 'echo hello':"* ]]
}

@test "-o FILE gets the counts, created or truncated; standard output has only the command's" {
	f=$BATS_TEST_TMPDIR/out.csv
	printf 'stale\nlines\n' > "$f"
	run perfex -x, -e cs -o "$f" echo hello
	echo "$output"
	cat "$f"
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	[ "$(grep -c . "$f")" -eq 1 ]
	grep -Eqx '[0-9]+,[0-9]+,[0-9]+,context-switches' "$f"
	rm -f "$f"
	run perfex --json -o "$f" true
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	grep -q '"task-clock"' "$f"
}

@test "-o FILE --append: each run's counts after the last" {
	f=$BATS_TEST_TMPDIR/out.csv
	echo '# first line' > "$f"
	run perfex -x, -e cs -o "$f" --append true
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run perfex -x, -e minor-faults --append -o "$f" false
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	cat "$f"
	[ "$(grep -c . "$f")" -eq 3 ]
	[ "$(sed -n 1p "$f")" = '# first line' ]
	grep -Eqx '[0-9]+,[0-9]+,[0-9]+,context-switches' <(sed -n 2p "$f")
	grep -Eqx '[0-9]+,[0-9]+,[0-9]+,minor-faults' <(sed -n 3p "$f")
}

@test "an inherited SIGCHLD ignored: perfex still counts, and the command still gets it ignored" {
	# bash's trap '' CHLD passes SIG_IGN on through exec; SIGCHLD is
	# signal 17, bit 16 (0x10000) of /proc/PID/status's SigIgn
	run --separate-stderr bash -c "trap '' CHLD; exec perfex -x, -e minor-faults -- grep SigIgn /proc/self/status"
	echo "stdout: $output"; echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	mask=$(awk '$1 == "SigIgn:" { print $2 }' <<<"$output")
	[ $((0x$mask & 0x10000)) -ne 0 ]
	grep -Eqx '[1-9][0-9]*,0,[1-9][0-9]*,minor-faults' <<<"$stderr"
	# without the trap, the command does not get it ignored
	run --separate-stderr perfex -x, -e minor-faults -- grep SigIgn /proc/self/status
	mask=$(awk '$1 == "SigIgn:" { print $2 }' <<<"$output")
	echo "$mask"
	[ $((0x$mask & 0x10000)) -eq 0 ]
	# the counts are right, and so is the status
	run --separate-stderr bash -c "trap '' CHLD; exec perfex -x, -e minor-faults -- pctest touch 200"
	echo "stdout: $output"; echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "$(csv_field 1 minor-faults "$stderr")" -ge 200 ]
	run --separate-stderr bash -c "trap '' CHLD; exec perfex -x, -e cs -- bash -c 'exit 9'"
	echo "stdout: $output"; echo "stderr: $stderr"
	[ "$status" -eq 9 ]
	csv_field 3 context-switches "$stderr"
}

@test "a bad event: status 1, and the message names it; too many events: E2BIG" {
	run perfex -e "context-switches no-such-event" true
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"perfex: cannot program counters: Invalid argument (context-switches no-such-event)"* ]]
	[[ $output == *"'no-such-event'"* ]]
	run perfex -e "minor-faults:ku" true
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"'minor-faults:ku'"* ]]
	many="tsc task-clock cs cpu-migrations minor-faults major-faults"
	many+=" voluntary-switches involuntary-switches cs:u cs:k cs:uk"
	many+=" minor-faults:u minor-faults:k minor-faults:uk"
	many+=" major-faults:u major-faults:k major-faults:uk"
	run perfex -e "$many" true
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"Argument list too long"* ]]
	[[ $output == *"at most 16 events"* ]]
}

@test "-p samples a process's counters: N samples, deltas add up to the last count" {
	start_target "context-switches minor-faults" 50
	run timeout 120 perfex -x, -p "$TARGET" -I 200 --count 3
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c ',minor-faults$' <<<"$output")" -eq 3 ]
	[ "$(grep -c ',context-switches$' <<<"$output")" -eq 3 ]
	for ev in context-switches minor-faults; do
		sum=$(awk -F, -v e="$ev" '$5 == e { s += $3 } END { print s }' <<<"$output")
		last=$(awk -F, -v e="$ev" '$5 == e { c = $2 } END { print c }' <<<"$output")
		[ "$sum" -eq "$last" ]
	done
	# the target reaped a child that touched 50 pages
	kids=$(awk -F, '$5 == "minor-faults" { c = $4 } END { print c }' <<<"$output")
	[ "$kids" -ge 50 ]
	# times in seconds, growing
	awk -F, '$1 !~ /^[0-9]+\.[0-9]{9}$/ || $1 < t { exit 1 } { t = $1 }' <<<"$output"

	run timeout 120 perfex -p "$TARGET" -I 100 --count 2
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[1]} == "#"*time*count*delta*children*event ]]
	[ "$(grep -Ec '^ +[0-9]+\.[0-9]{3} +[0-9,]+ +[0-9,]+ +[0-9,]+  minor-faults$' <<<"$output")" -eq 2 ]

	run timeout 120 perfex --json -p "$TARGET" -I 100 --count 2
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	for line in "${lines[@]}"; do
		[[ $line == "{\"time_ns\": "*", \"pid\": $TARGET, \"exited\": false, "*"\"events\": [\"context-switches\", \"minor-faults\"], \"count\": {"*"}, \"delta\": {"*"}, \"children\": {"*"}}" ]]
	done
}

@test "-p follows a process until it exits, and its last line has the final counts" {
	# the process's parent becomes a sleep that never reaps it: once it
	# exits, it stays a zombie whose counts file keeps the final counts
	bash -c 'echo "context-switches task-clock" > $PERFCTR_ROOT/$$/perfctr/control || exit 1
		(for i in 1 2 3 4 5 6; do sleep 0.1; done) &
		echo $! > "$1"
		exec sleep 600' _ "$BATS_TEST_TMPDIR/pid" &
	HOLDER=$!
	wait_for [ -s "$BATS_TEST_TMPDIR/pid" ]
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	run timeout 120 perfex -x, -p "$pid" -I 100
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(awk -F: '$1 == "State" { print $2 }' "/proc/$pid/status" | tr -d ' \t' | cut -c1)" = Z ]
	final=$(value context-switches "$(pcf counts "$pid")")
	last=$(awk -F, '$5 == "context-switches" { c = $2 } END { print c }' <<<"$output")
	sum=$(awk -F, '$5 == "context-switches" { s += $3 } END { print s }' <<<"$output")
	echo "final $final, last $last, sum of deltas $sum"
	[ "$last" -eq "$final" ]
	[ "$sum" -eq "$final" ]
	[ "$final" -ge 6 ]
	kids=$(awk -F, '$5 == "context-switches" { c = $4 } END { print c }' <<<"$output")
	[ "$kids" -eq "$(value context-switches "$(pcf children "$pid")")" ]
	[ "$kids" -ge 6 ]

	# on the zombie: one sample, its final counts, marked as such
	run timeout 60 perfex -p "$pid" -I 100
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c ' context-switches$' <<<"$output")" -eq 1 ]
	[ "${lines[${#lines[@]} - 1]}" = "# $pid exited: the last counts are its final counts" ]
	run timeout 60 perfex --json -p "$pid"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"\"exited\": true"* ]]
	[[ $output == *"\"count\": {\"context-switches\": $final, "* ]]
}

@test "-p stops at SIGINT with one last sample and status 0" {
	start_target "context-switches" 10
	# a background job starts with SIGINT ignored: perfex catches it anyway
	perfex -x, -p "$TARGET" -I 100 > "$BATS_TEST_TMPDIR/out" &
	POLLER=$!
	wait_for [ -s "$BATS_TEST_TMPDIR/out" ]
	kill -INT "$POLLER"
	status=0
	wait "$POLLER" || status=$?
	POLLER=
	cat "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	[ "$(grep -c ',context-switches$' "$BATS_TEST_TMPDIR/out")" -ge 2 ]
}

@test "-p refuses a process that does not exist, or one without counters" {
	run perfex -p 999999
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"perfex: 999999: no such process"* ]]
	bash -c 'echo > $PERFCTR_ROOT/$$/perfctr/control; exec sleep 600' &
	SLEEPER=$!
	# until the exec: the clear above was written by then
	wait_for grep -qx sleep "/proc/$SLEEPER/comm"
	run perfex -p "$SLEEPER"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"perfex: $SLEEPER has no counters"* ]]
}

@test "usage: --help on stdout with status 0; perfex's own argument errors, status 2" {
	run bash -c 'perfex --help 2>/dev/null'
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "usage: perfex "* ]]
	[[ $output == *"-r, --repeat N"* ]]
	[[ $output == *"perfex -p PID [-e EVENTS]"* ]]
	[[ $output == *"with COMMAND: every MSEC ms"* ]]
	run bash -c 'perfex 2>/dev/null'
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	run perfex
	[[ $output == *"no command"* ]]
	for args in "-x" "--bogus true" "-x, --json true" "-p 1 true" \
		    "-p 1 -e ," "--count 2 -I 100 true" "--count 2 true" \
		    "-p 0" "-p 1 -I 0" "-e , true" "--append true" \
		    "--append -p 1" "-r 0 true" "-r x true" "-r 2x true" \
		    "-r 100001 true" "-r 2 -p 1" "-r 2 -I 100 true" \
		    "-I 0 true" "-I 100 --tree true"; do
		run perfex $args
		echo "perfex $args: $status: $output"
		[ "$status" -eq 2 ]
		[[ ${lines[1]} == "usage: perfex "* ]]
	done
	# -r with --tree: refused before anything runs
	run perfex -r 2 --tree touch "$BATS_TEST_TMPDIR/ran"
	echo "$output"
	[ "$status" -eq 2 ]
	[[ ${lines[0]} == "perfex: -r and --tree exclude each other"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	# options after the command are the command's
	run --separate-stderr perfex -x, -e cs bash -c 'echo "$1"' _ --json
	[ "$status" -eq 0 ]
	[ "$output" = --json ]
}

@test "a user at perf_event_paranoid 2: perf events fall back to user mode (:u), said on stderr" {
	PARANOID=$(cat /proc/sys/kernel/perf_event_paranoid)
	echo 2 > /proc/sys/kernel/perf_event_paranoid
	run runas 1000 1000 perfex -x, -e "page-faults minor-faults" pctest touch 20
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "perfex: perf_event_paranoid forbids kernel-mode counting; counting user mode only (:u)" ]
	[ "$(csv_field 1 page-faults:u "$output")" -ge 20 ]
	[ "$(csv_field 1 minor-faults "$output")" -ge 20 ]
	# the accounting events need nothing: no fallback, no notice
	run runas 1000 1000 perfex -x, -e "minor-faults cs" true
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	# root may count kernel mode: no fallback either
	run perfex -x, -e page-faults true
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	csv_field 1 page-faults "$output"
	# level 3 (Debian's), where the kernel has it: no perf event at all,
	# and the fallback fails too
	echo 3 > /proc/sys/kernel/perf_event_paranoid
	run runas 1000 1000 pctest write $PERFCTR_ROOT/self/perfctr/control page-faults:u
	if [ "$output" = EACCES ]; then
		run runas 1000 1000 perfex -x, -e page-faults true
		echo "$output"
		[ "$status" -eq 1 ]
		[[ $output == *"cannot program counters: Permission denied (page-faults:u)"* ]]
		[[ $output == *"perf_event_paranoid is 3"* ]]
	fi
}

# stats_of VALUES: the mean and the standard deviation of the mean in
# percent of it, as perfex -r prints them ("%.2f %.2f").  The guest's awk
# has no sqrt(): Newton's iteration does.
stats_of() {
	awk '{ for (i = 1; i <= NF; i++) { x[++n] = $i; s += $i } }
	     END {
		m = s / n
		for (i = 1; i <= n; i++)
			q += (x[i] - m) * (x[i] - m)
		v = q / (n - 1) / n
		r = v > 1 ? v : 1
		for (i = 0; i < 100; i++)
			r = (r + v / r) / 2
		printf "%.2f %.2f\n", m, 100 * (v > 0 ? r : 0) / m
	     }' <<<"$1"
}

@test "-r 3: the means of self, children and total over the runs, each with the deviation of its mean" {
	# each run's pctest tree touches 10 pages more per process than the
	# last (no fork before the exec: the children counts are pctest's)
	local f=$BATS_TEST_TMPDIR/pages out=$BATS_TEST_TMPDIR/counts
	echo 0 > "$f"
	cmd='read -r n < "$1"; n=$((n + 10)); echo $n > "$1"; exec pctest tree 2 3 $n'
	run --separate-stderr perfex -r 3 --json -e "minor-faults cs" -o "$out" bash -c "$cmd" _ "$f"
	echo "stdout: $output"; echo "stderr: $stderr"; cat "$out"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(cat "$f")" -eq 30 ]
	kids=$(grep -o 'children_minor=[0-9]*' <<<"$output" | cut -d= -f2)
	[ "$(wc -l <<<"$kids")" -eq 3 ]
	read -r mean rsd <<<"$(stats_of "$kids")"
	echo "pctest's children: $kids; mean $mean, +- $rsd%"
	output=$(cat "$out")
	grep -qx '  "runs": 3,' <<<"$output"
	grep -qx '  "repeat": 3,' <<<"$output"
	grep -qx '  "exit_status": 0,' <<<"$output"
	[ "$(json_count children minor-faults)" = "$mean" ]
	[ "$(json_count children_stddev_pct minor-faults)" = "$rsd" ]
	# the runs differ by 120 faults: a deviation that shows
	awk -v r="$rsd" 'BEGIN { exit !(r > 0) }'
	self=$(json_count self minor-faults)
	total=$(json_count total minor-faults)
	awk -v s="$self" -v c="$mean" -v t="$total" \
		'BEGIN { d = t - s - c; exit !(d < 0.011 && d > -0.011) }'
	grep -Eq '^  "total_stddev_pct": \{"minor-faults": [0-9]+\.[0-9]{2}, "context-switches": [0-9]+\.[0-9]{2}\},$' <<<"$output"
	grep -Eq '^  "times_stddev_pct": \{"elapsed": [0-9]+\.[0-9]{2}, ' <<<"$output"

	# CSV: the means, the event, and the total's deviation as perf -x has it
	echo 0 > "$f"
	run --separate-stderr perfex -r 3 -x, -e "minor-faults cs" -o "$out" bash -c "$cmd" _ "$f"
	cat "$out"
	[ "$status" -eq 0 ]
	[ "$(grep -c . "$out")" -eq 2 ]
	kids=$(grep -o 'children_minor=[0-9]*' <<<"$output" | cut -d= -f2)
	read -r mean rsd <<<"$(stats_of "$kids")"
	IFS=, read -r self children total name dev < <(grep ',minor-faults,' "$out")
	[ "$children" = "$mean" ]
	[[ $dev =~ ^[0-9]+\.[0-9]{2}%$ ]]
	grep -Eqx '[0-9]+\.[0-9]{2},[0-9]+\.[0-9]{2},[0-9]+\.[0-9]{2},context-switches,[0-9]+\.[0-9]{2}%' "$out"

	# the table: "(3 runs)", a "( +- x.xx% )" per event and per time
	run --separate-stderr perfex -r 3 -e "minor-faults cs" pctest touch 100
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[[ $stderr == *"Performance counter stats for 'pctest touch 100' (3 runs):"* ]]
	for ev in minor-faults context-switches; do
		grep -Eq "^ +[0-9,]+ +[0-9,]+ +[0-9,]+  $ev .*\( \+- *[0-9]+\.[0-9]{2}% \)\$" <<<"$stderr"
	done
	self=$(awk '$4 == "minor-faults" { gsub(",", ""); print $1 }' <<<"$stderr")
	[ "$self" -ge 100 ]
	grep -Eq '^ +[0-9]+\.[0-9]+ \+- [0-9]+\.[0-9]+ seconds time elapsed  \( \+- *[0-9]+\.[0-9]{2}% \)$' <<<"$stderr"
}

@test "-r: a run that exits non-zero is the last, its status perfex's; the report has the runs done" {
	local f=$BATS_TEST_TMPDIR/n
	echo 0 > "$f"
	run --separate-stderr perfex -r 5 --json -e cs bash -c 'read -r n < "$1"; echo $((n + 1)) > "$1"; exit $((n == 2 ? 3 : 0))' _ "$f"
	echo "stdout: $output"; echo "stderr: $stderr"
	[ "$status" -eq 3 ]
	[ "$(cat "$f")" -eq 3 ]
	[[ $stderr == *"perfex: run 3 of 5 exited with status 3: no more runs"* ]]
	grep -qx '  "runs": 3,' <<<"$stderr"
	grep -qx '  "repeat": 5,' <<<"$stderr"
	grep -qx '  "exit_status": 3,' <<<"$stderr"
	# a killed run: 128 + N, and the table says how many of how many
	run --separate-stderr perfex -r 4 -e cs bash -c 'kill -TERM $$'
	echo "stderr: $stderr"
	[ "$status" -eq 143 ]
	[[ $stderr == *"perfex: run 1 of 4 was killed by signal 15: no more runs"* ]]
	[[ $stderr == *"(1 of 4 runs):"* ]]
	# -r 1: one run, in -r's layout, with no deviation
	run --separate-stderr perfex -r 1 -x, -e cs true
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	grep -Eqx '[0-9]+\.[0-9]{2},[0-9]+\.[0-9]{2},[0-9]+\.[0-9]{2},context-switches,0\.00%' <<<"$stderr"
}

@test "-I with a command: deltas of self, children and total every interval while it runs, adding up to the report's counts" {
	local out=$BATS_TEST_TMPDIR/counts
	run --separate-stderr perfex -I 100 -x, -e "minor-faults cs" -o "$out" \
		bash -c 'for i in 1 2 3 4 5 6 7 8 9 10; do pctest touch 10; sleep 0.1; done'
	echo "stdout: $output"; echo "stderr: $stderr"; cat "$out"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	for ev in minor-faults context-switches; do
		# at least 5 interval lines: the command slept 1 s at least
		[ "$(awk -F, -v e="$ev" 'NF == 5 && $5 == e' "$out" | wc -l)" -ge 5 ]
		# times in seconds, growing
		awk -F, -v e="$ev" 'NF == 5 && $5 == e {
			if ($1 !~ /^[0-9]+\.[0-9]{9}$/ || $1 <= t) exit 1; t = $1 }' "$out"
		# the report: one line of 4 fields, after the interval lines
		[ "$(tail -2 "$out" | awk -F, -v e="$ev" 'NF == 4 && $4 == e' | wc -l)" -eq 1 ]
		for k in 1 2 3; do
			sum=$(awk -F, -v e="$ev" -v k=$((k + 1)) 'NF == 5 && $5 == e { s += $k } END { print s }' "$out")
			final=$(awk -F, -v e="$ev" -v k=$k 'NF == 4 && $4 == e { print $k }' "$out")
			echo "$ev field $k: deltas $sum, report $final"
			[ "$sum" -eq "$final" ]
		done
	done
	# the children grew while it ran: the pctests it reaped, 0.1 s apart
	# at least, in more than one line (a loaded guest may sample late)
	[ "$(awk -F, 'NF == 5 && $5 == "minor-faults" && $3 > 0' "$out" | wc -l)" -ge 2 ]
	[ "$(awk -F, 'NF == 4 && $4 == "minor-faults" { print $2 }' "$out")" -ge 100 ]

	# the table: a header, then the lines, then the report at the end
	run --separate-stderr perfex -I 100 -e cs bash -c 'sleep 0.5'
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[[ ${stderr%%$'\n'*} == "#"*time*self*children*total*event ]]
	[ "$(grep -Ec '^ +[0-9]+\.[0-9]{3} +[0-9,]+ +[0-9,]+ +[0-9,]+  context-switches$' <<<"$stderr")" -ge 2 ]
	[[ $stderr == *"Performance counter stats for 'bash -c sleep 0.5':"* ]]
	# JSON: one object a line, then the document
	run --separate-stderr perfex -I 100 --json -e cs bash -c 'sleep 0.5; exit 4'
	echo "stderr: $stderr"
	[ "$status" -eq 4 ]
	[ "$(grep -c '^{"time_ns": [0-9]*, "events": \["context-switches"\], "self": {"context-switches": [0-9]*}, "children": {"context-switches": [0-9]*}, "total": {"context-switches": [0-9]*}}$' <<<"$stderr")" -ge 2 ]
	grep -qx '  "exit_status": 4,' <<<"$stderr"
}

@test "-p PID -e EVENTS: programs the process, replacing its control, then samples it; a refusal changes nothing" {
	start_target "minor-faults" 50
	read -r id0 < "$(pcf id "$TARGET")"
	[ "$(value minor-faults "$(pcf children "$TARGET")")" -ge 50 ]
	run timeout 120 perfex -x, -p "$TARGET" -e "minor-faults,cs" -I 100 --count 2
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$(pcf control "$TARGET")")" = "minor-faults context-switches" ]
	read -r id1 < "$(pcf id "$TARGET")"
	[ "$id1" -gt "$id0" ]
	[ "$(grep -c ',minor-faults$' <<<"$output")" -eq 2 ]
	[ "$(grep -c ',context-switches$' <<<"$output")" -eq 2 ]
	# a new control: the children counts start from zero (the child
	# that touched 50 pages is gone from them)
	[ "$(awk -F, '$5 == "minor-faults" { c = $4 } END { print c }' <<<"$output")" -eq 0 ]
	[ "$(value minor-faults "$(pcf children "$TARGET")")" -eq 0 ]

	# refused: status 1, the errno said, the control and id as they were
	run perfex -p "$TARGET" -e "cs no-such-event"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"perfex: cannot program $TARGET's counters: Invalid argument (cs no-such-event)"* ]]
	[ "$(cat "$(pcf control "$TARGET")")" = "minor-faults context-switches" ]
	read -r id2 < "$(pcf id "$TARGET")"
	[ "$id2" -eq "$id1" ]
	# another user's process
	run runas 1000 1000 perfex -p "$TARGET" -e cs
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"perfex: cannot program $TARGET's counters: "* ]]
	[[ $output == *"ptrace attach access"* ]]
	[ "$(cat "$(pcf control "$TARGET")")" = "minor-faults context-switches" ]
	run perfex -p 999999 -e cs
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"perfex: 999999: no such process"* ]]
}

@test "-p PID -e EVENTS as the process's owner: kernel-mode perf events refused above perf_event_paranoid 1, ':u' taken" {
	PARANOID=$(cat /proc/sys/kernel/perf_event_paranoid)
	echo 2 > /proc/sys/kernel/perf_event_paranoid
	runas 1000 1000 bash -c 'echo cs > $PERFCTR_ROOT/$$/perfctr/control; exec sleep 600' &
	SLEEPER=$!
	wait_for grep -qx sleep "/proc/$SLEEPER/comm"
	[ "$(cat "$(pcf control "$SLEEPER")")" = context-switches ]
	run runas 1000 1000 perfex -p "$SLEEPER" -e page-faults
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"perfex: cannot program $SLEEPER's counters: Permission denied (page-faults)"* ]]
	[[ $output == *"perf_event_paranoid"* ]]
	[ "$(cat "$(pcf control "$SLEEPER")")" = context-switches ]
	run runas 1000 1000 perfex -x, -p "$SLEEPER" -e page-faults:u --count 1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$(pcf control "$SLEEPER")")" = page-faults:u ]
	csv_field 2 page-faults:u "$output"
}
