#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Hardware counters that are not counting are never shown as counts: a
# pinned hardware event the PMU cannot hold goes to perf's error state, and
# every interface says so (Documentation/perfctr.rst, "Not counted").  The
# arm64 guest's PMUv3 holds 7 events (6 event counters and the cycle
# counter); x86 under TCG has no PMU, and these tests skip there.

load helpers
bats_require_minimum_version 1.5.0	# run -N

setup() {
	if ! have_pmu; then
		skip "no PMU in this guest (QEMU TCG): hardware events cannot be counted"
	fi
}

teardown() {
	stop_target
	local pid
	for pid in "${HOG:-}" "${SPINNER:-}"; do
		# SIGKILL: a stopped spinner does not take SIGTERM
		[ -z "$pid" ] || { kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true
	done
	rm -f /tmp/nc-fifo.*
}

# not_counted FILE: the number of "<not-counted>" lines of a counts file;
# fails if any other line has no decimal count.
not_counted() {
	awk '$2 == "<not-counted>" { n++; next }
	     $2 !~ /^[0-9]+$/ || NF != 2 { bad = 1 }
	     END { print n + 0; exit bad }' "$1"
}

# start_spinner CONTROL: a process that spins in a shell loop, with CONTROL
# written to it by this shell (root): another task's control.
start_spinner() {
	bash -c 'while :; do :; done' &
	SPINNER=$!
	# after its exec of bash: a control opened before it would refuse the
	# write; the subshell before it is a bash too, but not with this line
	wait_for grep -q 'while :' "/proc/$SPINNER/cmdline"
	echo "$1" > "$(pcf control $SPINNER)"
}

@test "a task's own control with more hardware events than the PMU holds fails with ENOSPC and changes nothing" {
	run bash -c '
		f=$PERFCTR_ROOT/$$/perfctr
		echo task-clock minor-faults instructions:u > $f/control || exit 10
		i=0; while ((i < 20000)); do ((i++)); done
		read -r id0 < $f/id
		mapfile -t c0 < $f/counts
		if echo "'"$PMU_EIGHT"'" > $f/control; then exit 11; fi
		read -r ctl < $f/control
		read -r id1 < $f/id
		mapfile -t c1 < $f/counts
		mapfile -t ch < $f/children
		i=0; while ((i < 2000)); do ((i++)); done
		mapfile -t c2 < $f/counts
		echo "control=$ctl id0=$id0 id1=$id1"
		printf "before %s\n" "${c0[@]}"
		printf "after %s\n" "${c1[@]}"
		printf "later %s\n" "${c2[@]}"
		printf "children %s\n" "${ch[@]}"'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"No space left on device"* ]]
	[[ $output == *"control=task-clock minor-faults instructions:u "* ]]
	[ "$(kv id0 "$output")" = "$(kv id1 "$output")" ]
	[ "$(kv id0 "$output")" != 0 ]
	# the counts went on from where they were: nothing restarted, and the
	# old hardware counter still counts
	local name before after later
	for name in task-clock minor-faults instructions:u; do
		before=$(awk -v n="$name" '$1 == "before" && $2 == n { print $3 }' <<<"$output")
		after=$(awk -v n="$name" '$1 == "after" && $2 == n { print $3 }' <<<"$output")
		[[ $before =~ ^[0-9]+$ && $after =~ ^[0-9]+$ ]]
		[ "$after" -ge "$before" ]
	done
	later=$(awk '$1 == "later" && $2 == "instructions:u" { print $3 }' <<<"$output")
	[ "$later" -gt "$after" ]
	[ "$(grep -c '^children' <<<"$output")" -eq 3 ]
	[ "$(grep -c '^children .* [1-9]' <<<"$output")" -eq 0 ]
}

@test "a task replacing its own hardware events is not refused because of the old ones" {
	# 4 + 4 events: together more than the PMU holds, each set fits
	run bash -c '
		f=$PERFCTR_ROOT/$$/perfctr
		echo cycles instructions cycles:u instructions:u > $f/control || exit 10
		echo cycles:k instructions:k r8:u r8:k > $f/control || exit 11
		i=0; while ((i < 2000)); do ((i++)); done
		mapfile -t c < $f/counts
		printf "%s\n" "${c[@]}"'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	local line
	for line in "${lines[@]}"; do
		[[ $line =~ ^[a-z0-9:]+\ [1-9][0-9]*$ ]]
	done
}

@test "another task's control with more hardware events than the PMU holds: counts say <not-counted> for what does not fit" {
	start_spinner "$PMU_EIGHT"
	sleep 0.5
	kill -STOP "$SPINNER"
	cat "$(pcf counts "$SPINNER")"
	run not_counted "$(pcf counts "$SPINNER")"
	[ "$status" -eq 0 ]
	[ "$output" -eq 1 ]	# 7 counters for 8 events
	# the first ones were scheduled first, and count
	[ "$(value cycles "$(pcf counts "$SPINNER")")" -gt 0 ]
	[ "$(value instructions "$(pcf counts "$SPINNER")")" -gt 0 ]
	# a control that fits counts again
	echo instructions:u > "$(pcf control "$SPINNER")"
	kill -CONT "$SPINNER"
	sleep 0.2
	kill -STOP "$SPINNER"
	[ "$(value instructions:u "$(pcf counts "$SPINNER")")" -gt 0 ]
}

@test "a child that inherits such a control: the parent's children and the exit record say <not-counted>, until the next write" {
	local go=/tmp/nc-fifo.go.$RANDOM ready=/tmp/nc-fifo.ready.$RANDOM
	mkfifo "$go" "$ready"
	(
		read -r _ < "$go"
		pcnc spin 100000
		echo ready > "$ready"
		exec pctest pause
	) &
	TARGET=$!
	echo "$PMU_EIGHT" > "$(pcf control "$TARGET")"
	local exfd	# not 3: bats writes its results there
	exec {exfd}< "$(pcf exits "$TARGET")"
	echo go > "$go"
	read -r _ < "$ready"
	cat "$(pcf children "$TARGET")"
	run not_counted "$(pcf children "$TARGET")"
	[ "$status" -eq 0 ]
	[ "$output" -ge 1 ]
	[ "$(value instructions "$(pcf children "$TARGET")")" -gt 0 ]
	# the record of the child: 8 own counts and 8 children counts
	# a read needs room for a whole record: not bash's read
	record=$(timeout 10 head -n 1 <&"$exfd")
	exec {exfd}<&-
	echo "$record"
	[[ $record == "task "*" pcnc "* ]]
	local -a f=($record)
	[ "${#f[@]}" -eq $((9 + 16)) ]
	[[ " ${f[*]:9:8} " == *" <not-counted> "* ]]
	[[ ! " ${f[*]:17:8} " == *"<"* ]]
	# sticky until the next control write
	echo instructions > "$(pcf control "$TARGET")"
	[ "$(cat "$(pcf children "$TARGET")")" = "instructions 0" ]
}

@test "an event that counted goes to error when another user's pinned events take the PMU: counts say so, and a self write is refused" {
	start_spinner "instructions:u cycles:u"
	sleep 0.2
	[ "$(value instructions:u "$(pcf counts "$SPINNER")")" -gt 0 ]
	start_hog
	sleep 0.2
	cat "$(pcf counts "$SPINNER")"
	[ "$(cat "$(pcf counts "$SPINNER")")" = $'instructions:u <not-counted>\ncycles:u <not-counted>' ]
	run bash -c 'echo instructions:u > $PERFCTR_ROOT/$$/perfctr/control'
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"No space left on device"* ]]
	# an error is for good: the counters are free again, the count is not
	kill "$HOG"
	wait "$HOG" || true
	HOG=
	sleep 0.2
	[ "$(value cycles:u "$(pcf counts "$SPINNER")")" = "<not-counted>" ]
}

@test "an event that went to error while its task ran: the task's final counts say <not-counted> after perf tore it down" {
	local pidfile=$BATS_TEST_TMPDIR/spinner
	# a parent that never reaps: the spinner stays a zombie once it died
	bash -c 'bash -c "while :; do :; done" & echo $! > "$1"; exec pctest pause' _ "$pidfile" &
	TARGET=$!
	wait_for test -s "$pidfile"
	SPINNER=$(cat "$pidfile")
	# after its exec: before it the child is a copy of its parent
	wait_for grep -qzx 'while :; do :; done' "/proc/$SPINNER/cmdline"
	echo "instructions:u cycles:u" > "$(pcf control "$SPINNER")"
	sleep 0.2
	[ "$(value instructions:u "$(pcf counts "$SPINNER")")" -gt 0 ]
	start_hog
	sleep 0.2
	[ "$(cat "$(pcf counts "$SPINNER")")" = $'instructions:u <not-counted>\ncycles:u <not-counted>' ]
	# it dies running: its events are torn down in the error state
	kill -9 "$SPINNER"
	wait_for grep -q '^State:.*zombie' "/proc/$SPINNER/status"
	cat "$(pcf counts "$SPINNER")"
	[ "$(cat "$(pcf counts "$SPINNER")")" = $'instructions:u <not-counted>\ncycles:u <not-counted>' ]
}

@test "perfex prints <not counted>, never a number, in its three formats" {
	local cmd='coproc H { exec pcnc hog 7; }; read -r r <&"${H[0]}"; pcnc spin 100000; kill $H_PID; wait'
	run perfex -x, -e instructions:u -- bash -c "$cmd"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx '<not counted>,<not counted>,<not counted>,instructions:u' <<<"$output"
	run perfex --json -e instructions:u -- bash -c "$cmd"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *'"self": {"instructions:u": "<not counted>"}'* ]]
	[[ $output == *'"children": {"instructions:u": "<not counted>"}'* ]]
	[[ $output == *'"total": {"instructions:u": "<not counted>"}'* ]]
	run perfex -e instructions:u -- bash -c "$cmd"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -Eq '^ +<not counted> +<not counted> +<not counted> +instructions:u$' <<<"$output"
	[ "$(grep -c '[0-9] *instructions:u' <<<"$output")" -eq 0 ]
}

@test "perfex --tree: not-counted exit records, every process <not counted>, the tree still adds up" {
	local cmd='coproc H { exec pcnc hog 7; }; read -r r <&"${H[0]}"; pcnc spin 100000; kill $H_PID; wait'
	run perfex --tree --json -e instructions:u -- bash -c "$cmd"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *'"complete": true'* ]]
	# the root and its two children, own counts and subtrees
	[ "$(grep -o '"self": {"instructions:u": "<not counted>"}' <<<"$output" | wc -l)" -ge 3 ]
	[ "$(grep -o '"subtree": {"instructions:u": "<not counted>"}' <<<"$output" | wc -l)" -ge 3 ]
	[ "$(grep -c '"instructions:u": [0-9]' <<<"$output")" -eq 0 ]
}

@test "perfex -p: a followed process's samples say <not counted>, count and delta alike" {
	start_spinner "$PMU_EIGHT"
	sleep 0.3
	run perfex -x, -p "$SPINNER" -I 100 --count 2
	echo "$output"
	[ "$status" -eq 0 ]
	# time,count,delta,children,event: 2 samples of 8 events
	[ "$(grep -Ec '^[0-9.]+,<not counted>,<not counted>,0,[a-z0-9:]+$' <<<"$output")" -eq 2 ]
	[ "$(grep -Ec '^[0-9.]+,[0-9]+,[0-9]+,0,[a-z0-9:]+$' <<<"$output")" -eq 14 ]
}

@test "perfex says why a command's own control with too many hardware events is refused" {
	run perfex -e "$PMU_EIGHT" -- true
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"No space left on device"* ]]
	[[ $output == *"cannot hold"* ]]
}

@test "libperfctr: ENOSPC for the thread itself, PERFCTR_NOT_COUNTED for another task" {
	lib_not_counted
}

@test "perfex without -e on a PMU whose counters are taken: the software events, and a line on stderr" {
	start_hog
	# the counts go to stderr too, unless -o sends them elsewhere
	run --separate-stderr perfex -x, -o "$BATS_TEST_TMPDIR/counts" true
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ $stderr == *"the PMU has no counter free: no cycles and instructions"* ]]
	output=$(cat "$BATS_TEST_TMPDIR/counts")
	mapfile -t lines < "$BATS_TEST_TMPDIR/counts"
	echo "$output"
	[ "${#lines[@]}" -eq 5 ]
	csv_field() { awk -F, -v e="$1" '$NF == e { print $3; f = 1 } END { exit !f }' <<<"$output"; }
	csv_field task-clock
}
