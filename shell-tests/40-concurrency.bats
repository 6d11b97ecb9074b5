#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Forking trees while their parents reprogram themselves and remote writers
# program and read them.  The harness fails the run on any kernel splat;
# here every write must succeed or fail only because its target vanished,
# and every read must be one consistent snapshot of one of the controls.

load helpers

CONTROLS=(
	"minor-faults cs"
	"tsc task-clock page-faults"
	"minor-faults:u major-faults"
	"cs:k migrations tsc"
)

# worker SECONDS: reprogram itself, run a small tree, repeat.
worker() {
	local end=$((SECONDS + $1)) i=0
	while ((SECONDS < end)); do
		echo "${CONTROLS[i++ % ${#CONTROLS[@]}]}" > "$PERFCTR_ROOT/$BASHPID/perfctr/control" || return 1
		pctest tree 2 3 5 > /dev/null || return 1
	done
}

# consistent FILE: the names in a counts or children file are those of one
# of CONTROLS, in order (or the file is empty).
consistent() {
	local names c
	names=$(awk '{ print $1 }' "$1" 2>/dev/null | paste -sd' ') || return 0
	[ -z "$names" ] && return 0
	for c in "${CONTROLS[@]}"; do
		[ "$names" = "$(tr ' ' '\n' <<<"$c" | sed 's/^cs$/context-switches/; s/^cs:k$/context-switches:k/; s/^migrations$/cpu-migrations/' | paste -sd' ')" ] && return 0
	done
	echo "inconsistent names in $1: $names"
	return 1
}

# live_pctests: the pids of every running pctest.
live_pctests() {
	grep -lx pctest /proc/[0-9]*/comm 2>/dev/null | cut -d/ -f3
}

# writer SECONDS PIDS...: program, clear and read the workers and their
# descendants (any live pctest) from outside.
writer() {
	local end=$((SECONDS + $1)) i=0 pid out f
	shift
	while ((SECONDS < end)); do
		for pid in "$@" $(live_pctests); do
			# (|| true: a failed write is judged below, not by errexit)
			out=$(pctest write "$PERFCTR_ROOT/$pid/perfctr/control" "${CONTROLS[i++ % ${#CONTROLS[@]}]}" || true)
			case $out in
			ok | ESRCH | ENOENT) ;;
			*) echo "write to $pid: $out"; return 1 ;;
			esac
			for f in counts children; do
				snap="$BATS_TEST_TMPDIR/$f.$pid.$BASHPID"	# one file per writer
				cat "$PERFCTR_ROOT/$pid/perfctr/$f" > "$snap" 2>/dev/null || continue
				consistent "$snap" || return 1
			done
		done
		if ((i % 7 == 0)); then	# clear the first worker, if still there
			{ echo > "$PERFCTR_ROOT/$1/perfctr/control"; } 2>/dev/null || true
		fi
	done
	return 0
}

@test "concurrent forks, exits, self-reprogramming and remote writes" {
	local pids=() writers=() pid
	for _ in 1 2 3; do
		worker 20 &
		pids+=($!)
	done
	for _ in 1 2; do
		writer 20 "${pids[@]}" &
		writers+=($!)
	done
	for pid in "${pids[@]}" "${writers[@]}"; do
		wait "$pid"
	done
}
