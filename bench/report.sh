#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Turn the guest's benchmark output into tables:
#   report.sh TITLE PATCHED.out [VANILLA.out]
# PATCHED.out is a boot of the patched kernel with the module loaded,
# VANILLA.out one of the unpatched kernel; both hold "WORKLOAD CONFIG NS"
# lines from bench/run.sh.  Prints reStructuredText tables of the medians
# (nanoseconds of guest time per operation) and of the ratios the
# targets of Documentation/perfctr-performance.rst are stated in.  The
# selfread row (hardware counters, arm64) gives instructions per read as
# well, counted by a hardware event; where the guest could not measure it
# (no PMU), the table says why.
# Exits 1 if a file misses or reports a failed measurement.
set -eu
title=$1
patched=$2
vanilla=${3:-}

for f in "$patched" ${vanilla:+"$vanilla"}; do
	if [ ! -s "$f" ]; then
		echo "report: $f: no benchmark output" >&2
		exit 1
	fi
	if grep -q '^# bench: FAILED' "$f" || ! grep -q '^# bench: failures 0' "$f"; then
		grep '^# bench: FAILED' "$f" >&2 || true
		echo "report: $f: the benchmark did not finish cleanly" >&2
		exit 1
	fi
done

# "KERNEL WORKLOAD CONFIG VALUE", sorted so that each group's values are
# adjacent and ascending; then one "KERNEL WORKLOAD CONFIG MEDIAN N" each.
medians() {
	{
		grep -v '^#' "$patched" | tr -d '\r' | awk 'NF == 3 { print "patched", $0 }'
		if [ -n "$vanilla" ]; then
			grep -v '^#' "$vanilla" | tr -d '\r' | awk 'NF == 3 { print "vanilla", $0 }'
		fi
	} | sort -k1,1 -k2,2 -k3,3 -k4,4g | awk '
		function flush() {
			if (n == 0)
				return
			m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
			print key, m, n
			n = 0
		}
		{ k = $1 " " $2 " " $3; if (k != key) { flush(); key = k } v[++n] = $4 }
		END { flush() }'
}

# Why the selfread row was not measured, if it was not (bench/run.sh), and
# why the hardware configs of the other rows were not.
hw_skipped=$(tr -d '\r' <"$patched" | sed -n 's/^# bench: skipped: selfread [^:]*: //p' | head -n 1)
hw_counting=$(tr -d '\r' <"$patched" | sed -n 's/^# bench: skipped: fork perfctr-hw: //p' | head -n 1)

medians | awk -v title="$title" -v hw_skipped="$hw_skipped" -v hw_counting="$hw_counting" '
	{ med[$1, $2, $3] = $4; rounds[$1, $2, $3] = $5 }

	function has(w, c) { return (("patched", w, c) in med) }
	function get(w, c) { return med["patched", w, c] }
	function ns(x) { return sprintf("%.0f", x) }
	function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
	function pct(a, b) { return b > 0 ? sprintf("%+.1f%%", 100 * (a - b) / b) : "-" }

	function rule(n,   i, s) {
		s = sprintf("%-22s", "======================")
		for (i = 1; i < n; i++)
			s = s " " sprintf("%14s", "==============")
		print s
	}
	function row(n, cells,   i, s) {
		s = sprintf("%-22s", cells[1])
		for (i = 2; i <= n; i++)
			s = s " " sprintf("%14s", cells[i])
		print s
	}
	function header(n, cells) { rule(n); row(n, cells); rule(n) }
	function section(name) { print ""; print name; print substr("--------------------------------------------------------------------------------", 1, length(name)); print "" }

	END {
		print title
		print substr("================================================================================", 1, length(title))
		print ""
		print "Medians of nanoseconds of guest time per operation.  none: no"
		print "counters; blank: a blank control written to self/perfctr/control"
		print "(the file access of perfctr, no counters).  \"+\" is the cost added"
		print "over none; \"+ ratio\" compares perfctr'\''s and perf'\''s added costs;"
		print "\"counting ratio\" leaves perfctr'\''s procfs access out (perfctr - blank)."

		split("fork exec thread switch fault chain1 chain8 chain64", W, " ")
		split("fork+exit+wait|fork+exec+wait|thread create+join|context switch|page fault|chain, depth 1|chain, depth 8|chain, depth 64", L, "|")

		section("Four software counters: minor-faults major-faults context-switches task-clock")
		split("workload|none|blank|perfctr|perf|perfctr +|perf +|+ ratio|counting ratio", H, "|")
		header(9, H)
		for (i = 1; i <= 8; i++) {
			w = W[i]
			if (!has(w, "none") || !has(w, "perfctr-4") || !has(w, "perf-4"))
				continue
			b = get(w, "none"); a = get(w, "perfctr-4"); p = get(w, "perf-4")
			k = has(w, "blank") ? get(w, "blank") : b
			C[1] = L[i]; C[2] = ns(b); C[3] = has(w, "blank") ? ns(k) : "-"
			C[4] = ns(a); C[5] = ns(p)
			C[6] = ns(a - b); C[7] = ns(p - b); C[8] = ratio(a - b, p - b)
			C[9] = ratio(a - k, p - b)
			row(9, C)
		}
		rule(9)

		section("tsc alone (perf: task-clock alone, its nearest event)")
		split("workload|none|blank|perfctr tsc|perf|tsc / none|tsc / blank|perf / none", H, "|")
		header(8, H)
		for (i = 1; i <= 5; i++) {
			w = W[i]
			if (!has(w, "none") || !has(w, "perfctr-tsc") || !has(w, "perf-tsc"))
				continue
			b = get(w, "none"); a = get(w, "perfctr-tsc"); p = get(w, "perf-tsc")
			k = has(w, "blank") ? get(w, "blank") : 0
			C[1] = L[i]; C[2] = ns(b); C[3] = k ? ns(k) : "-"; C[4] = ns(a)
			C[5] = ns(p); C[6] = pct(a, b); C[7] = k ? pct(a, k) : "-"
			C[8] = pct(p, b)
			row(8, C)
		}
		rule(8)

		section("Reading all of a task'\''s counters")
		split("counters|counts read(2)|perf read(2)s|perf group|vs group", H, "|")
		header(5, H)
		split("1 4 16", N, " ")
		for (i = 1; i <= 3; i++) {
			c = N[i]
			if (!has("read", "perfctr-" c))
				continue
			a = get("read", "perfctr-" c)
			p = has("read", "perf-" c) ? get("read", "perf-" c) : 0
			g = has("readgroup", "perf-" c) ? get("readgroup", "perf-" c) : 0
			C[1] = c; C[2] = ns(a); C[3] = p ? ns(p) : "-"; C[4] = g ? ns(g) : "-"
			C[5] = ratio(a, g)
			row(5, C)
		}
		rule(5)

		if (has("readfast", "perfctr-page4")) {
			section("Self-read through the counter page (4 counters the page gives)")
			split("path|ns|counts read(2) /", H, "|")
			header(3, H)
			a = has("read", "perfctr-page4") ? get("read", "perfctr-page4") : 0
			C[1] = "counts read(2)"; C[2] = a ? ns(a) : "-"; C[3] = a ? "1.00" : "-"; row(3, C)
			if (has("read", "perf-4")) {
				p = get("read", "perf-4")
				C[1] = "perf read(2)s"; C[2] = ns(p); C[3] = ratio(p, a); row(3, C)
			}
			f = get("readfast", "perfctr-page4")
			C[1] = "perfctr_read()"; C[2] = sprintf("%.1f", f); C[3] = ratio(f, a); row(3, C)
			if (has("readbare", "perfctr-page4")) {
				r = get("readbare", "perfctr-page4")
				C[1] = "bare page loop"; C[2] = sprintf("%.1f", r); C[3] = ratio(r, a); row(3, C)
			}
			if (has("readfast", "perfctr-4")) {
				q = get("readfast", "perfctr-4")
				C[1] = "perfctr_read(), 4 sw"; C[2] = sprintf("%.1f", q); C[3] = ratio(q, a); row(3, C)
			}
			rule(3)
			print ""
			print "read(2) / perfctr_read(): " ratio(a, f) "; perfctr_read() / bare loop: " \
				(has("readbare", "perfctr-page4") ? ratio(f, r) : "-") "."
			if (has("fault", "perfctr-4mapped") && has("fault", "perfctr-4") && has("fault", "perf-4")) {
				m = get("fault", "perfctr-4mapped"); u = get("fault", "perfctr-4")
				p = get("fault", "perf-4"); b = get("fault", "none")
				print "A fault with the page mapped (its fault counts kept current): " ns(m) \
					" ns, " sprintf("%+.0f", m - u) " ns over perfctr-4 unmapped, " \
					sprintf("%+.0f", m - b) " ns over none, perf-4 " sprintf("%+.0f", p - b) " ns."
			}
		}

		section("Self-read of two hardware counters: instructions:u cycles:u")
		if (!has("selfread-insn", "page-hw")) {
			print "Not measured: " (hw_skipped != "" ? hw_skipped : "no selfread figures") "."
		} else {
			print "One read of both counters by the counting thread itself: \"insns\" are"
			print "the instructions (user and kernel) a hardware event of the thread"
			print "counted per read, \"- loop\" the same less the empty loop'\''s."
			print ""
			split("way of reading|ns|insns|- loop|read(2) /|/ perf mmap", H, "|")
			header(6, H)
			split("page-hw read-hw perf-mmap-hw bare-hw none", S, " ")
			split("perfctr_read(), page|pread() of counts|perf mmap self-read|bare registers|empty loop", SL, "|")
			z = has("selfread-insn", "none") ? get("selfread-insn", "none") : 0
			for (i = 1; i <= 5; i++)
				net[S[i]] = has("selfread-insn", S[i]) ? get("selfread-insn", S[i]) - (i < 5 ? z : 0) : -1
			for (i = 1; i <= 5; i++) {
				c = S[i]
				if (!has("selfread-insn", c))
					continue
				C[1] = SL[i]; C[2] = has("selfread", c) ? sprintf("%.1f", get("selfread", c)) : "-"
				C[3] = sprintf("%.1f", get("selfread-insn", c))
				C[4] = i < 5 ? sprintf("%.1f", net[c]) : "-"
				C[5] = i < 5 && net["read-hw"] > 0 ? ratio(net["read-hw"], net[c]) : "-"
				C[6] = i < 5 && net["perf-mmap-hw"] > 0 ? ratio(net[c], net["perf-mmap-hw"]) : "-"
				row(6, C)
			}
			rule(6)
			print ""
			print "Less the loop: read(2) / page " ratio(net["read-hw"], net["page-hw"]) \
				" (target >= 20); page / perf'\''s own user read " \
				ratio(net["page-hw"], net["perf-mmap-hw"]) " (target <= 1.5);"
			print "page / bare registers " ratio(net["page-hw"], net["bare-hw"]) "."
		}

		section("Two hardware counters: instructions:u cycles:u")
		if (!has("fork", "perfctr-hw")) {
			print "Not measured: " (hw_counting != "" ? hw_counting : "no figures") "."
		} else {
			print "\"one more\" is perfctr-hwsw (the same and page-faults) less"
			print "perfctr-hw: what one more perf event of a task adds, at most what"
			print "the reference event of a stock kernel control with hardware events"
			print "costs (a patched kernel has none)."
			print ""
			split("workload|none|perfctr|perf|perfctr +|perf +|+ ratio|one more", H, "|")
			header(8, H)
			for (i = 1; i <= 4; i++) {
				w = W[i]
				if (!has(w, "none") || !has(w, "perfctr-hw") || !has(w, "perf-hw"))
					continue
				b = get(w, "none"); a = get(w, "perfctr-hw"); p = get(w, "perf-hw")
				C[1] = L[i]; C[2] = ns(b); C[3] = ns(a); C[4] = ns(p)
				C[5] = ns(a - b); C[6] = ns(p - b); C[7] = ratio(a - b, p - b)
				C[8] = has(w, "perfctr-hwsw") ? sprintf("%+.0f", get(w, "perfctr-hwsw") - a) : "-"
				row(8, C)
			}
			rule(8)
			if (has("switch", "perf-hw-own") && has("switch", "perfctr-hw") &&
			    has("switch", "none")) {
				b = get("switch", "none")
				o = get("switch", "perf-hw-own") - b
				print ""
				print "perf with events each process opens for itself, not inherited (perf-hw-own),"
				print "adds " ns(o) " ns to a switch; perfctr / perf-hw-own: " \
					ratio(get("switch", "perfctr-hw") - b, o) "."
			}
		}

		section("Scale: fork+exit+wait with 1, 4 and 16 software counters")
		split("counters|perfctr +|perf +|+ ratio", H, "|")
		header(4, H)
		for (i = 1; i <= 3; i++) {
			c = N[i]
			if (!has("fork", "perfctr-" c) || !has("fork", "perf-" c))
				continue
			b = get("fork", "none")
			a = get("fork", "perfctr-" c); p = get("fork", "perf-" c)
			C[1] = c; C[2] = ns(a - b); C[3] = ns(p - b); C[4] = ratio(a - b, p - b)
			row(4, C)
		}
		rule(4)

		section("Listened: the exits file open and read (perfex --tree), 4 software counters")
		split("workload|perfctr-4|listened|record + read|perf-4 +", H, "|")
		header(5, H)
		split("fork thread chain8", U, " ")
		split("fork+exit+wait|thread create+join|chain of 8", UL, "|")
		for (i = 1; i <= 3; i++) {
			w = U[i]
			if (!has(w, "perfctr-4exits") || !has(w, "perfctr-4") || !has(w, "perf-4") || !has(w, "none"))
				continue
			a = get(w, "perfctr-4"); l = get(w, "perfctr-4exits")
			b = get(w, "none"); p = get(w, "perf-4")
			C[1] = UL[i]; C[2] = ns(a); C[3] = ns(l); C[4] = sprintf("%+.0f", l - a)
			C[5] = sprintf("%+.0f", p - b)
			row(5, C)
		}
		rule(5)

		# Stock mode measures the bare kernel in the same boot, with the
		# module unloaded (bench/run.sh: "unloaded").
		stock = has("fork", "unloaded")
		if (stock) {
			section("Unused: module loaded, nobody counting, against the module unloaded")
			split("workload|unloaded|loaded|loaded over", H, "|")
		} else {
			section("Unused: module loaded, nobody counting, against the unpatched kernel")
			split("workload|unpatched|patched|patched over", H, "|")
		}
		header(4, H)
		split("fork exec thread switch fault chain8", U, " ")
		split("fork+exit+wait|fork+exec+wait|thread create+join|context switch|page fault|chain, depth 8", UL, "|")
		for (i = 1; i <= 6; i++) {
			w = U[i]
			if (stock) {
				if (!has(w, "unloaded") || !has(w, "none"))
					continue
				v = get(w, "unloaded")
			} else {
				if (!(("vanilla", w, "none") in med) || !has(w, "none"))
					continue
				v = med["vanilla", w, "none"]
			}
			b = get(w, "none")
			C[1] = UL[i]; C[2] = ns(v); C[3] = ns(b); C[4] = pct(b, v)
			row(4, C)
		}
		rule(4)
	}'
