#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Inheritance at fork, final counts at exit, merging at release.

load helpers

teardown() {
	stop_target
}

# exact MIN ARGS...: a fresh shell counting minor-faults execs pctest ARGS,
# whose children minor-faults must be at least MIN and equal its
# getrusage(RUSAGE_CHILDREN) growth.
exact() {
	local min=$1
	shift
	run bash -c 'echo minor-faults > $PERFCTR_ROOT/$$/perfctr/control && exec pctest "$@"' _ "$@"
	echo "pctest $*: $output"
	[ "$status" -eq 0 ]
	[ "$(kv children_minor "$output")" -ge "$min" ]
	[ "$(kv children_minor "$output")" = "$(kv rusage_minor "$output")" ]
}

@test "a child gets the control and id, with its own counts starting from zero" {
	run bash -c '
		me=$$
		echo "minor-faults tsc" > $PERFCTR_ROOT/$me/perfctr/control || exit 1
		pctest touch 2000
		read -r id < $PERFCTR_ROOT/$me/perfctr/id
		mapfile -t kids < $PERFCTR_ROOT/$me/perfctr/children
		echo "$id ${kids[0]#* }"
		# (true: bash would run a last command without forking)
		cat $PERFCTR_ROOT/self/perfctr/control $PERFCTR_ROOT/self/perfctr/id $PERFCTR_ROOT/self/perfctr/counts $PERFCTR_ROOT/self/perfctr/children
		true'
	echo "$output"
	[ "$status" -eq 0 ]
	read -r id parent_children <<<"${lines[0]}"
	[ "${lines[1]}" = "minor-faults tsc" ]
	[ "${lines[2]}" = "$id" ]
	child_faults=${lines[3]#minor-faults }
	# the parent's children counts hold the 2000 pages its first child
	# touched; the second child starts from zero and touched far fewer
	[ "$parent_children" -ge 2000 ]
	[ "$child_faults" -lt 2000 ]
	[ "${lines[5]}" = "minor-faults 0" ]
	[ "${lines[6]}" = "tsc 0" ]
}

@test "fork-only tree: children faults equal getrusage(RUSAGE_CHILDREN) exactly" {
	for shape in "1 1 10" "3 3 20" "4 2 50" "2 4 200"; do
		run bash -c 'echo "minor-faults major-faults" > $PERFCTR_ROOT/$$/perfctr/control && exec pctest tree '"$shape"
		echo "tree $shape: $output"
		[ "$status" -eq 0 ]
		[ "$(kv children_minor "$output")" = "$(kv rusage_minor "$output")" ]
		[ "$(kv children_major "$output")" = "$(kv rusage_major "$output")" ]
	done
}

@test "grandchildren reach the root: a tree's children count every descendant's pages" {
	# depth 3, width 3: 3 + 9 + 27 = 39 descendants, 100 pages each
	exact 3900 tree 3 3 100
}

@test "an orphan merges into the subreaper it was reparented to, exactly" {
	exact 300 orphan 300
}

@test "vfork: the child's faults are its own and merge exactly" {
	exact 300 vfork 300
}

@test "threads inherit the id and merge into their thread-group leader" {
	run bash -c 'echo minor-faults > $PERFCTR_ROOT/$$/perfctr/control && read -r id < $PERFCTR_ROOT/$$/perfctr/id && echo "id=$id" && exec pctest threads 4 250'
	echo "$output"
	[ "$status" -eq 0 ]
	id=$(kv id "${lines[0]}")
	result=${lines[1]}
	[ "$(kv tasks "$result")" = 1 ]
	[ "$(kv thread_id "$result")" = "$id" ]
	[ "$(kv children_minor "$result")" -ge 1000 ]
	[ "$(kv children_minor "$result")" = "$(kv threads_minor "$result")" ]
}

@test "a thread has its own files; a thread reprogrammed from outside does not merge into its leader" {
	for reprogram in no yes; do
		fifo=$BATS_TEST_TMPDIR/go.$reprogram out=$BATS_TEST_TMPDIR/out.$reprogram
		mkfifo "$fifo"
		bash -c 'echo minor-faults > $PERFCTR_ROOT/$$/perfctr/control && exec pctest thread-wait 200' < "$fifo" > "$out" &
		pid=$!
		exec 8> "$fifo"
		while ! grep -q '^tid=' "$out"; do sleep 0.05; done
		tid=$(kv tid "$(cat "$out")")
		thread=$PERFCTR_ROOT/$pid/task/$tid/perfctr
		leader_id=$(cat "$PERFCTR_ROOT/$pid/perfctr/id")
		[ "$(cat "$thread/id")" = "$leader_id" ]
		[ "$(value minor-faults "$thread/counts")" -ge 200 ]
		if [ $reprogram = yes ]; then
			echo minor-faults > "$thread/control"
			[ "$(cat "$thread/id")" -gt "$leader_id" ]
			[ "$(cat "$PERFCTR_ROOT/$pid/perfctr/id")" = "$leader_id" ]
		fi
		echo go >&8
		exec 8>&-
		wait "$pid"
		children=$(kv children "$(tail -n 1 "$out")")
		echo "reprogram=$reprogram: leader children minor-faults $children"
		if [ $reprogram = yes ]; then
			[ "$children" = 0 ]
		else
			[ "$children" -ge 200 ]
		fi
	done
}

@test "a process's dead threads reach its parent when it is reaped" {
	run bash -c '
		me=$$
		echo minor-faults > $PERFCTR_ROOT/$me/perfctr/control || exit 1
		pctest threads 4 250 > /dev/null
		mapfile -t kids < $PERFCTR_ROOT/$me/perfctr/children
		echo "${kids[0]}"'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${output#minor-faults }" -ge 1000 ]
}

@test "a zombie shows its final counts, refuses writes with ESRCH; reaping adds exactly them" {
	run bash -c 'echo minor-faults > $PERFCTR_ROOT/$$/perfctr/control && exec pctest zombie 400'
	echo "$output"
	[ "$status" -eq 0 ]
	first=$(kv zombie_first "$output")
	[ "$first" -ge 400 ]
	[ "$(kv zombie_second "$output")" = "$first" ]
	[ "$(kv children "$output")" = "$first" ]
	[ "$(kv write "$output")" = ESRCH ]
	[ "$(kv clear "$output")" = ESRCH ]
}

@test "a child released automatically (SIGCHLD ignored) still merges" {
	run bash -c 'echo minor-faults > $PERFCTR_ROOT/$$/perfctr/control && exec pctest autoreap 300'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv reaped "$output")" = 1 ]
	[ "$(kv children "$output")" -ge 300 ]
}

@test "a zombie leader released with its last thread (SIGCHLD ignored) still merges" {
	# the leader exits first; the kernel releases it from its last
	# thread's release, which a hook on release_task()'s entry misses
	run bash -c 'echo minor-faults > $PERFCTR_ROOT/$$/perfctr/control && exec pcreap zapped 300'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv children_minor "$output")" -ge 300 ]
	[ "$(kv lost "$output")" = 0 ]
	missed_nothing
}

@test "exec by a thread that does not lead its process: the old leader's release merges, exactly" {
	run bash -c 'echo minor-faults > $PERFCTR_ROOT/$$/perfctr/control && exec pcreap thread-exec 300'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(kv children_minor "$output")" -ge 300 ]
	[ "$(kv children_minor "$output")" = "$(kv rusage_minor "$output")" ]
	missed_nothing
}

@test "no merge when the child reprogrammed itself (and a merge when it did not)" {
	run bash -c '
		me=$$
		echo minor-faults > $PERFCTR_ROOT/$me/perfctr/control || exit 1
		bash -c "pctest touch 300; true"
		mapfile -t same < $PERFCTR_ROOT/$me/perfctr/children
		echo minor-faults > $PERFCTR_ROOT/$me/perfctr/control
		bash -c "echo minor-faults > $PERFCTR_ROOT/\$\$/perfctr/control; pctest touch 300; true"
		mapfile -t reprogrammed < $PERFCTR_ROOT/$me/perfctr/children
		echo "${same[0]#* } ${reprogrammed[0]#* }"'
	echo "$output"
	[ "$status" -eq 0 ]
	read -r same reprogrammed <<<"$output"
	[ "$same" -ge 300 ]
	[ "$reprogrammed" = 0 ]
}

@test "no merge when the parent reprogrammed since the fork (and a merge when it did not)" {
	run bash -c '
		me=$$
		for reprogram in no yes; do
			echo minor-faults > $PERFCTR_ROOT/$me/perfctr/control || exit 1
			fifo=$(mktemp -u) && mkfifo $fifo
			( pctest touch 300; echo > $fifo; exec pctest pause ) &
			child=$!
			read -r _ < $fifo
			[ $reprogram = yes ] && echo minor-faults > $PERFCTR_ROOT/$me/perfctr/control
			kill $child; wait $child
			mapfile -t kids < $PERFCTR_ROOT/$me/perfctr/children
			echo -n "${kids[0]#* } "
		done'
	echo "$output"
	[ "$status" -eq 0 ]
	read -r kept dropped <<<"$output"
	[ "$kept" -ge 300 ]
	[ "$dropped" = 0 ]
}

@test "a cleared parent merges nothing; clearing also zeroes its children counts" {
	run bash -c '
		me=$$
		echo minor-faults > $PERFCTR_ROOT/$me/perfctr/control || exit 1
		pctest touch 100
		echo > $PERFCTR_ROOT/$me/perfctr/control
		pctest touch 100
		mapfile -t kids < $PERFCTR_ROOT/$me/perfctr/children
		read -r id < $PERFCTR_ROOT/$me/perfctr/id
		echo "${#kids[@]} $id"'
	[ "$status" -eq 0 ]
	[ "$output" = "0 0" ]
}

@test "exec keeps the control, the id and the counts so far" {
	run bash -c '
		echo minor-faults > $PERFCTR_ROOT/$$/perfctr/control || exit 1
		read -r id < $PERFCTR_ROOT/$$/perfctr/id
		echo "$id"
		mapfile -t before < $PERFCTR_ROOT/$$/perfctr/counts
		echo "${before[0]#* }"
		exec pctest cat $PERFCTR_ROOT/self/perfctr/id'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "${lines[0]}" ]
	run bash -c '
		echo minor-faults > $PERFCTR_ROOT/$$/perfctr/control || exit 1
		pctest touch 10
		exec bash -c "pctest touch 0; mapfile -t c < $PERFCTR_ROOT/\$\$/perfctr/counts; mapfile -t k < $PERFCTR_ROOT/\$\$/perfctr/children; echo \${c[0]#* } \${k[0]#* }"'
	echo "$output"
	read -r counts children <<<"$output"
	[ "$children" -ge 10 ]
	[ "$counts" -gt 0 ]
}

@test "exit stops the counters: a reaped child's counts stay merged once" {
	run bash -c '
		me=$$
		fifo=$(mktemp -u) && mkfifo "$fifo" && exec 9<>"$fifo"
		echo minor-faults > $PERFCTR_ROOT/$me/perfctr/control || exit 1
		pctest touch 500
		mapfile -t a < $PERFCTR_ROOT/$me/perfctr/children
		read -rt 0.3 -u 9 _	# a builtin pause: no child of our own
		mapfile -t b < $PERFCTR_ROOT/$me/perfctr/children
		echo "${a[0]#* } ${b[0]#* }"'
	echo "$output"
	read -r a b <<<"$output"
	[ "$a" -ge 500 ]
	[ "$a" = "$b" ]
}

FAILSLAB=/sys/kernel/debug/failslab

failslab_off() {
	echo 0 > /sys/kernel/slab/perfctr_task/failslab
	echo 0 > "$FAILSLAB/probability"
	echo N > "$FAILSLAB/cache-filter"
	echo N > "$FAILSLAB/task-filter"
	echo Y > "$FAILSLAB/ignore-gfp-wait"
}

@test "a child whose counters cannot be set up runs without them; lost counts it and merges up" {
	[ -w /sys/kernel/slab/perfctr_task/failslab ] || skip "needs CONFIG_FAILSLAB"
	# fail only perfctr's state allocations, only in tasks that ask for it
	echo Y > "$FAILSLAB/cache-filter"
	echo Y > "$FAILSLAB/task-filter"
	echo 1 > /sys/kernel/slab/perfctr_task/failslab
	echo N > "$FAILSLAB/ignore-gfp-wait"	# GFP_KERNEL may sleep
	echo 0 > "$FAILSLAB/verbose"
	echo 0 > "$FAILSLAB/space"
	echo 1 > "$FAILSLAB/interval"
	echo -1 > "$FAILSLAB/times"
	echo 100 > "$FAILSLAB/probability"
	run bash -c '
		echo minor-faults > $PERFCTR_ROOT/$$/perfctr/control || exit 1
		bash -c "
			echo 1 > /proc/\$\$/make-it-fail
			pctest cat $PERFCTR_ROOT/self/perfctr/id
			pctest touch 100
			echo 0 > /proc/\$\$/make-it-fail
			pctest touch 100
			mapfile -t k < $PERFCTR_ROOT/\$\$/perfctr/children
			read -r l < $PERFCTR_ROOT/\$\$/perfctr/lost
			echo inner \${k[0]#* } \$l
			true"
		mapfile -t k < $PERFCTR_ROOT/$$/perfctr/children
		read -r l < $PERFCTR_ROOT/$$/perfctr/lost
		echo outer ${k[0]#* } $l
		echo > $PERFCTR_ROOT/$$/perfctr/control
		read -r l < $PERFCTR_ROOT/$$/perfctr/lost
		echo cleared $l'
	failslab_off
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]		# the uncounted child ran, with no control
	read -r _ inner_children inner_lost <<<"${lines[1]}"
	read -r _ outer_children outer_lost <<<"${lines[2]}"
	[ "$inner_lost" = 2 ]		# pctest cat and the first pctest touch
	[ "$inner_children" -ge 100 ]
	[ "$inner_children" -lt 200 ]	# only the second touch merged
	[ "$outer_lost" = 2 ]
	[ "$outer_children" -ge "$inner_children" ]
	[ "${lines[3]}" = "cleared 0" ]
	dmesg | grep -q "a child could not inherit counters"
}
