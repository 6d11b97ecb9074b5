#!/usr/bin/env bats
# qemu/report.sh judges every guest run; feed it hand-made guest output.

setup() {
	report=$BATS_TEST_DIRNAME/../report.sh
	results=$BATS_TEST_TMPDIR/results.tap
	console=$BATS_TEST_TMPDIR/console.log
	echo "[    0.000000] Linux version 6.12.0 (root@host)" >"$console"
}

# Results of a guest that ran every test and finished cleanly.
finished() {
	cat >"$results"
	printf '# harness: bats exit status 0\n# harness: end\n' >>"$results"
}

@test "a clean run passes and counts passed tests" {
	printf '1..2\nok 1 a\nok 2 b\n' | finished
	run "$report" "$results" "$console" 0
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "2 passed, 0 failed" ]
}

@test "a failing test fails the run and is shown with its diagnostics" {
	printf '1..2\nok 1 a\nnot ok 2 broken thing\n# (in test file x.bats, line 3)\n#   `false` failed\n' | finished
	run "$report" "$results" "$console" 0
	[ "$status" -eq 1 ]
	[[ "$output" == *"not ok 2 broken thing"* ]]
	[[ "$output" == *'`false` failed'* ]]
	[ "${lines[-1]}" = "1 passed, 1 failed" ]
}

@test "skipped tests are counted apart" {
	printf '1..3\nok 1 a\nok 2 b # skip no PMU\nok 3 c # skip\n' | finished
	run "$report" "$results" "$console" 0
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "1 passed, 0 failed, 2 skipped" ]
}

@test "tests missing after a guest crash count as failed" {
	printf '1..4\nok 1 a\n' >"$results"
	echo "[   10.0] Kernel panic - not syncing: Fatal exception" >>"$console"
	run "$report" "$results" "$console" 0
	[ "$status" -eq 1 ]
	[[ "$output" == *"did not finish"* ]]
	[ "${lines[-1]}" = "1 passed, 3 failed" ]
}

@test "no results at all fails the run" {
	: >"$results"
	run "$report" "$results" "$console" 0
	[ "$status" -eq 1 ]
	[[ "$output" == *"no test results"* ]]
	[ "${lines[-1]}" = "0 passed, 0 failed" ]
}

@test "a timeout fails the run" {
	printf '1..1\n' >"$results"
	run "$report" "$results" "$console" 124
	[ "$status" -eq 1 ]
	[[ "$output" == *"timed out"* ]]
	[ "${lines[-1]}" = "0 passed, 1 failed" ]
}

@test "an insmod failure reported by the guest fails the run" {
	printf '# harness: error: insmod /opt/perfctr/perfctr.ko failed; tests not run\n# harness: end\n' >"$results"
	run "$report" "$results" "$console" 0
	[ "$status" -eq 1 ]
	[[ "$output" == *"FAILED: error: insmod"* ]]
}

@test "each kind of kernel splat fails a run whose tests all passed" {
	for line in \
		"BUG: KASAN: slab-use-after-free in perfctr_read+0x1c/0x40" \
		"WARNING: CPU: 1 PID: 77 at driver/perfctr.c:12 perfctr_open+0x2/0x9" \
		"Kernel panic - not syncing: panic_on_warn set ..." \
		"WARNING: possible circular locking dependency detected" \
		"WARNING: possible recursive locking detected" \
		"WARNING: inconsistent lock state" \
		"BUG: sleeping function called from invalid context at mm/slub.c:1" \
		"unreferenced object 0xffff888003a5c000 (size 64):" \
		"Call Trace:" \
		"Oops: general protection fault, probably for non-canonical address" \
		"Oops: 0000 [#1] PREEMPT SMP KASAN" \
		"BUG: KCSAN: data-race in pc_task_release / pc_read_counts" \
		"BUG: KCSAN: assert: race in pc_switch+0x3a/0x90" \
		"BUG: scheduling while atomic: pctorture/1234/0x00000002" \
		"BUG: Invalid wait context" \
		"rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:" \
		"rcu: INFO: rcu_preempt self-detected stall on CPU" \
		"rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: {" \
		"INFO: task pctorture:77 blocked for more than 120 seconds."
	do
		printf '1..1\nok 1 a\n' | finished
		printf '[    1.0] booted\n[    5.0] %s\n[    5.1]  <TASK>\n' "$line" >"$console"
		run "$report" "$results" "$console" 0
		echo "$line: status $status"
		[ "$status" -eq 1 ]
		[[ "$output" == *"$line"* ]]
		[ "${lines[-2]}" = "FAILED: the kernel reported a splat (see above)" ]
		[ "${lines[-1]}" = "1 passed, 0 failed" ]
	done
}

@test "the boot messages of the KCSAN and PREEMPT_RT kernels are not splats" {
	printf '1..1\nok 1 a\n' | finished
	printf '[    0.1] %s\n' \
		"Linux version 6.12.48 (root@host) #1 SMP PREEMPT_RT" \
		"kcsan: enabled early" \
		"kcsan: non-strict mode configured - use CONFIG_KCSAN_STRICT=y to see all data races" \
		"kcsan: selftest: 3/3 tests passed" \
		"rcu: Preemptible hierarchical RCU implementation." \
		"kasan: KernelAddressSanitizer initialized" >"$console"
	run "$report" "$results" "$console" 0
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "1 passed, 0 failed" ]
}

@test "the summary line is also written to the summary file" {
	printf '1..2\nok 1 a\nnot ok 2 b\n' | finished
	run "$report" "$results" "$console" 0 "$BATS_TEST_TMPDIR/summary"
	[ "$status" -eq 1 ]
	[ "$(cat "$BATS_TEST_TMPDIR/summary")" = "1 passed, 1 failed" ]
}

# A KCSAN report as the kernel prints it: title, two stacks, the footer,
# each line with its time stamp.
kcsan_report() {
	printf '[   89.302268] %s\n' \
		"==================================================================" \
		"BUG: KCSAN: data-race in $1 / $2" \
		"" \
		"write to 0xffff888003a5c000 of 8 bytes by task 77 on cpu 1:" \
		" $1+0x3a/0x90 $3" \
		" do_syscall_64+0x9e/0x1a0" \
		"" \
		"read to 0xffff888003a5c000 of 8 bytes by task 78 on cpu 0:" \
		" $2+0x1c/0x40 $3" \
		"" \
		"Reported by Kernel Concurrency Sanitizer on:" \
		"CPU: 0 UID: 0 PID: 78 Comm: pctorture Not tainted 6.12.48 #1" \
		"=================================================================="
}

# A report KCSAN could pair with no writer: one stack.
kcsan_report_unknown() {
	printf '[   94.452910] %s\n' \
		"==================================================================" \
		"BUG: KCSAN: data-race in $1+0x51/0x170" \
		"" \
		"race at unknown origin, with read to 0xff1100000503a330 of 8 bytes by task 1370 on cpu 1:" \
		" $1+0x51/0x170 $2" \
		" do_exit+0x4df/0x12b0" \
		"" \
		"value changed: 0xff1100000515ae80 -> 0xff110000052da6c0" \
		"" \
		"Reported by Kernel Concurrency Sanitizer on:" \
		"CPU: 1 UID: 0 PID: 1370 Comm: pctorture Tainted: G           O       6.12.118 #1" \
		"Tainted: [O]=OOT_MODULE" \
		"=================================================================="
}

@test "KCSAN_SCOPE=perfctr: a race with no perfctr frame is listed, not failed; one in perfctr still fails" {
	printf '1..1\nok 1 a\n' | finished
	{ echo "[    1.0] booted"; kcsan_report mas_wr_store_entry mtree_range_walk ""; } >"$console"
	KCSAN_SCOPE=perfctr run "$report" "$results" "$console" 0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"KCSAN reports outside perfctr"*"1 data-race in mas_wr_store_entry / mtree_range_walk"* ]]
	[ "${lines[-1]}" = "1 passed, 0 failed" ]
	# without the scope, the same report fails the run
	run "$report" "$results" "$console" 0
	[ "$status" -eq 1 ]
	# a race with a frame of the module fails it, even among outside ones
	{ kcsan_report mas_wr_store_entry mtree_range_walk ""
	  kcsan_report pc_counts_read pc_tsc_switch "[perfctr]"
	  kcsan_report inode_update_timestamps inode_update_timestamps ""; } >"$console"
	KCSAN_SCOPE=perfctr run "$report" "$results" "$console" 0
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"BUG: KCSAN: data-race in pc_counts_read / pc_tsc_switch"* ]]
	[[ "$output" == *"1 data-race in inode_update_timestamps / inode_update_timestamps"* ]]
	[[ "$output" != *"BUG: KCSAN: data-race in mas_wr_store_entry"* ]]
	# and so does one with a kernel-side hook's frame
	kcsan_report perfctr_release copy_process "" >"$console"
	KCSAN_SCOPE=perfctr run "$report" "$results" "$console" 0
	[ "$status" -eq 1 ]
}

# A race whose writer is a timer interrupt that came while a task ran $2.
kcsan_report_irq() {
	printf '[   62.559477] %s\n' \
		"==================================================================" \
		"BUG: KCSAN: data-race in do_nanosleep / $1" \
		"" \
		"write to 0xffa00000005a3e78 of 8 bytes by interrupt on cpu 0:" \
		" $1+0x23/0x40" \
		" __hrtimer_run_queues+0xe2/0x620" \
		" asm_sysvec_apic_timer_interrupt+0x1a/0x20" \
		" $2+0x174/0x200" \
		" vfs_read+0x1e6/0x300" \
		"" \
		"read to 0xffa00000005a3e78 of 8 bytes by task 482 on cpu 0:" \
		" do_nanosleep+0x11d/0x290" \
		" hrtimer_nanosleep+0xd0/0x180" \
		"" \
		"Reported by Kernel Concurrency Sanitizer on:" \
		"CPU: 0 UID: 0 PID: 482 Comm: pctorture Tainted: G           O       6.12.118 #1" \
		"=================================================================="
}

@test "KCSAN_SCOPE=perfctr: the code an interrupt interrupted is not judged, the interrupt's own is" {
	printf '1..1\nok 1 a\n' | finished
	{ echo "[    1.0] booted"; kcsan_report_irq hrtimer_wakeup perfctr_proc_read; } >"$console"
	KCSAN_SCOPE=perfctr run "$report" "$results" "$console" 0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"KCSAN reports outside perfctr"*"1 data-race in do_nanosleep / hrtimer_wakeup"* ]]
	# perfctr code in the interrupt itself is judged
	kcsan_report_irq pc_tsc_tick vfs_read >"$console"
	sed -i 's/ pc_tsc_tick+0x23\/0x40/&	[perfctr]/' "$console"
	KCSAN_SCOPE=perfctr run "$report" "$results" "$console" 0
	echo "$output"
	[ "$status" -eq 1 ]
	# and so is a task's access: its whole stack
	kcsan_report_irq hrtimer_wakeup perfctr_proc_read | \
		sed 's/by interrupt on cpu 0/by task 481 on cpu 0/' >"$console"
	KCSAN_SCOPE=perfctr run "$report" "$results" "$console" 0
	[ "$status" -eq 1 ]
}

@test "KCSAN_SCOPE=perfctr: a race of unknown origin is judged by its one stack" {
	printf '1..1\nok 1 a\n' | finished
	{ echo "[    1.0] booted"; kcsan_report_unknown __mmdrop ""; } >"$console"
	KCSAN_SCOPE=perfctr run "$report" "$results" "$console" 0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"KCSAN reports outside perfctr"*"1 data-race in __mmdrop+0x51/0x170"* ]]
	{ echo "[    1.0] booted"; kcsan_report_unknown pc_task_put "[perfctr]"; } >"$console"
	KCSAN_SCOPE=perfctr run "$report" "$results" "$console" 0
	echo "$output"
	[ "$status" -eq 1 ]
}
