#!/bin/bash
# Judge a check run: report.sh RESULTS CONSOLE QEMU_STATUS [SUMMARY]
#   RESULTS      the guest's TAP stream plus its "# harness: " lines
#   CONSOLE      the guest's console log
#   QEMU_STATUS  exit status of run-vm.sh (124: killed by the timeout)
#   SUMMARY      file that gets a copy of the summary line
# With KCSAN_SCOPE=perfctr in the environment, KCSAN reports that show no
# perfctr frame are listed but do not fail the run (see below).
# Prints the failing tests with their diagnostics, kernel splats found in
# the console log and any sign that the guest did not finish, then, as the
# last line, "N passed, N failed" with ", N skipped" when some were.
# Exits 1 if a test failed or anything else went wrong.
set -eu
results=$1
console=$2
qemu_status=$3
summary_file=${4:-}

# What the kernel prints when something is wrong, whether or not the
# guest survived it.  "BUG:" covers KCSAN's data races ("BUG: KCSAN:"),
# might_sleep() and PREEMPT_RT's sleeping locks in atomic context ("BUG:
# sleeping function called from invalid context", "BUG: scheduling while
# atomic") and lockdep's "BUG: Invalid wait context"; lockdep's other
# reports start with "WARNING:".  RCU stalls and hung tasks print no BUG or
# WARNING line (their stack dumps have "Call Trace:", but not always).
splat='BUG:|WARNING:|Kernel panic|KASAN|possible circular locking|possible recursive locking|inconsistent lock state|sleeping function called from invalid context|unreferenced object|Call Trace:|general protection fault|Oops|detected (expedited )?stall|blocked for more than'

[ -f "$results" ] || : >"$results"
[ -f "$console" ] || : >"$console"

# KCSAN_SCOPE=perfctr (the KCSAN torture boot): a KCSAN report none of
# whose frames is perfctr's (the module's "[perfctr]" frames, the kernel's
# perfctr_* hooks) is a race in the core kernel, which this project can
# neither fix nor hide: it is listed, and judged no further.  Each report
# is the block between two lines of "=" that holds a "BUG: KCSAN:" line.
# An access made "by interrupt" is the interrupt's: the frames below the
# interrupt's entry (asm_sysvec_*, asm_common_interrupt, asm_exc_*) are
# the code it happened to interrupt, and are not judged.
outside=()
if [ "${KCSAN_SCOPE:-all}" = perfctr ] && grep -q 'BUG: KCSAN:' "$console"; then
	judged=$(mktemp)
	trap 'rm -f "$judged"' EXIT
	tr -d '\r' <"$console" | awk -v list="$judged.outside" '
		function flush() {
			if (block == "")
				return
			if (title != "" && judged !~ /perfctr/)
				print title > list
			else
				printf "%s", block
			block = ""; title = ""; judged = ""; irq = 0; below = 0
		}
		# the kernel stamps each line: "[   89.302268] ====..."
		/^(\[ *[0-9]+\.[0-9]+\] )?=+$/ {
			if (inblock) { block = block $0 "\n"; inblock = 0; flush(); next }
			flush(); inblock = 1; block = $0 "\n"; next
		}
		inblock {
			block = block $0 "\n"
			if ($0 ~ /BUG: KCSAN:/) title = $0
			if ($0 ~ / by interrupt on cpu /) irq = 1
			else if ($0 ~ / by task [0-9]+ on cpu /) irq = 0
			if ($0 ~ /^(\[ *[0-9]+\.[0-9]+\] )?$/) below = 0
			if (!below) judged = judged $0 "\n"
			if (irq && $0 ~ / asm_(sysvec_|common_interrupt|exc_)/) below = 1
			next
		}
		{ print }
		END { flush() }
	' >"$judged"
	if [ -s "$judged.outside" ]; then
		mapfile -t outside < <(sed 's/.*BUG: KCSAN: //' "$judged.outside" | sort | uniq -c)
	fi
	rm -f "$judged.outside"
	console=$judged
fi
tap=$(tr -d '\r\0' <"$results")	# CRs, and NULs a serial port may pad with
problems=()

# "1..N" is the plan; "ok N name # skip reason" is a skipped test.
read -r planned passed failed skipped < <(awk '
	/^1\.\.[0-9]+$/ && plan == "" { plan = substr($0, 4) }
	/^ok / { if (tolower($0) ~ / # skip( |$)/) skipped++; else passed++ }
	/^not ok / { failed++ }
	END { print (plan == "" ? -1 : plan), passed + 0, failed + 0, skipped + 0 }
' <<<"$tap")

if [ "$failed" -gt 0 ]; then
	echo "Failed tests:"
	# Each "not ok" line with the diagnostic lines that follow it.
	awk '
		/^not ok / { show = 1; print; next }
		/^(ok |not ok |# harness: )/ { show = 0 }
		show && /^#/ { print }
	' <<<"$tap"
fi

while IFS= read -r line; do
	problems+=("${line#\# harness: }")
done < <(grep '^# harness: error' <<<"$tap" || true)

ran=$((passed + failed + skipped))
if [ "$planned" -lt 0 ]; then
	problems+=("the guest produced no test results (no TAP plan)")
elif [ "$ran" -lt "$planned" ]; then
	problems+=("only $ran of $planned tests reported; the missing $((planned - ran)) count as failed")
	failed=$((failed + planned - ran))
fi
if ! grep -qx '# harness: end' <<<"$tap"; then
	problems+=("the guest did not finish the run (crash, hang or early power-off)")
fi
case $qemu_status in
0) ;;
124) problems+=("the guest timed out and was killed") ;;
*) problems+=("QEMU exited with status $qemu_status") ;;
esac

found_splat=no
if grep -qE "$splat" "$console"; then
	found_splat=yes
	echo "Kernel splat in the console log ($console):"
	# Each matching line and the 30 lines after it, at most 300 in all.
	tr -d '\r' <"$console" | awk -v re="$splat" '
		$0 ~ re { left = 31 }
		left > 0 { print; left--; if (++shown == 300) exit }
	'
fi

if [ ${#outside[@]} -gt 0 ]; then
	echo "KCSAN reports outside perfctr (no perfctr frame; listed, not judged):"
	printf '  %s\n' "${outside[@]}"
fi

# Without a splat to show, the end of the console is the best clue.
if [ ${#problems[@]} -gt 0 ] && [ $found_splat = no ]; then
	echo "Console log, last 200 lines ($console):"
	tail -n 200 "$console" | tr -d '\r'
fi
for p in ${problems[@]+"${problems[@]}"}; do
	echo "FAILED: $p"
done
if [ $found_splat = yes ]; then
	echo "FAILED: the kernel reported a splat (see above)"
fi

summary="$passed passed, $failed failed"
if [ "$skipped" -gt 0 ]; then
	summary="$summary, $skipped skipped"
fi
echo "$summary"
if [ -n "$summary_file" ]; then
	echo "$summary" >"$summary_file"
fi
[ "$failed" -eq 0 ] && [ ${#problems[@]} -eq 0 ] && [ $found_splat = no ]
