#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# perfctr demonstration, run as root in the test guest by `make demo`.
#
# A shell programs its own counters, runs a small process tree, and shows its
# self and children counts next to what the kernel's own accounting
# (/proc/<pid>/stat cminflt, cmajflt) says about the same children; then
# perfex --tree breaks a command down process by process, with its report
# on standard error and the command's own status.
set -eu

me=$$
# /proc on the patched kernel; the stock kernel's module serves the same
# files under /sys/fs/perfctr (the guest sets PERFCTR_ROOT).
root=${PERFCTR_ROOT:-/proc}
dir=$root/$me/perfctr

# Builtins only (read, mapfile, printf): a command substitution would fork a
# child of this shell, which would be counted and merged too.
show() {
	local f line
	for f in "$@"; do
		printf '   %-9s' "$f:"
		mapfile -t lines < "$dir/$f"
		if [ ${#lines[@]} -eq 0 ]; then
			echo " (empty)"
		else
			printf ' %s\n' "${lines[0]}"
			for line in "${lines[@]:1}"; do
				printf '   %-9s %s\n' "" "$line"
			done
		fi
	done
}

# Fields 11 and 13 of /proc/<pid>/stat, cminflt and cmajflt, into the
# variables named $1 and $2 (no command substitution, hence no child).
stat_faults() {
	local stat
	read -r stat < "/proc/$me/stat"
	stat=${stat##*) }
	set -- "$1" "$2" $stat
	printf -v "$1" %s "${11}"	# $3 is field 3, the state
	printf -v "$2" %s "${13}"
}

step() {
	printf '\n== %s\n' "$*"
}

step "1. This shell ($me) programs its own counters"
echo "   \$ echo 'minor-faults,major-faults task-clock tsc' > $root/\$\$/perfctr/control"
echo 'minor-faults,major-faults task-clock tsc' > "$dir/control"
show control id

stat_faults cmin0 cmaj0

step "2. It runs a fork-only process tree: depth 3, width 3 (39 processes), 200 pages each"
echo "   \$ pctest tree 3 3 200"
echo "   (pctest itself compares its children counts with getrusage(RUSAGE_CHILDREN):)"
printf '   %s\n' "$(pctest tree 3 3 200)"

step "3. Everything the tree did is now in the shell's children counts"
show counts children

stat_faults cmin1 cmaj1
mapfile -t kids < "$dir/children"
echo
echo "   children minor-faults: ${kids[0]#* }   /proc/$me/stat cminflt grew by: $((cmin1 - cmin0))"
echo "   children major-faults: ${kids[1]#* }   /proc/$me/stat cmajflt grew by: $((cmaj1 - cmaj0))"
diff=$((cmin1 - cmin0 - ${kids[0]#* }))
if [ "$diff" -eq 0 ]; then
	echo "   The two agree exactly, as pctest showed for its own children."
elif [ "$diff" -gt 0 ]; then
	faults="minor faults"
	[ "$diff" -ne 1 ] || faults="minor fault"
	echo "   The difference, $diff $faults, is what exec took while copying"
	echo "   pctest's arguments through get_user_pages(): the kernel charges them"
	echo "   to the task, but no perf fault event fires for them.  Below exec, in"
	echo "   the fork-only tree, the two agree exactly, as pctest showed."
else
	echo "   The children counts are $((-diff)) minor faults above cminflt."
fi

step "4. A child that reprograms itself is not merged back"
echo "   \$ bash -c 'echo minor-faults > $root/\$\$/perfctr/control; pctest touch 1000'"
echo 'minor-faults,major-faults task-clock tsc' > "$dir/control"
root=$root bash -c 'echo minor-faults > $root/$$/perfctr/control; pctest touch 1000; true'
show id children

step "5. Threads merge into their process, and the process into this shell"
echo "   \$ pctest threads 4 500"
pctest threads 4 500 | sed 's/^/   /'
show children

step "6. Clearing the control"
echo "   \$ echo > $root/\$\$/perfctr/control"
echo > "$dir/control"
show control id counts children

# The control is clear: from here on, a child of this shell counts nothing.
out=$(mktemp)
trap 'rm -f "$out"' EXIT

step "7. perfex --tree: what each process of a command cost, exactly"
echo "   \$ perfex --tree -e 'task-clock minor-faults major-faults' -- pctest tree 2 2 100 > tree.out"
perfex --tree -e 'task-clock minor-faults major-faults' -- \
	pctest tree 2 2 100 2>&1 >"$out" | sed 's/^/   /'
echo "   perfex's report went to standard error, as perf stat's and time's do;"
echo "   standard output was the command's alone:"
echo "   \$ cat tree.out"
sed 's/^/   /' "$out"

step "8. perfex exits with the command's status, as time does"
for cmd in 'exit 3' 'kill -TERM $$'; do
	echo "   \$ perfex -x, -e task-clock -- sh -c '$cmd'; echo \"status \$?\""
	status=0
	perfex -x, -e task-clock -- sh -c "$cmd" 2>"$out" || status=$?
	sed 's/^/   /' "$out"
	echo "   status $status"
done
echo "   (128 + 15: SIGTERM killed it.)  The same holds when the counts cannot"
echo "   be read, after a set-uid exec, say: perfex says why on standard error,"
echo "   prints the times, and still exits with the command's status."
