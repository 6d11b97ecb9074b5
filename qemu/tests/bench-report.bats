#!/usr/bin/env bats
# bench/report.sh turns the guest's benchmark figures into tables; feed it
# hand-made figures.

setup() {
	report=$BATS_TEST_DIRNAME/../../bench/report.sh
	patched=$BATS_TEST_TMPDIR/patched.out
	vanilla=$BATS_TEST_TMPDIR/vanilla.out
	cat >"$patched" <<-'END'
	# bench: kernel x, rounds 3, scale 1
	fork none 100.0
	fork perfctr-4 110.0
	fork perf-4 140.0
	fork none 102.0
	fork perfctr-4 111.0
	fork perf-4 142.0
	fork none 101.0
	fork perfctr-4 150.0
	fork perf-4 141.0
	fork blank 105.0
	fork perfctr-tsc 103.02
	fork perf-tsc 120.0
	read perfctr-4 50.0
	read perf-4 300.0
	readgroup perf-4 100.0
	read perfctr-page4 40.0
	readfast perfctr-page4 1.5
	readbare perfctr-page4 1.0
	readfast perfctr-4 45.0
	fault none 200.0
	fault perfctr-4 200.0
	fault perfctr-4mapped 210.0
	fault perf-4 260.0
	# bench: failures 0
	END
	printf '# bench: x\nfork none 99.0\nfork none 101.0\n# bench: failures 0\n' >"$vanilla"
}

# row TITLE: the table line that starts with TITLE, blanks squeezed.
row() {
	grep "^$1 " <<<"$output" | head -n 1 | tr -s ' '
}

@test "medians per configuration, added costs and their ratios, with and without the procfs access" {
	run "$report" Title "$patched" "$vanilla"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(row fork+exit+wait)" = "fork+exit+wait 101 105 111 141 10 40 0.25 0.15" ]
}

# in_section HEADING TITLE: the row TITLE of the table under HEADING.
in_section() {
	sed -n "/^$1/,\$p" <<<"$output" | grep "^$2 " | head -n 1 | tr -s ' '
}

@test "tsc over no counters in percent, reads against one group read, unused against unpatched" {
	run "$report" Title "$patched" "$vanilla"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(in_section 'tsc alone' fork+exit+wait)" = "fork+exit+wait 101 105 103 120 +2.0% -1.9% +18.8%" ]
	[ "$(in_section Reading 4)" = "4 50 300 100 0.50" ]
	[ "$(in_section Unused fork+exit+wait)" = "fork+exit+wait 100 101 +1.0%" ]
}

@test "stock mode: unused against the module unloaded in the same boot" {
	printf '# bench: x\nfork unloaded 98.0\nfork unloaded 100.0\nexec unloaded 400.0\nexec none 404.0\n# bench: failures 0\n' >>"$patched"
	run "$report" Title "$patched"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^Unused: module loaded, nobody counting, against the module unloaded$' <<<"$output"
	[ "$(in_section Unused fork+exit+wait)" = "fork+exit+wait 99 101 +2.0%" ]
	[ "$(in_section Unused fork+exec+wait)" = "fork+exec+wait 400 404 +1.0%" ]
	! grep -q 'against the unpatched kernel' <<<"$output"
}

@test "hardware counters on fork, thread and switch, and one more perf event" {
	printf 'fork perfctr-hw 120.0\nfork perfctr-hwsw 123.0\nfork perf-hw 160.0\n# bench: failures 0\n' >>"$patched"
	run "$report" Title "$patched" "$vanilla"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(in_section 'Two hardware' fork+exit+wait)" = "fork+exit+wait 101 120 160 19 59 0.32 +3" ]
}

@test "hardware counters the guest could not count: the reason" {
	printf '# bench: skipped: fork perfctr-hw: no hardware instructions event here\n' >>"$patched"
	run "$report" Title "$patched" "$vanilla"
	echo "$output"
	[ "$status" -eq 0 ]
	sed -n '/^Two hardware/,/^Scale/p' <<<"$output" | grep -qx 'Not measured: no hardware instructions event here.'
}

@test "the counter page's self-read against read(2) and the bare loop" {
	run "$report" Title "$patched" "$vanilla"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(in_section Self-read 'perfctr_read()')" = "perfctr_read() 1.5 0.04" ]
	[ "$(in_section Self-read 'bare page loop')" = "bare page loop 1.0 0.03" ]
	[[ $output == *"read(2) / perfctr_read(): 26.67; perfctr_read() / bare loop: 1.50."* ]]
	[[ $output == *"A fault with the page mapped (its fault counts kept current): 210 ns, +10 ns over perfctr-4 unmapped, +10 ns over none, perf-4 +60 ns."* ]]
}

@test "a failed measurement or an unfinished run fails the report" {
	echo "# bench: FAILED: pcbench fork perf-4 400" >>"$patched"
	run "$report" Title "$patched"
	[ "$status" -eq 1 ]
	[[ "$output" == *"FAILED: pcbench fork perf-4"* ]]
	printf 'fork none 1.0\n' >"$vanilla"
	run "$report" Title "$vanilla"
	[ "$status" -eq 1 ]
	[[ "$output" == *"did not finish cleanly"* ]]
}

@test "the hardware self-reads, less the empty loop, against read(2) and perf's own read" {
	cat >>"$patched" <<-'END'
	selfread none 6.0
	selfread-insn none 5.0
	selfread page-hw 160.0
	selfread-insn page-hw 155.0
	selfread read-hw 3000.0
	selfread-insn read-hw 3005.0
	selfread perf-mmap-hw 110.0
	selfread-insn perf-mmap-hw 105.0
	selfread bare-hw 40.0
	selfread-insn bare-hw 45.0
	# bench: failures 0
	END
	run "$report" Title "$patched" "$vanilla"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(in_section 'Self-read of two hardware' 'perfctr_read(), page')" = "perfctr_read(), page 160.0 155.0 150.0 20.00 1.50" ]
	[ "$(in_section 'Self-read of two hardware' 'bare registers')" = "bare registers 40.0 45.0 40.0 75.00 0.40" ]
	[[ $output == *"Less the loop: read(2) / page 20.00 (target >= 20); page / perf's own user read 1.50 (target <= 1.5);"* ]]
}

@test "hardware self-reads the guest could not measure: the reason, no figures" {
	sed -i '/failures 0/i # bench: skipped: selfread none: no hardware instructions event here' "$patched"
	run "$report" Title "$patched" "$vanilla"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Not measured: no hardware instructions event here."* ]]
	! grep -q '^perfctr_read(), page ' <<<"$output"
}
