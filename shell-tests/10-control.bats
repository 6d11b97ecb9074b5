#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The control file: syntax, canonical form, ids, the other files' formats,
# and every rejected write leaving the task exactly as it was.

load helpers

teardown() {
	stop_target
}

@test "a task that never counted has id 0, lost 0 and empty files" {
	run bash -c 'cat $PERFCTR_ROOT/$$/perfctr/id'
	[ "$status" -eq 0 ]
	[ "$output" = "0" ]
	run bash -c 'cat $PERFCTR_ROOT/$$/perfctr/lost'
	[ "$output" = "0" ]
	for f in control counts children; do
		run bash -c "cat $PERFCTR_ROOT/\$\$/perfctr/$f"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
	done
}

@test "the directory holds control, id, counts, children, lost, page and exits in PID and PID/task/TID" {
	run ls "$PERFCTR_ROOT/$$/perfctr"
	[ "$output" = "$(printf 'children\ncontrol\ncounts\nexits\nid\nlost\npage')" ]
	run ls "$PERFCTR_ROOT/$$/task/$$/perfctr"
	[ "$output" = "$(printf 'children\ncontrol\ncounts\nexits\nid\nlost\npage')" ]
	[ "$(stat -c %a "$PERFCTR_ROOT/$$/perfctr/control")" = 644 ]
	[ "$(stat -c %a "$PERFCTR_ROOT/$$/perfctr/counts")" = 444 ]
	[ "$(stat -c %a "$PERFCTR_ROOT/$$/perfctr/page")" = 444 ]
}

@test "control reads back in canonical form" {
	while IFS='|' read -r written canonical; do
		run bash -c 'printf "%b" "$1" > $PERFCTR_ROOT/$$/perfctr/control && cat $PERFCTR_ROOT/$$/perfctr/control' _ "$written"
		echo "wrote '$written', read '$output'"
		[ "$status" -eq 0 ]
		[ "$output" = "$canonical" ]
	done <<'EOF'
page-faults,cs|page-faults context-switches
  faults ,  cs\t migrations\n|page-faults context-switches cpu-migrations
minor-faults:u major-faults:k|minor-faults:u major-faults:k
tsc task-clock|tsc task-clock
alignment-faults emulation-faults\n|alignment-faults emulation-faults
cs cs:u cs:k|context-switches context-switches:u context-switches:k
EOF
}

@test "a write starts from zero with a new id; the id is inherited; clearing gives id 0" {
	run bash -c '
		me=$$
		echo minor-faults > $PERFCTR_ROOT/$me/perfctr/control
		read -r first < $PERFCTR_ROOT/$me/perfctr/id
		pctest touch 100
		mapfile -t kids < $PERFCTR_ROOT/$me/perfctr/children
		echo minor-faults > $PERFCTR_ROOT/$me/perfctr/control
		read -r second < $PERFCTR_ROOT/$me/perfctr/id
		mapfile -t kids2 < $PERFCTR_ROOT/$me/perfctr/children
		child=$(cat $PERFCTR_ROOT/self/perfctr/id)
		echo > $PERFCTR_ROOT/$me/perfctr/control
		read -r cleared < $PERFCTR_ROOT/$me/perfctr/id
		mapfile -t counts < $PERFCTR_ROOT/$me/perfctr/counts
		mapfile -t children < $PERFCTR_ROOT/$me/perfctr/children
		echo "$first $second $child $cleared ${#counts[@]} ${#children[@]}"
		echo "${kids[*]}|${kids2[*]}"'
	echo "$output"
	[ "$status" -eq 0 ]
	read -r first second child cleared ncounts nchildren <<<"${lines[0]}"
	[ "$first" -gt 0 ]
	[ "$second" -gt "$first" ]
	[ "$child" = "$second" ]
	[ "$cleared" = 0 ]
	[ "$ncounts" = 0 ]
	[ "$nchildren" = 0 ]
	before=${lines[1]%|*}
	after=${lines[1]#*|}
	[ "${before#minor-faults }" -ge 100 ]
	[ "$after" = "minor-faults 0" ]
}

@test "a write restarts a task's counts and children counts from zero" {
	start_target "minor-faults tsc" 100
	[ "$(value minor-faults "$(pcf counts "$TARGET")")" -gt 0 ]
	[ "$(value minor-faults "$(pcf children "$TARGET")")" -ge 100 ]
	echo "minor-faults tsc" > "$(pcf control "$TARGET")"
	# the target sleeps in pause(2): nothing faults, and tsc waits for
	# its next switch in
	run cat "$(pcf counts "$TARGET")" "$(pcf children "$TARGET")"
	[ "$output" = "$(printf 'minor-faults 0\ntsc 0\nminor-faults 0\ntsc 0')" ]
}

@test "ids are system-wide and strictly increasing" {
	start_target minor-faults
	a=$(cat "$(pcf id "$TARGET")")
	run bash -c 'echo cs > $PERFCTR_ROOT/$$/perfctr/control && cat $PERFCTR_ROOT/$$/perfctr/id'
	b=$output
	echo page-faults > "$(pcf control "$TARGET")"
	c=$(cat "$(pcf id "$TARGET")")
	echo "$a $b $c"
	[ "$a" -gt 0 ]
	[ "$b" -gt "$a" ]
	[ "$c" -gt "$b" ]
}

@test "counts and children list each counter as '<name> <decimal>' in control order" {
	start_target "page-faults,minor-faults tsc cs:u task-clock" 30
	run cat "$(pcf counts "$TARGET")"
	echo "$output"
	[ "${#lines[@]}" -eq 5 ]
	names=$(awk '{ print $1 }' <<<"$output" | paste -sd' ')
	[ "$names" = "page-faults minor-faults tsc context-switches:u task-clock" ]
	grep -Eq '^([a-z:-]+) [0-9]+$' <<<"$output"
	[ "$(grep -Evc '^[a-z:-]+ [0-9]+$' <<<"$output")" -eq 0 ]
	run cat "$(pcf children "$TARGET")"
	echo "$output"
	names=$(awk '{ print $1 }' <<<"$output" | paste -sd' ')
	[ "$names" = "page-faults minor-faults tsc context-switches:u task-clock" ]
	[ "$(grep -Evc '^[a-z:-]+ [0-9]+$' <<<"$output")" -eq 0 ]
	[ "$(value minor-faults "$(pcf children "$TARGET")")" -ge 30 ]
	[ "$(value tsc "$(pcf children "$TARGET")")" -gt 0 ]
}

@test "a shell programs itself with echo and reads itself with read" {
	run bash -c '
		echo "minor-faults, tsc" > $PERFCTR_ROOT/$$/perfctr/control || exit 1
		read -r control < $PERFCTR_ROOT/$$/perfctr/control
		mapfile -t counts < $PERFCTR_ROOT/$$/perfctr/counts
		echo "$control|${counts[0]%% *}|${counts[1]%% *}"'
	[ "$status" -eq 0 ]
	[ "$output" = "minor-faults tsc|minor-faults|tsc" ]
}

# reject ERRNO TEXT...: each TEXT written to a paused target fails with
# ERRNO and leaves control, id, counts and children byte for byte as they
# were.
reject() {
	local errno=$1 text before after
	shift
	before=$(snapshot "$TARGET")
	for text in "$@"; do
		run pctest write "$(pcf control "$TARGET")" "$text"
		echo "'$text' -> $output (expected $errno)"
		[ "$status" -eq 1 ]
		[ "$output" = "$errno" ]
		after=$(snapshot "$TARGET")
		[ "$after" = "$before" ]
	done
}

@test "unknown names, bad modifiers, bad syntax and duplicates: EINVAL, nothing changes" {
	start_target "minor-faults context-switches tsc"
	reject EINVAL bogus minor_faults MINOR-FAULTS "cs:x" "cs:ku" "cs:" "cs:uku" \
		"cs:u:k" "tsc:u" "tsc:k" ",cs" "cs," "cs,,faults" "cs , , faults" \
		"cs context-switches" "faults page-faults" "tsc tsc" \
		"cs:u cs:u" "r" "rxyz" "r0x10" "r12345678901234567" ","
}

@test "only space, tab and newline separate names: any other byte is EINVAL, nothing changes" {
	start_target "minor-faults context-switches tsc"
	# 0xA0 is a blank to the kernel's isspace(); a lone one must not clear
	reject EINVAL $'\xa0' $'\xa0cs' $'cs\xa0tsc' $'\xc2\xa0cs' $'cs\vtsc' \
		$'cs\ftsc' $'cs\rtsc' $'cs\r\n' $'\vcs' $'cs\x01' $'\x85'
}

@test "the first error from the left wins: a repeat or bad name up to the seventeenth counter is EINVAL, a seventeenth distinct one E2BIG whatever follows" {
	start_target "minor-faults context-switches"
	sw="task-clock page-faults minor-faults major-faults cs migrations alignment-faults emulation-faults"
	sixteen="tsc $sw $(printf '%s:u ' task-clock page-faults minor-faults major-faults cs migrations alignment-faults)"
	raw=$(printf 'r%x ' $(seq 1 500))
	reject EINVAL "$sixteen tsc" "$sixteen bogus" "tsc r1 r2 r1 $raw" \
		"r1 bogus $raw"
	reject E2BIG "$sixteen emulation-faults:u r1 r2 r3" "$raw" \
		"$sixteen emulation-faults:u task-clock" \
		"$sixteen emulation-faults:u r1 r2 r3 r1" "$raw r1f4" "r1f4 $raw" \
		"$sixteen emulation-faults:u bogus"
}

@test "more than 16 counters: E2BIG; exactly 16 is accepted" {
	start_target "minor-faults context-switches"
	sw="task-clock page-faults minor-faults major-faults cs migrations alignment-faults emulation-faults"
	sixteen="tsc $sw $(printf '%s:u ' task-clock page-faults minor-faults major-faults cs migrations alignment-faults)"
	seventeen="$sixteen emulation-faults:u"
	reject E2BIG "$seventeen" "$seventeen page-faults:k"
	run pctest write "$(pcf control "$TARGET")" "$sixteen"
	[ "$output" = ok ]
	[ "$(wc -l < "$(pcf counts "$TARGET")")" -eq 16 ]
}

@test "writev() hands over a control whole; a segment that cannot be read fails it whole" {
	start_target "minor-faults context-switches"
	run pctest writev "$(pcf control "$TARGET")" cs " tsc" ", task-clock"
	[ "$output" = ok ]
	[ "$(cat "$(pcf control "$TARGET")")" = "context-switches tsc task-clock" ]
	before=$(snapshot "$TARGET")
	run pctest writev-fault "$(pcf control "$TARGET")" "minor-faults"
	[ "$output" = EFAULT ]
	[ "$(snapshot "$TARGET")" = "$before" ]
	# a bad segment among good ones: the whole text is judged
	run pctest writev "$(pcf control "$TARGET")" cs " bogus"
	[ "$output" = EINVAL ]
	[ "$(snapshot "$TARGET")" = "$before" ]
}

@test "pwrite() and pwritev() fail with ESPIPE at any offset; lseek() to 0 allows another write" {
	start_target "minor-faults context-switches"
	before=$(snapshot "$TARGET")
	for off in 0 1; do
		run pctest pwrite "$(pcf control "$TARGET")" "$off" tsc
		[ "${lines[0]}" = ESPIPE ]
		[ "${lines[1]}" = ESPIPE ]
	done
	[ "$(snapshot "$TARGET")" = "$before" ]
	run pctest write-rewind "$(pcf control "$TARGET")" tsc "cs minor-faults"
	[ "${lines[0]}" = ok ]
	[ "${lines[1]}" = ok ]
	[ "$(cat "$(pcf control "$TARGET")")" = "context-switches minor-faults" ]
}

@test "a write longer than 4096 bytes: EINVAL; 4096 bytes is accepted" {
	start_target minor-faults
	before=$(snapshot "$TARGET")
	run pctest write-len "$(pcf control "$TARGET")" 4097
	[ "$output" = EINVAL ]
	[ "$(snapshot "$TARGET")" = "$before" ]
	run pctest write-len "$(pcf control "$TARGET")" 4096
	[ "$output" = ok ]
	[ "$(cat "$(pcf control "$TARGET")")" = context-switches ]
}

@test "a second write on the same descriptor or an embedded NUL: EINVAL" {
	start_target minor-faults
	before=$(snapshot "$TARGET")
	run pctest write-nul "$(pcf control "$TARGET")"
	[ "$output" = EINVAL ]
	[ "$(snapshot "$TARGET")" = "$before" ]
	run pctest write2 "$(pcf control "$TARGET")" "cs" "page-faults"
	[ "${lines[0]}" = ok ]
	[ "${lines[1]}" = EINVAL ]
	[ "$(cat "$(pcf control "$TARGET")")" = context-switches ]
}

@test "hardware and raw events without a PMU: ENOENT or EOPNOTSUPP, nothing changes" {
	if have_pmu; then
		skip "this machine has a hardware PMU"
	fi
	start_target "minor-faults cs"
	before=$(snapshot "$TARGET")
	for text in cycles cpu-cycles instructions cache-references cache-misses \
		branches branch-instructions branch-misses bus-cycles ref-cycles \
		stalled-cycles-frontend idle-cycles-frontend stalled-cycles-backend \
		idle-cycles-backend "cycles:u" "instructions:k" r0 r00C0 "rc0:u" \
		"minor-faults cycles"; do
		run pctest write "$(pcf control "$TARGET")" "$text"
		echo "'$text' -> $output"
		[[ $output == ENOENT || $output == EOPNOTSUPP ]]
		[ "$(snapshot "$TARGET")" = "$before" ]
	done
}

@test "a rejected write from the shell itself changes nothing either" {
	run bash -c '
		me=$$
		echo "minor-faults cs" > $PERFCTR_ROOT/$me/perfctr/control || exit 1
		read -r id < $PERFCTR_ROOT/$me/perfctr/id
		echo "cs cs" > $PERFCTR_ROOT/$me/perfctr/control 2>/dev/null && exit 2
		echo "bogus" > $PERFCTR_ROOT/$me/perfctr/control 2>/dev/null && exit 3
		read -r control < $PERFCTR_ROOT/$me/perfctr/control
		read -r id2 < $PERFCTR_ROOT/$me/perfctr/id
		echo "$control|$id|$id2"'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${output%%|*}" = "minor-faults context-switches" ]
	ids=${output#*|}
	[ "${ids%|*}" = "${ids#*|}" ]
}
