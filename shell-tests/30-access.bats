#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Who may read and program whom, privilege-raising exec, remote programming.

load helpers

USER_ID=1000
OTHER_ID=1001
# Yama's ptrace_scope, where the kernel has Yama: Debian's stock kernel
# does; the patched test kernel is built without security modules.
YAMA=/proc/sys/kernel/yama/ptrace_scope

setup_file() {
	# for the last test: every test that changed the scope put it back
	if [ -e $YAMA ]; then
		cat $YAMA > "$BATS_FILE_TMPDIR/yama-scope"
	fi
}

teardown() {
	stop_target
	[ -z "${OTHER:-}" ] || { kill "$OTHER"; wait "$OTHER" || true; }
	[ -z "${SPIN:-}" ] || { kill "$SPIN"; wait "$SPIN" || true; }
	echo "${PARANOID:-2}" > /proc/sys/kernel/perf_event_paranoid
	[ -z "${SCOPE:-}" ] || echo "$SCOPE" > $YAMA
	rm -f /tmp/pctest-ptrace
}

as_user() {
	runas "$USER_ID" "$USER_ID" "$@"
}

@test "an unprivileged user programs and reads its own tasks (user-mode events and tsc)" {
	# perf_event_open(2)'s default level, which lets users count user mode
	# (Debian's kernel boots with 3)
	PARANOID=$(cat /proc/sys/kernel/perf_event_paranoid)
	echo 2 > /proc/sys/kernel/perf_event_paranoid
	run as_user bash -c '
		echo "minor-faults:u tsc" > $PERFCTR_ROOT/$$/perfctr/control || exit 1
		pctest touch 100
		mapfile -t kids < $PERFCTR_ROOT/$$/perfctr/children
		echo "${kids[0]}"'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${output#minor-faults:u }" -ge 100 ]
}

@test "counting kernel mode follows perf_event_paranoid: EACCES above 1, allowed at 1" {
	PARANOID=$(cat /proc/sys/kernel/perf_event_paranoid)
	echo 2 > /proc/sys/kernel/perf_event_paranoid
	run as_user bash -c 'pctest write $PERFCTR_ROOT/self/perfctr/control page-faults'
	[ "$output" = EACCES ]
	run as_user bash -c 'pctest write $PERFCTR_ROOT/self/perfctr/control "minor-faults:k"'
	[ "$output" = EACCES ]
	run as_user bash -c 'pctest write $PERFCTR_ROOT/self/perfctr/control "minor-faults:uk"'
	[ "$output" = EACCES ]
	run as_user bash -c 'echo minor-faults:u > $PERFCTR_ROOT/$$/perfctr/control && exec cat $PERFCTR_ROOT/self/perfctr/control'
	[ "$output" = minor-faults:u ]
	echo 1 > /proc/sys/kernel/perf_event_paranoid
	run as_user bash -c 'echo page-faults minor-faults:uk > $PERFCTR_ROOT/$$/perfctr/control && exec cat $PERFCTR_ROOT/self/perfctr/control'
	[ "$output" = "page-faults minor-faults:uk" ]
}

@test "perf_event_paranoid 3 (Debian): unprivileged users get no perf events, tsc still works" {
	PARANOID=$(cat /proc/sys/kernel/perf_event_paranoid)
	echo 3 > /proc/sys/kernel/perf_event_paranoid
	run as_user bash -c 'pctest write $PERFCTR_ROOT/self/perfctr/control "minor-faults:u"'
	[ "$output" = EACCES ]
	run as_user bash -c 'pctest write $PERFCTR_ROOT/self/perfctr/control "tsc page-faults"'
	[ "$output" = EACCES ]
	run as_user bash -c 'echo tsc > $PERFCTR_ROOT/$$/perfctr/control && exec cat $PERFCTR_ROOT/self/perfctr/control'
	[ "$output" = tsc ]
	run bash -c 'echo minor-faults:uk > $PERFCTR_ROOT/$$/perfctr/control && exec cat $PERFCTR_ROOT/self/perfctr/control'
	[ "$output" = minor-faults:uk ]
}

@test "counters from the task's own accounting need no perf permission, even at paranoid 3" {
	PARANOID=$(cat /proc/sys/kernel/perf_event_paranoid)
	echo 3 > /proc/sys/kernel/perf_event_paranoid
	acct="task-clock minor-faults major-faults context-switches cpu-migrations voluntary-switches involuntary-switches"
	run as_user bash -c 'echo "$1 tsc" > $PERFCTR_ROOT/$$/perfctr/control || exit 1
		pctest touch 100
		cat $PERFCTR_ROOT/$$/perfctr/control
		mapfile -t kids < $PERFCTR_ROOT/$$/perfctr/children
		echo "${kids[1]}"' _ "$acct"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$acct tsc" ]
	read -r name count <<<"${lines[1]}"
	[ "$name" = minor-faults ]
	[ "$count" -ge 100 ]
}

@test "an unprivileged user can neither read nor program root's tasks" {
	start_target "minor-faults cs"
	before=$(snapshot "$TARGET")
	for f in control id counts children; do
		run as_user cat "$(pcf "$f" "$TARGET")"
		echo "$f: $output"
		[ "$status" -ne 0 ]
		[[ $output == *"Permission denied"* ]]
	done
	run as_user pctest write "$(pcf control "$TARGET")" cs
	[ "$output" = EACCES ]
	run as_user pctest write "$(pcf control 1)" cs
	[ "$output" = EACCES ]
	[ "$(snapshot "$TARGET")" = "$before" ]
}

@test "a user may read and program another task of the same user, not of another user" {
	runas "$OTHER_ID" "$OTHER_ID" bash -c 'echo minor-faults:u > $PERFCTR_ROOT/$$/perfctr/control && exec pctest pause' &
	OTHER=$!
	while [ "$(cat "/proc/$OTHER/comm")" != pctest ]; do sleep 0.05; done
	run as_user cat "$(pcf id "$OTHER")"
	[ "$status" -ne 0 ]
	run as_user pctest write "$(pcf control "$OTHER")" cs:u
	[ "$output" = EACCES ]
	[ "$(cat "$(pcf control "$OTHER")")" = minor-faults:u ]
	run runas "$OTHER_ID" "$OTHER_ID" cat "$(pcf control "$OTHER")"
	[ "$output" = minor-faults:u ]
	run runas "$OTHER_ID" "$OTHER_ID" pctest write "$(pcf control "$OTHER")" cs:u
	[ "$output" = ok ]
	[ "$(cat "$(pcf control "$OTHER")")" = context-switches:u ]
}

# A root-owned copy of pctest for each way an exec can raise privilege (or
# make the task non-dumpable), and a plain one.
install_copies() {
	local kind
	for kind in setuid:4755 setgid:2755 filecap:0755 unreadable:0711 plain:0755; do
		cp "$(command -v pctest)" "/tmp/pctest-${kind%:*}"
		chown 0:0 "/tmp/pctest-${kind%:*}"
		chmod "${kind#*:}" "/tmp/pctest-${kind%:*}"
	done
	pctest setcap /tmp/pctest-filecap
}

@test "an exec that makes the task non-dumpable (set-uid, set-gid, file capabilities, unreadable binary) clears the control; a plain exec keeps it" {
	install_copies
	for kind in setuid setgid filecap unreadable plain; do
		run as_user bash -c '
			echo "minor-faults:u tsc" > $PERFCTR_ROOT/$$/perfctr/control || exit 1
			read -r id < $PERFCTR_ROOT/$$/perfctr/id
			echo "$id"
			exec /tmp/pctest-'$kind' cat $PERFCTR_ROOT/self/perfctr/id'
		echo "$kind: $output"
		[ "$status" -eq 0 ]
		if [ "$kind" = plain ]; then
			[ "${lines[1]}" = "${lines[0]}" ]
		else
			[ "${lines[0]}" -gt 0 ]
			[ "${lines[1]}" = 0 ]
		fi
		run as_user bash -c 'echo tsc > $PERFCTR_ROOT/$$/perfctr/control && exec /tmp/pctest-'$kind' cat $PERFCTR_ROOT/self/perfctr/control'
		if [ "$kind" = plain ]; then
			[ "$output" = tsc ]
		else
			[ -z "$output" ]
		fi
	done
}

@test "a set-uid exec: what the task counted before it reaches its parent at reap, the privileged program's own counts do not" {
	install_copies
	for kind in setuid plain; do
		# the inner shell reaps a child that touched 400 pages, then
		# execs a program that touches 2000
		run as_user bash -c '
			echo minor-faults > $PERFCTR_ROOT/$$/perfctr/control || exit 1
			bash -c "pctest touch 400 && exec /tmp/pctest-'$kind' touch 2000"
			read -r _ n < $PERFCTR_ROOT/$$/perfctr/children
			echo "$n"'
		echo "$kind: $output"
		[ "$status" -eq 0 ]
		if [ "$kind" = setuid ]; then
			[ "$output" -ge 400 ]
			[ "$output" -lt 2000 ]
		else
			[ "$output" -ge 2400 ]
		fi
	done
}

@test "root programs and clears a running task without stopping it" {
	pctest spin 20000 &
	SPIN=$!
	# after its exec: a control opened before it would refuse the write
	wait_for grep -qx pctest "/proc/$SPIN/comm"
	echo "task-clock minor-faults" > "$(pcf control "$SPIN")"
	id=$(cat "$(pcf id "$SPIN")")
	[ "$id" -gt 0 ]
	a=$(value task-clock "$(pcf counts "$SPIN")")
	sleep 0.5
	b=$(value task-clock "$(pcf counts "$SPIN")")
	state=$(awk '{ print $3 }' "/proc/$SPIN/stat")
	echo "task-clock $a -> $b, state $state"
	[ "$b" -gt "$a" ]
	[ "$state" = R ]
	echo > "$(pcf control "$SPIN")"
	[ "$(cat "$(pcf id "$SPIN")")" = 0 ]
	[ -z "$(cat "$(pcf counts "$SPIN")")" ]
	kill -0 "$SPIN"
}

@test "a passed descriptor keeps its opener's rights: a user's is no stronger in root's hands" {
	PARANOID=$(cat /proc/sys/kernel/perf_event_paranoid)
	echo 2 > /proc/sys/kernel/perf_event_paranoid
	# the user may not count kernel mode; root writing through the user's
	# descriptor may not either
	run pctest pass user-opens "$USER_ID" page-faults
	echo "$output"
	[ "${lines[0]}" = EACCES ]
	[ "${#lines[@]}" -eq 1 ]
	run pctest pass user-opens "$USER_ID" minor-faults:u
	echo "$output"
	[ "${lines[0]}" = ok ]
	[ "${lines[1]}" = minor-faults:u ]
}

@test "a passed descriptor keeps its opener's rights: root's lets a user count what root may" {
	PARANOID=$(cat /proc/sys/kernel/perf_event_paranoid)
	echo 2 > /proc/sys/kernel/perf_event_paranoid
	run pctest pass root-opens "$USER_ID" "page-faults cs:k"
	echo "$output"
	[ "${lines[0]}" = ok ]
	[ "${lines[1]}" = "page-faults context-switches:k" ]
	# the user's own descriptor on itself may not
	run as_user bash -c 'pctest write $PERFCTR_ROOT/self/perfctr/control page-faults'
	[ "$output" = EACCES ]
}

# Yama: ptrace_scope 1 ("descendants only") restricts ptrace attach, and so
# programming another task, to the task's ancestors and CAP_SYS_PTRACE;
# scope 2 to CAP_SYS_PTRACE.  Reading is ptrace read access, which Yama
# leaves alone.  A refusal is EACCES, as any refused write
# (Documentation/perfctr.rst, Errors).  Never scope 3: it cannot be undone.
require_yama() {
	[ -e $YAMA ] || skip "the kernel has no Yama (CONFIG_SECURITY_YAMA): no $YAMA"
}

# set_scope N: Yama's ptrace_scope N until the test's teardown
set_scope() {
	SCOPE=${SCOPE:-$(cat $YAMA)}
	echo "$1" > $YAMA
	[ "$(cat $YAMA)" = "$1" ]
}

# start_user_task: a task of uid USER_ID, counting tsc, paused, started from
# here: no other process of that user is its ancestor.  Sets OTHER.
start_user_task() {
	# runas itself, not as_user: $! must be the task, not a subshell
	runas "$USER_ID" "$USER_ID" bash -c 'echo tsc > $PERFCTR_ROOT/$$/perfctr/control && exec pctest pause' &
	OTHER=$!
	wait_for grep -qx pctest "/proc/$OTHER/comm"
	[ "$(cat "$(pcf control "$OTHER")")" = tsc ]
}

# install_ptrace_copy: /tmp/pctest-ptrace, pctest with the file capability
# CAP_SYS_PTRACE: a user's process that runs it has the capability
install_ptrace_copy() {
	cp "$(command -v pctest)" /tmp/pctest-ptrace
	chown 0:0 /tmp/pctest-ptrace
	chmod 0755 /tmp/pctest-ptrace
	pctest setcap /tmp/pctest-ptrace sys_ptrace
}

@test "Yama ptrace_scope 1: a user reads, but may not program, a task of its own that is not its descendant (EACCES)" {
	require_yama
	start_user_task
	set_scope 1
	run as_user cat "$(pcf control "$OTHER")"
	[ "$output" = tsc ]
	run as_user pctest write "$(pcf control "$OTHER")" task-clock
	echo "scope 1: $output"
	[ "$output" = EACCES ]
	[ "$(cat "$(pcf control "$OTHER")")" = tsc ]
	# the refusal was Yama's: at scope 0 the same write is allowed
	echo 0 > $YAMA
	run as_user pctest write "$(pcf control "$OTHER")" task-clock
	echo "scope 0: $output"
	[ "$output" = ok ]
	[ "$(cat "$(pcf control "$OTHER")")" = task-clock ]
}

# parent_and_sibling SIBLING: as the user, a shell starts a task and, once
# it has exec'd (a write opened before would be refused), programs it
# itself, as its parent: "parent: ok", or bash's text for the errno.  Then
# SIBLING, another child of the shell, programs it ("sibling: ok" or the
# errno's name), and the control left is printed.
parent_and_sibling() {
	run as_user bash -c '
		pctest pause & t=$!
		until grep -qx pctest /proc/$t/comm; do sleep 0.01; done
		err=/tmp/yama-err.$$
		if echo task-clock 2>$err > $PERFCTR_ROOT/$t/perfctr/control; then
			echo "parent: ok"
		else
			read -r e < $err; echo "parent: ${e##*: }"
		fi
		rm -f $err
		echo "sibling: $('"$1"' write $PERFCTR_ROOT/$t/perfctr/control tsc)"
		read -r c < $PERFCTR_ROOT/$t/perfctr/control
		echo "control: $c"
		kill $t'
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "Yama ptrace_scope 1: a user programs its descendant; a sibling of the descendant may not" {
	require_yama
	set_scope 1
	parent_and_sibling pctest
	[ "${lines[0]}" = "parent: ok" ]
	[ "${lines[1]}" = "sibling: EACCES" ]
	[ "${lines[2]}" = "control: task-clock" ]
}

@test "Yama ptrace_scope 1: CAP_SYS_PTRACE programs a task that is not its descendant" {
	require_yama
	install_ptrace_copy
	start_user_task
	set_scope 1
	run as_user pctest write "$(pcf control "$OTHER")" task-clock
	[ "$output" = EACCES ]
	# the same user with CAP_SYS_PTRACE (a file capability)
	run as_user /tmp/pctest-ptrace write "$(pcf control "$OTHER")" task-clock
	echo "uid $USER_ID with CAP_SYS_PTRACE: $output"
	[ "$output" = ok ]
	[ "$(cat "$(pcf control "$OTHER")")" = task-clock ]
	# and root
	run pctest write "$(pcf control "$OTHER")" tsc
	echo "root: $output"
	[ "$output" = ok ]
	[ "$(cat "$(pcf control "$OTHER")")" = tsc ]
}

@test "Yama ptrace_scope 2: only CAP_SYS_PTRACE programs another task, not even its parent" {
	require_yama
	install_ptrace_copy
	set_scope 2
	parent_and_sibling /tmp/pctest-ptrace
	[ "${lines[0]}" = "parent: Permission denied" ]
	[ "${lines[1]}" = "sibling: ok" ]
	[ "${lines[2]}" = "control: tsc" ]
}

@test "Yama's ptrace_scope is back to what it was before these tests" {
	require_yama
	[ "$(cat $YAMA)" = "$(cat "$BATS_FILE_TMPDIR/yama-scope")" ]
}
