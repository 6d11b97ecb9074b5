#!/usr/bin/env bats
# bench/icprof: the QEMU plugin builds, and icprof.py charges hand-made
# block counts to the right functions, per operation.

setup() {
	dir=$BATS_TEST_DIRNAME/../../bench/icprof
	map=$BATS_TEST_TMPDIR/System.map
	snaps=$BATS_TEST_TMPDIR/snapshots
	cat >"$map" <<-'END'
	ffffffff81000000 T alpha
	ffffffff81000100 t beta
	ffffffff81000200 D some_data
	ffffffff81000300 T gamma
	END
	# Snapshot 1 and 2 around "a", 3 and 4 around "b".  Blocks are
	# "address instructions executions", cumulative.
	cat >"$snaps" <<-'END'
	snapshot 1
	ffffffff81000000 10 5
	ffffffff81000110 4 1
	snapshot 2
	ffffffff81000000 10 105
	ffffffff81000110 4 51
	400000 3 1000
	snapshot 3
	ffffffff81000000 10 105
	ffffffff81000110 4 51
	400000 3 1000
	snapshot 4
	ffffffff81000000 10 205
	ffffffff81000110 4 51
	ffffffff81000210 2 100
	ffffffff81000300 7 100
	400000 3 1000
	END
}

@test "the plugin builds against QEMU's plugin interface, version 1" {
	gcc -shared -fPIC -fvisibility=hidden -O2 -Wall -Wextra -Werror \
		-o "$BATS_TEST_TMPDIR/icprof.so" "$dir/icprof.c"
	run nm -D --defined-only "$BATS_TEST_TMPDIR/icprof.so"
	[[ "$output" == *" qemu_plugin_install"* ]]
	[[ "$output" == *" qemu_plugin_version"* ]]
}

@test "icprof.py charges each block to its function, per operation" {
	run python3 "$dir/icprof.py" "$snaps" "$map" \
		--segment a=1:2/100 --segment b=3:4/100 --against a
	[ "$status" -eq 0 ]
	echo "$output"
	# a: alpha 100 runs x 10 = 1000, beta 50 x 4 = 200, user 1000 x 3
	[[ "$output" =~ alpha\ +10\.0\ +10\.0\ +0\.0 ]]
	[[ "$output" =~ \[user\]\ +30\.0\ +0\.0\ +-30\.0 ]]
	# b: a block in some_data's range counts to the function before it
	# (data symbols are not functions): beta, 100 x 2, as much as in a
	[[ "$output" =~ beta\ +2\.0\ +2\.0\ +0\.0 ]]
	[[ "$output" =~ gamma\ +0\.0\ +7\.0\ +7\.0 ]]
	[[ "$output" =~ total\ +42\.0\ +19\.0\ +-23\.0 ]]
}
